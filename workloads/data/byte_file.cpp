// ByteFile: gzip-or-plain sequential reads through zlib's gzread, and the cheap content size
// (file length, or the gzip ISIZE trailer). Not a format parser.
#include "data/byte_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "data/input_error.hpp"

namespace greenbench::detail {

namespace fs = std::filesystem;

bool file_exists(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

ByteFile::ByteFile(const std::string& path, std::string fix) : path_(path), fix_(std::move(fix)) {
  if (!file_exists(path)) throw_input_error("file not found", path, fix_);
  gz_ = gzopen(path.c_str(), "rb");
  if (!gz_) {
    throw_input_error(std::string("cannot open: ") + std::strerror(errno), path,
                      "check the file's permissions");
  }
  gzbuffer(gz_, 1 << 18);
}

ByteFile::~ByteFile() {
  if (gz_) gzclose_r(gz_);
}

int64_t ByteFile::read(uint8_t* dst, int64_t n) {
  int64_t got = 0;
  while (got < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n - got, 1 << 30));
    const int r = gzread(gz_, dst + got, chunk);
    if (r < 0) {
      int errnum = 0;
      const char* msg = gzerror(gz_, &errnum);
      throw_input_error(std::string("corrupt gzip data: ") + (msg ? msg : "unknown error"), path_,
                        fix_);
    }
    if (r == 0) break;  // end of file, or a truncated gzip stream (Z_BUF_ERROR)
    got += r;
  }
  return got;
}

void ByteFile::read_exact(uint8_t* dst, int64_t n, const char* what) {
  const int64_t got = read(dst, n);
  if (got != n) {
    throw_input_error("truncated: expected " + std::to_string(n) + " bytes of " + what + ", got " +
                          std::to_string(got),
                      path_, fix_);
  }
}

void ByteFile::read_exact_into(std::vector<uint8_t>& out, int64_t n, const char* what) {
  // Steps double from 1 MiB: at most twice the bytes present are ever allocated (zero-filled),
  // and Fashion-MNIST's 47 MB of pixels take 6 steps.
  out.clear();
  int64_t got = 0;
  while (got < n) {
    const int64_t want = std::min(std::max<int64_t>(got, int64_t{1} << 20), n - got);
    out.resize(static_cast<size_t>(got + want));
    const int64_t r = read(out.data() + got, want);
    got += r;
    if (r != want) {
      throw_input_error("truncated: expected " + std::to_string(n) + " bytes of " + what +
                            ", got " + std::to_string(got),
                        path_, fix_);
    }
  }
}

int64_t ByteFile::count_rest() {
  std::vector<uint8_t> sink(1 << 16);
  int64_t rest = 0;
  for (int64_t r; (r = read(sink.data(), static_cast<int64_t>(sink.size()))) > 0;) rest += r;
  return rest;
}

ContentSize file_content_size(const std::string& path, const std::string& fix) {
  if (!file_exists(path)) throw_input_error("file not found", path, fix);
  std::error_code ec;
  const auto length = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) throw_input_error("cannot stat: " + ec.message(), path, fix);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    throw_input_error(std::string("cannot open: ") + std::strerror(errno), path,
                      "check the file's permissions");
  }
  ContentSize size{length, false};
  unsigned char magic[2] = {0, 0};
  if (length >= 18 && std::fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    unsigned char trailer[4] = {0, 0};
    if (std::fseek(f, -4, SEEK_END) == 0 && std::fread(trailer, 1, 4, f) == 4) {
      size.gzip = true;
      size.bytes = static_cast<int64_t>(trailer[0]) | static_cast<int64_t>(trailer[1]) << 8 |
                   static_cast<int64_t>(trailer[2]) << 16 | static_cast<int64_t>(trailer[3]) << 24;
    }
  }
  std::fclose(f);
  return size;
}

}  // namespace greenbench::detail
