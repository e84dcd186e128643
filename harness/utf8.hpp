// Internal: UTF-8 validation for text that becomes JSON (config ids, result rows): nlohmann-json
// throws on invalid UTF-8 when it dumps, so inputs are checked where they enter. Not decoding.
#pragma once

#include <cstdint>
#include <string_view>

namespace greenbench {

// The byte offset of the first invalid UTF-8 sequence in s (overlong forms, surrogates and
// code points past U+10FFFF included), or npos when s is valid.
inline size_t utf8_invalid_at(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80           ? 1
                       : (c >> 5) == 0x6  ? 2
                       : (c >> 4) == 0xe  ? 3
                       : (c >> 3) == 0x1e ? 4
                                          : 0;
    if (len == 0 || i + len > s.size()) return i;
    uint32_t cp = len == 1 ? c : c & (0x7fu >> len);
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return i;
      cp = cp << 6 | (cc & 0x3fu);
    }
    static constexpr uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace greenbench
