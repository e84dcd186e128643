// Helpers the fuzz targets share: cutting one fuzz input into parts (files), a scratch folder
// per process, writing a part plain or gzip-compressed, and FUZZ_CHECK for properties that
// must hold (abort = a finding). Not a target itself (targets are *_fuzz.cpp).
#pragma once

#include <unistd.h>
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace fuzz {

// Parts of a multi-file input are separated by this line; the targets' .dict files hold it.
inline constexpr std::string_view kSplit = "\n--gb-split--\n";

// Splits `data` at kSplit into at most `max_parts` parts (the last keeps any further separators).
inline std::vector<std::string> parts_split(const uint8_t* data, size_t size, size_t max_parts) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() + 1 < max_parts) {
    const size_t at = all.find(kSplit, start);
    if (at == std::string_view::npos) break;
    parts.emplace_back(all.substr(start, at - start));
    start = at + kSplit.size();
  }
  parts.emplace_back(all.substr(start));
  return parts;
}

// Splits `data` into lines at '\n' (dropped), at most `max_lines`; bytes after the last counted
// newline are ignored. The input format of the targets whose input is a list of arguments.
inline std::vector<std::string> lines_split(const uint8_t* data, size_t size, size_t max_lines) {
  std::vector<std::string> lines;
  std::string cur;
  for (size_t i = 0; i < size && lines.size() < max_lines; ++i) {
    if (data[i] == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else {
      cur += char(data[i]);
    }
  }
  if (lines.size() < max_lines) lines.push_back(cur);
  return lines;
}

// A scratch folder for this process (on /dev/shm when there is one), emptied on each call.
inline std::string scratch_dir() {
  namespace fs = std::filesystem;
  static const std::string dir = [] {
    const fs::path base = fs::is_directory("/dev/shm") ? "/dev/shm" : fs::temp_directory_path();
    return (base / ("gb_fuzz_" + std::to_string(getpid()))).string();
  }();
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  return dir;
}

// Writes `bytes` to `path`, gzip-compressed when `gzip`.
inline void file_write(const std::string& path, const std::string& bytes, bool gzip) {
  if (!gzip) {
    std::ofstream(path, std::ios::binary)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return;
  }
  gzFile gz = gzopen(path.c_str(), "wb1");
  if (!bytes.empty()) gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(gz);
}

// True when `bytes` start with gzip's magic (a plain part that is itself, possibly corrupt,
// gzip: the readers' quick checks cannot see all of it).
inline bool gzip_magic(const std::string& bytes) {
  return bytes.size() >= 2 && uint8_t(bytes[0]) == 0x1f && uint8_t(bytes[1]) == 0x8b;
}

}  // namespace fuzz

// A property that must hold for every input; its failure is a finding like a crash.
#define FUZZ_CHECK(cond, ...)                                                                \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n  ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                                     \
      std::fprintf(stderr, "\n");                                                            \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

#ifdef GREENBENCH_DATASET_HPP_FOR_FUZZ
namespace fuzz {

// The properties every dataset reader owes, whatever the bytes: bad files are InputError only;
// a loaded split has `channels` channels (and `height` x `width` pixels when not 0), one label in
// [0, classes) per sample and as many pixels as its shape says; what dataset_check accepts,
// dataset_load loads, with the same counts and shape. Returns dataset_load's message when it
// refused what dataset_check had accepted (the caller decides whether its format excuses that), ""
// otherwise.
// The input format of the data-set targets: byte 0 is `gzip_bits` (bit i: part i gzip-compressed,
// its file name then ending in `gz_suffix`), and the parts of `data` (parts_split, at most
// names.size()) are written to a fresh scratch folder as names[i]. Returns the spec of `dataset`
// reading that folder; `raw_gzip` says whether a plain part is itself (possibly corrupt) gzip,
// which dataset_check's quick checks cannot see all of.
inline greenbench::DatasetSpec dataset_files_write(const std::string& dataset, const uint8_t* data,
                                                   size_t size, uint8_t gzip_bits,
                                                   const std::vector<std::string>& names,
                                                   const std::string& gz_suffix, bool* raw_gzip) {
  const auto parts = parts_split(data, size, names.size());
  greenbench::DatasetSpec spec;
  spec.name = dataset;
  spec.data_dir = scratch_dir();
  *raw_gzip = false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool gz = (gzip_bits >> i) & 1;
    file_write(spec.data_dir + "/" + names[i] + (gz ? gz_suffix : ""), parts[i], gz);
    *raw_gzip |= !gz && gzip_magic(parts[i]);
  }
  return spec;
}

inline std::string dataset_check_then_load(const greenbench::DatasetSpec& spec, int channels,
                                           int height = 0, int width = 0) {
  bool checked = false;
  greenbench::DatasetInfo info;
  try {
    info = greenbench::dataset_check(spec);
    checked = true;
  } catch (const greenbench::InputError&) {
  }
  try {
    const greenbench::DatasetSplits s = greenbench::dataset_load(spec);
    for (const greenbench::Dataset* d : {&s.train, &s.test}) {
      FUZZ_CHECK(d->n > 0 && d->channels == channels && d->height > 0 && d->width > 0 &&
                     (height == 0 || d->height == height) && (width == 0 || d->width == width),
                 "bad shape %dx%dx%d", d->channels, d->height, d->width);
      FUZZ_CHECK(int64_t(d->pixels.size()) == d->n * d->sample_size(), "pixels %zu",
                 d->pixels.size());
      FUZZ_CHECK(int64_t(d->labels.size()) == d->n, "labels %zu", d->labels.size());
      for (int32_t l : d->labels) FUZZ_CHECK(l >= 0 && l < d->classes, "label %d", l);
    }
    if (checked)
      FUZZ_CHECK(info.train_samples == s.train.n && info.test_samples == s.test.n &&
                     info.height == s.train.height && info.width == s.train.width,
                 "dataset_check and dataset_load disagree");
  } catch (const greenbench::InputError& e) {
    if (checked) return e.what();
  }
  return "";
}

}  // namespace fuzz
#endif
