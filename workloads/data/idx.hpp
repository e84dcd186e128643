// The IDX file format (MNIST, Fashion-MNIST): a 4-byte big-endian magic 0x000008<ndims>
// (unsigned bytes), ndims big-endian uint32 sizes, then the items. Not a data set's layout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/byte_file.hpp"

namespace greenbench::detail {

inline constexpr uint32_t idx_magic_images = 0x00000803;  // ubyte, 3 dims: (N, H, W)
inline constexpr uint32_t idx_magic_labels = 0x00000801;  // ubyte, 1 dim: (N)

// The most content bytes a header may describe (1 TiB): keeps every size product in int64.
inline constexpr int64_t idx_max_data_bytes = int64_t{1} << 40;

struct IdxHeader {
  std::vector<int64_t> dims;   // dims[0] = N items
  int64_t header_bytes = 0;    // 4 + 4 * ndims
  int64_t item_bytes() const;  // product of dims[1..]
  int64_t data_bytes() const { return dims.empty() ? 0 : dims[0] * item_bytes(); }
};

// Reads and validates the header at the start of `file` (magic, then sizes in 1..2^30 whose
// product is at most idx_max_data_bytes).
// Throws InputError naming the file.
IdxHeader idx_read_header(ByteFile& file, uint32_t magic, const std::string& fix);

// Opens `path`, reads its header, and checks the content size is exactly header + data, without
// reading the data. `what` names the data in messages ("pixel data", "label data").
IdxHeader idx_check_file(const std::string& path, uint32_t magic, const char* what,
                         const std::string& fix);

}  // namespace greenbench::detail
