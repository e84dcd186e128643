// Keys vit and lm share: dim, heads (dividing dim) and depth. See transformer_archs.hpp.
#include <fmt/format.h>

#include "models/config.hpp"
#include "models/input_error.hpp"
#include "models/transformer_archs.hpp"

namespace greenbench::models {

void transformer_width_complete(const WorkloadConfig& in, WorkloadConfig& out,
                                std::int64_t default_dim) {
  const auto dim = key_int(in, "dim", 1, 1 << 16, default_dim);
  const auto heads = key_int(in, "heads", 1, 4096, 4);
  if (dim % heads != 0)
    throw InputError(fmt::format("heads: {} does not divide dim {}", heads, dim), "", 0, 0,
                     "choose heads so that dim / heads is a whole head size");
  out["dim"] = dim;
  out["heads"] = heads;
  out["depth"] = key_int(in, "depth", 1, 1024, 2);
}

}  // namespace greenbench::models
