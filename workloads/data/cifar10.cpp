// CIFAR-10 from its binary batches: train = data_batch_1..5.bin, test = test_batch.bin; each
// record is 1 label byte + 3072 pixel bytes (3x32x32, R then G then B planes, rows in order).
// A file may hold any whole number of records (the real ones hold 10000; tests write fewer).
// Not the python or matlab versions of CIFAR-10.
#include <algorithm>
#include <array>
#include <filesystem>
#include <vector>

#include "data/byte_file.hpp"
#include "data/input_error.hpp"
#include "data/readers.hpp"

namespace greenbench::detail {

namespace {

namespace fs = std::filesystem;

constexpr int kClasses = 10, kChannels = 3, kSide = 32;
constexpr int64_t kPixelBytes = kChannels * kSide * kSide;  // 3072
constexpr int64_t kRecordBytes = 1 + kPixelBytes;           // 3073
// The standard per-channel mean and std of the training set, of pixel/255.
constexpr std::array<float, 3> kMean = {0.4914f, 0.4822f, 0.4465f};
constexpr std::array<float, 3> kStd = {0.2470f, 0.2435f, 0.2616f};
const char* const kFix =
    "download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, extract it, and set "
    "data_dir to its cifar-10-batches-bin folder";
const char* const kCorruptFix = "the file is damaged; re-download the CIFAR-10 binary version";

// The folder holding the batches: data_dir, or data_dir/cifar-10-batches-bin as extracted.
std::string batches_dir(const DatasetSpec& spec) {
  const std::string dir = data_dir_of(spec);
  require_dir(dir, kFix);
  const fs::path nested = fs::path(dir) / "cifar-10-batches-bin";
  if (!file_exists((fs::path(dir) / "data_batch_1.bin").string()) &&
      file_exists((nested / "data_batch_1.bin").string())) {
    return nested.string();
  }
  return dir;
}

std::vector<std::string> split_files(const std::string& dir, bool train) {
  std::vector<std::string> files;
  if (train) {
    for (int i = 1; i <= 5; ++i) {
      files.push_back((fs::path(dir) / ("data_batch_" + std::to_string(i) + ".bin")).string());
    }
  } else {
    files.push_back((fs::path(dir) / "test_batch.bin").string());
  }
  return files;
}

// Records in a batch file, from its size; InputError unless a positive whole number.
int64_t file_records(const std::string& path) {
  const int64_t bytes = file_content_size(path, kFix).bytes;
  if (bytes == 0) throw_input_error("empty file, expected 3073-byte records", path, kCorruptFix);
  if (bytes % kRecordBytes != 0) {
    throw_input_error("truncated: " + std::to_string(bytes) +
                          " bytes is not a whole number of 3073-byte records (1 label byte + "
                          "3072 pixel bytes); the last record has " +
                          std::to_string(bytes % kRecordBytes) + " bytes",
                      path, kCorruptFix);
  }
  return bytes / kRecordBytes;
}

int64_t split_records(const std::vector<std::string>& files) {
  int64_t n = 0;
  for (const auto& f : files) n += file_records(f);
  return n;
}

Dataset load_split(const std::string& dir, bool train, int64_t requested) {
  const std::vector<std::string> files = split_files(dir, train);
  Dataset d;
  d.name = "cifar10";
  d.split = train ? "train" : "test";
  d.n = subset_count(requested, split_records(files), train ? "train_samples" : "test_samples",
                     "cifar10 " + d.split);
  d.channels = kChannels;
  d.height = d.width = kSide;
  d.classes = kClasses;
  d.mean.assign(kMean.begin(), kMean.end());
  d.std.assign(kStd.begin(), kStd.end());
  // Record counts come from sizes a gzip trailer can misstate (up to 4 GiB): reserve at most
  // 256 MiB up front (all of the real train split) and grow only as records arrive.
  const int64_t reserve_records = std::min<int64_t>(d.n, (int64_t{256} << 20) / kPixelBytes);
  d.pixels.reserve(static_cast<size_t>(reserve_records * kPixelBytes));
  d.labels.reserve(static_cast<size_t>(reserve_records));

  std::vector<uint8_t> record(kRecordBytes);
  int64_t i = 0;
  for (size_t f = 0; f < files.size() && i < d.n; ++f) {
    ByteFile file(files[f], kFix);
    const int64_t records = file_records(files[f]);
    for (int64_t r = 0; r < records && i < d.n; ++r, ++i) {
      file.read_exact(record.data(), kRecordBytes, "record data");
      if (record[0] >= kClasses) {
        throw_input_error("label " + std::to_string(record[0]) + " of record " + std::to_string(r) +
                              " is out of range [0, 10)",
                          files[f], kCorruptFix);
      }
      d.labels.push_back(record[0]);
      d.pixels.insert(d.pixels.end(), record.begin() + 1, record.end());
    }
  }
  return d;
}

}  // namespace

DatasetSplits cifar10_load(const DatasetSpec& spec) {
  const std::string dir = batches_dir(spec);
  return {load_split(dir, true, spec.train_samples), load_split(dir, false, spec.test_samples)};
}

DatasetInfo cifar10_check(const DatasetSpec& spec) {
  const std::string dir = batches_dir(spec);
  DatasetInfo info;
  info.name = "cifar10";
  info.channels = kChannels;
  info.height = info.width = kSide;
  info.classes = kClasses;
  info.train_samples = subset_count(spec.train_samples, split_records(split_files(dir, true)),
                                    "train_samples", "cifar10 train");
  info.test_samples = subset_count(spec.test_samples, split_records(split_files(dir, false)),
                                   "test_samples", "cifar10 test");
  return info;
}

}  // namespace greenbench::detail
