// Helpers for the data reader tests: a temporary directory, writing plain and gzip files,
// building IDX files, and asserting an InputError's message. Not a test itself.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "greenbench/dataset.hpp"
#include "greenbench/errors.hpp"

namespace greenbench::test {

namespace fs = std::filesystem;

// What a reader says of a data set's shape, from dataset_check or from the loaded splits, as
// one comparable value: EXPECT_EQ(shape_of(info), (DataShape{60000, 10000, 1, 28, 28, 10})).
struct DataShape {
  int64_t train = 0, test = 0;
  int channels = 0, height = 0, width = 0, classes = 0;
  bool operator==(const DataShape&) const = default;
  friend void PrintTo(const DataShape& s, std::ostream* os) {
    *os << "{train " << s.train << ", test " << s.test << ", " << s.channels << "x" << s.height
        << "x" << s.width << ", " << s.classes << " classes}";
  }
};
inline DataShape shape_of(const DatasetInfo& i) {
  return {i.train_samples, i.test_samples, i.channels, i.height, i.width, i.classes};
}
inline DataShape shape_of(const DatasetSplits& s) {
  return {s.train.n, s.test.n, s.train.channels, s.train.height, s.train.width, s.train.classes};
}

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("greenbench-data-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

inline void write_plain(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline void write_gz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr) << path;
  if (!bytes.empty()) {
    ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
  }
  ASSERT_EQ(gzclose(gz), Z_OK);
}

inline void put_be32(std::vector<uint8_t>& b, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<uint8_t>(v >> shift));
}

// An IDX images file (magic 0x803, N, H, W) holding `pixels` (N*H*W).
inline std::vector<uint8_t> idx_images(uint32_t n, uint32_t h, uint32_t w,
                                       const std::vector<uint8_t>& pixels) {
  std::vector<uint8_t> b;
  put_be32(b, 0x00000803);
  put_be32(b, n);
  put_be32(b, h);
  put_be32(b, w);
  b.insert(b.end(), pixels.begin(), pixels.end());
  return b;
}

// An IDX labels file (magic 0x801, N) holding `labels`.
inline std::vector<uint8_t> idx_labels(uint32_t n, const std::vector<uint8_t>& labels) {
  std::vector<uint8_t> b;
  put_be32(b, 0x00000801);
  put_be32(b, n);
  b.insert(b.end(), labels.begin(), labels.end());
  return b;
}

// Runs fn, expects an InputError whose message contains every one of `parts`.
inline void expect_input_error(const std::function<void()>& fn,
                               std::initializer_list<std::string> parts) {
  try {
    fn();
    ADD_FAILURE() << "expected an InputError";
  } catch (const InputError& e) {
    const std::string what = e.what();
    for (const auto& part : parts) {
      EXPECT_NE(what.find(part), std::string::npos) << "message: " << what << "\nlacks: " << part;
    }
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected an InputError, got: " << e.what();
  }
}

// Both readers refuse `spec`, each with an InputError (expect_input_error): dataset_load's
// message holds every one of `load_parts`, dataset_check's (it reads headers and sizes only)
// every one of `check_parts`.
inline void expect_both_refuse(const DatasetSpec& spec,
                               std::initializer_list<std::string> load_parts,
                               std::initializer_list<std::string> check_parts) {
  {
    SCOPED_TRACE("dataset_load");
    expect_input_error([&] { dataset_load(spec); }, load_parts);
  }
  SCOPED_TRACE("dataset_check");
  expect_input_error([&] { dataset_check(spec); }, check_parts);
}
// Both refuse `spec`, each message holding every one of `parts`.
inline void expect_both_refuse(const DatasetSpec& spec, std::initializer_list<std::string> parts) {
  expect_both_refuse(spec, parts, parts);
}

}  // namespace greenbench::test
