// throw_input_error: how the data readers raise greenbench::InputError (exit 2) with a file
// and a fix. Not a new error type; it exists so that one file, input_error.cpp, builds the
// message (GCC 12 warns falsely, -Wrestrict, wherever InputError::format is inlined).
#pragma once

#include <string>

namespace greenbench::detail {

// Throws InputError(what, file, 0, 0, fix): "file: what; fix".
[[noreturn]] void throw_input_error(const std::string& what, const std::string& file,
                                    const std::string& fix);

}  // namespace greenbench::detail
