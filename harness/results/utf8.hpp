// UTF-8 well-formedness, for every text that becomes a JSON value (grid files, --set values,
// results files).
#pragma once

#include <string>

namespace greenbench {

// The byte offset of the first byte of `text` that is not well-formed UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF included), or std::string::npos when all is well.
// JSON (results, ids) holds only UTF-8, so inputs are checked before they become values.
size_t utf8_invalid_at(const std::string& text);

}  // namespace greenbench
