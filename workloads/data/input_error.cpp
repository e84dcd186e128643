// throw_input_error's one definition.

#include "data/input_error.hpp"

#include "greenbench/errors.hpp"

namespace greenbench::detail {

void throw_input_error(const std::string& what, const std::string& file, const std::string& fix) {
  throw InputError(what, file, 0, 0, fix);
}

}  // namespace greenbench::detail
