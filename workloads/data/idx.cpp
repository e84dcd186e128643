// IDX headers: magic and big-endian sizes, and the cheap whole-file size check.
// Not Fashion-MNIST's file names or normalisation (fashion_mnist.cpp).
#include "data/idx.hpp"

#include <cstdio>

#include "data/input_error.hpp"

namespace greenbench::detail {

namespace {

uint32_t big_endian_u32(const uint8_t* b) {
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
}

std::string hex32(uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%08x", v);
  return s;
}

}  // namespace

int64_t IdxHeader::item_bytes() const {
  int64_t bytes = 1;
  for (size_t i = 1; i < dims.size(); ++i) bytes *= dims[i];
  return bytes;
}

IdxHeader idx_read_header(ByteFile& file, uint32_t magic, const std::string& fix) {
  uint8_t b[4];
  if (file.read(b, 4) != 4) throw_input_error("truncated: no IDX header", file.path(), fix);
  const uint32_t got = big_endian_u32(b);
  const int ndims = static_cast<int>(magic & 0xff);
  if (got != magic) {
    throw_input_error("bad magic " + hex32(got) + ", expected " + hex32(magic) +
                          " (IDX, unsigned bytes, " + std::to_string(ndims) + " dims)",
                      file.path(), fix);
  }
  IdxHeader h;
  h.header_bytes = 4 + 4 * int64_t{ndims};
  for (int d = 0; d < ndims; ++d) {
    if (file.read(b, 4) != 4) {
      throw_input_error("truncated: header ends before size " + std::to_string(d + 1) + " of " +
                            std::to_string(ndims),
                        file.path(), fix);
    }
    const int64_t size = big_endian_u32(b);
    if (size == 0 || size > (int64_t{1} << 30)) {
      throw_input_error("bad IDX header: size " + std::to_string(d + 1) + " is " +
                            std::to_string(size) + ", expected 1..2^30",
                        file.path(), fix);
    }
    h.dims.push_back(size);
  }
  // The whole content must be addressable: sizes of up to 2^30 each multiply past int64
  // (found by tests/fuzz/fashion_mnist_fuzz.cpp). No real IDX file comes near 2^40 bytes.
  int64_t bytes = 1;
  for (int64_t d : h.dims) {
    if (bytes > idx_max_data_bytes / d) {
      std::string sizes;
      for (int64_t x : h.dims) sizes += (sizes.empty() ? "" : " x ") + std::to_string(x);
      throw_input_error("bad IDX header: sizes " + sizes + " make more than 2^40 bytes",
                        file.path(), fix);
    }
    bytes *= d;
  }
  return h;
}

IdxHeader idx_check_file(const std::string& path, uint32_t magic, const char* what,
                         const std::string& fix) {
  const ContentSize size = file_content_size(path, fix);
  ByteFile file(path, fix);
  const IdxHeader h = idx_read_header(file, magic, fix);
  const int64_t expected = h.header_bytes + h.data_bytes();
  if (!size.gzip) {
    const int64_t got = size.bytes - h.header_bytes;
    if (got < h.data_bytes()) {
      throw_input_error("truncated: expected " + std::to_string(h.data_bytes()) + " bytes of " +
                            what + ", got " + std::to_string(got),
                        path, fix);
    }
    if (got > h.data_bytes()) {
      throw_input_error(std::to_string(got - h.data_bytes()) + " unexpected bytes after the " +
                            std::to_string(h.data_bytes()) + " bytes of " + what,
                        path, fix);
    }
  } else if (size.bytes != (expected & 0xffffffff)) {
    throw_input_error("size mismatch: the gzip trailer records " + std::to_string(size.bytes) +
                          " uncompressed bytes, the IDX header implies " +
                          std::to_string(expected) + "; the file is truncated or corrupt",
                      path, fix);
  }
  return h;
}

}  // namespace greenbench::detail
