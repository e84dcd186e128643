// Fashion-MNIST from its four IDX files (gzip or plain): train-* (60000) and t10k-* (10000),
// 1x28x28 images, labels 0..9, normalised with PyTorch's usual mean 0.2860, std 0.3530.
// Not the IDX format itself (idx.cpp).
#include <filesystem>

#include "data/byte_file.hpp"
#include "data/idx.hpp"
#include "data/input_error.hpp"
#include "data/readers.hpp"

namespace greenbench::detail {

namespace {

namespace fs = std::filesystem;

constexpr int kClasses = 10;
constexpr float kMean = 0.2860f, kStd = 0.3530f;
const char* const kFix =
    "apt-get install dataset-fashion-mnist, or set data_dir to a folder holding "
    "train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz] and "
    "t10k-labels-idx1-ubyte[.gz]";
const char* const kCorruptFix =
    "the file is damaged; reinstall dataset-fashion-mnist or re-download it";

// dir/base.gz if present, else dir/base; InputError naming both if neither exists.
std::string find_idx(const std::string& dir, const std::string& base) {
  const std::string gz = (fs::path(dir) / (base + ".gz")).string();
  if (file_exists(gz)) return gz;
  const std::string plain = (fs::path(dir) / base).string();
  if (file_exists(plain)) return plain;
  throw_input_error("file not found (nor its uncompressed form " + base + ")", gz, kFix);
}

struct SplitFiles {
  std::string images, labels;
};

SplitFiles split_files(const std::string& dir, const std::string& prefix) {
  return {find_idx(dir, prefix + "-images-idx3-ubyte"),
          find_idx(dir, prefix + "-labels-idx1-ubyte")};
}

void check_labels(const uint8_t* labels, int64_t n, const std::string& path) {
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] >= kClasses) {
      throw_input_error("label " + std::to_string(labels[i]) + " at index " + std::to_string(i) +
                            " is out of range [0, " + std::to_string(kClasses) + ")",
                        path, kCorruptFix);
    }
  }
}

void check_counts(const IdxHeader& images, const IdxHeader& labels, const SplitFiles& files) {
  if (images.dims[0] != labels.dims[0]) {
    throw_input_error("count mismatch: " + std::to_string(images.dims[0]) + " images but " +
                          std::to_string(labels.dims[0]) + " labels in " + files.labels,
                      files.images, kCorruptFix);
  }
}

void check_trailing(ByteFile& file, int64_t data_bytes, const char* what) {
  if (const int64_t rest = file.count_rest(); rest > 0) {
    throw_input_error(std::to_string(rest) + " unexpected bytes after the " +
                          std::to_string(data_bytes) + " bytes of " + what,
                      file.path(), kCorruptFix);
  }
}

Dataset load_split(const std::string& dir, const std::string& prefix, const std::string& split,
                   int64_t requested, const char* key) {
  const SplitFiles files = split_files(dir, prefix);
  ByteFile images(files.images, kFix), labels(files.labels, kFix);
  const IdxHeader hi = idx_read_header(images, idx_magic_images, kCorruptFix);
  const IdxHeader hl = idx_read_header(labels, idx_magic_labels, kCorruptFix);
  check_counts(hi, hl, files);

  Dataset d;
  d.name = "fashion-mnist";
  d.split = split;
  d.n = subset_count(requested, hi.dims[0], key, "fashion-mnist " + split);
  d.channels = 1;
  d.height = static_cast<int>(hi.dims[1]);
  d.width = static_cast<int>(hi.dims[2]);
  d.classes = kClasses;
  d.mean = {kMean};
  d.std = {kStd};

  // Buffers grow as bytes arrive: a header may claim far more than the file holds.
  images.read_exact_into(d.pixels, d.n * d.sample_size(), "pixel data");
  std::vector<uint8_t> raw;
  labels.read_exact_into(raw, d.n, "label data");
  if (d.n == hi.dims[0]) {  // a subset reads only its prefix; dataset_check sizes the rest
    check_trailing(images, hi.data_bytes(), "pixel data");
    check_trailing(labels, hl.data_bytes(), "label data");
  }
  check_labels(raw.data(), d.n, files.labels);
  d.labels.assign(raw.begin(), raw.end());
  return d;
}

}  // namespace

DatasetSplits fashion_mnist_load(const DatasetSpec& spec) {
  const std::string dir = data_dir_of(spec);
  require_dir(dir, kFix);
  DatasetSplits s{load_split(dir, "train", "train", spec.train_samples, "train_samples"),
                  load_split(dir, "t10k", "test", spec.test_samples, "test_samples")};
  if (s.train.height != s.test.height || s.train.width != s.test.width) {
    throw_input_error("image size differs between splits: train " + std::to_string(s.train.height) +
                          "x" + std::to_string(s.train.width) + ", test " +
                          std::to_string(s.test.height) + "x" + std::to_string(s.test.width),
                      dir, kCorruptFix);
  }
  return s;
}

DatasetInfo fashion_mnist_check(const DatasetSpec& spec) {
  const std::string dir = data_dir_of(spec);
  require_dir(dir, kFix);
  DatasetInfo info;
  info.name = "fashion-mnist";
  info.channels = 1;
  info.classes = kClasses;
  const char* prefixes[2] = {"train", "t10k"};
  for (int s = 0; s < 2; ++s) {
    const SplitFiles files = split_files(dir, prefixes[s]);
    const IdxHeader hi = idx_check_file(files.images, idx_magic_images, "pixel data", kCorruptFix);
    const IdxHeader hl = idx_check_file(files.labels, idx_magic_labels, "label data", kCorruptFix);
    check_counts(hi, hl, files);
    ByteFile labels(files.labels, kFix);  // labels are small (60 KB): check them all
    idx_read_header(labels, idx_magic_labels, kCorruptFix);
    std::vector<uint8_t> raw;
    labels.read_exact_into(raw, hl.dims[0], "label data");
    check_labels(raw.data(), hl.dims[0], files.labels);
    const int h = static_cast<int>(hi.dims[1]), w = static_cast<int>(hi.dims[2]);
    if (s == 0) {
      info.height = h;
      info.width = w;
      info.train_samples =
          subset_count(spec.train_samples, hi.dims[0], "train_samples", "fashion-mnist train");
    } else {
      if (h != info.height || w != info.width) {
        throw_input_error("image size differs between splits: train " +
                              std::to_string(info.height) + "x" + std::to_string(info.width) +
                              ", test " + std::to_string(h) + "x" + std::to_string(w),
                          files.images, kCorruptFix);
      }
      info.test_samples =
          subset_count(spec.test_samples, hi.dims[0], "test_samples", "fashion-mnist test");
    }
  }
  return info;
}

}  // namespace greenbench::detail
