// Reading the bytes of a data file that may be gzip-compressed or plain: one reader for both
// (zlib reads a plain file as-is), and the content size without decompressing.
// Not a file format: IDX and CIFAR-10 records are parsed in idx.cpp and cifar10.cpp.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace greenbench::detail {

// Sequential reader over a gzip or plain file. Errors are InputError naming the file.
class ByteFile {
 public:
  // Throws InputError (with `fix`) if the file is missing or cannot be opened.
  ByteFile(const std::string& path, std::string fix);
  ~ByteFile();
  ByteFile(const ByteFile&) = delete;
  ByteFile& operator=(const ByteFile&) = delete;

  // Reads up to n bytes into dst; returns how many were read: fewer only at end of file or
  // at a truncated gzip stream. Throws InputError on corrupt gzip data.
  int64_t read(uint8_t* dst, int64_t n);
  // Reads exactly n bytes of `what` ("pixel data"); otherwise throws
  // InputError "truncated: expected n bytes of <what>, got m".
  void read_exact(uint8_t* dst, int64_t n, const char* what);
  // Like read_exact into `out` (resized to n), but grows `out` only as bytes arrive (doubling
  // from 1 MiB), so a header that claims more than the file holds cannot make it allocate more
  // than about twice what the file holds.
  void read_exact_into(std::vector<uint8_t>& out, int64_t n, const char* what);
  // Counts the bytes left (reads them); 0 at end of file.
  int64_t count_rest();
  const std::string& path() const { return path_; }

 private:
  std::string path_, fix_;
  gzFile gz_ = nullptr;
};

// Uncompressed size of a file: its length, or for gzip the ISIZE trailer (the size modulo
// 2^32 of the last member; exact for the single-member files data sets ship). Reads 6 bytes.
struct ContentSize {
  int64_t bytes = 0;
  bool gzip = false;
};
ContentSize file_content_size(const std::string& path, const std::string& fix);

// True if a regular file (or a link to one) exists at path.
bool file_exists(const std::string& path);

}  // namespace greenbench::detail
