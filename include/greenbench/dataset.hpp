// The data sets' contract: image classification splits (fashion-mnist, cifar10, synthetic),
// the batch gather the training loops call, the per-epoch shuffle, and the byte corpus of `lm`.
// Not the file formats (workloads/data/*.cpp) and not any model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace greenbench {

// What to load (docs/workloads.md). Errors in any field are InputError (exit 2).
struct DatasetSpec {
  std::string name = "fashion-mnist";  // "fashion-mnist" | "cifar10" | "synthetic"
  std::string data_dir;                // "" = the data set's default directory
  int64_t train_samples = 0;           // 0 = all; otherwise the first N of the train split
  int64_t test_samples = 0;            // 0 = all; otherwise the first N of the test split
  uint64_t seed = 0;                   // synthetic only: same seed -> identical bytes
  // synthetic only: the shape of one sample, the class count, and the split sizes ("all").
  int channels = 1, height = 28, width = 28, classes = 10;
  int64_t synthetic_train = 60000, synthetic_test = 10000;
};

// One split. Pixels stay uint8 as stored (a quarter of fp32's memory: Fashion-MNIST is 55 MB,
// not 220 MB); dataset_batch normalises while it gathers:
//   x[n,c,h,w] = (pixels[n,c,h,w] / 255 - mean[c]) / std[c]
// mean/std are fixed per data set (fashion-mnist 0.2860/0.3530 as PyTorch's usual transform;
// cifar10 the standard per-channel training-set values) and, for synthetic, measured on the
// train split as generated; test splits use the train split's values.
struct Dataset {
  std::string name;   // "fashion-mnist", "cifar10", "synthetic"
  std::string split;  // "train" | "test"
  int64_t n = 0;      // samples
  int channels = 0, height = 0, width = 0;
  int classes = 0;              // labels are in [0, classes)
  std::vector<uint8_t> pixels;  // (N, C, H, W), 0..255
  std::vector<int32_t> labels;  // (N)
  std::vector<float> mean;      // (C), of pixel/255
  std::vector<float> std;       // (C), of pixel/255

  int64_t sample_size() const { return int64_t{channels} * height * width; }  // C*H*W
};

struct DatasetSplits {
  Dataset train, test;
};

// What dataset_check found: the shapes a model needs, without the data.
struct DatasetInfo {
  std::string name;
  int channels = 0, height = 0, width = 0, classes = 0;
  int64_t train_samples = 0, test_samples = 0;  // after subsetting
};

// The default directory of a data set: /usr/share/datasets/fashion-mnist,
// /usr/share/datasets/cifar10 (holding data_batch_*.bin), "" for synthetic.
std::string dataset_default_dir(const std::string& name);

// Loads both splits. Throws InputError naming the file, the problem and the fix.
DatasetSplits dataset_load(const DatasetSpec& spec);

// Validates the spec, that the files exist, their headers and sizes, without reading pixels
// (fashion-mnist: reads the label files, 70 KB, to check labels < 10). Milliseconds.
// Throws InputError like dataset_load.
DatasetInfo dataset_check(const DatasetSpec& spec);

// Gathers samples indices[0..n) of `data` into out_x (n, C, H, W), normalised as above, and
// their labels into out_y (n) unless out_y is null. Throws std::out_of_range on a bad index.
void dataset_batch(const Dataset& data, const int* indices, int n, float* out_x, int32_t* out_y);

// A permutation of [0, n), deterministic in (seed, epoch) on every platform (Fisher-Yates
// over std::mt19937_64's raw output, no std:: distributions); epochs differ from each other.
std::vector<int> dataset_permutation(int n, uint64_t seed, int64_t epoch);

// The `lm` corpus: bytes (vocabulary 256), the last test_fraction held out as the test split.
struct TextCorpus {
  std::string source;              // the file or directory given
  std::vector<std::string> files;  // the files read, in order
  std::vector<uint8_t> train;      // the first bytes
  std::vector<uint8_t> test;       // the last floor(total * test_fraction) bytes
};

// The default corpus directory (docs/workloads.md).
inline constexpr const char* text_corpus_default_path = "/usr/share/common-licenses";

// Reads a file, or a directory's regular files concatenated in name order (byte-wise compare).
// In a directory, symlinks are followed; a link to a file already read (GFDL -> GFDL-1.3) is
// read once, at the first name; subdirectories are skipped, not recursed into.
// test_fraction is in [0, 1). Throws InputError if the path is missing, a file is unreadable,
// or the corpus (or its train split) is empty.
TextCorpus text_corpus_load(const std::string& path_or_dir = text_corpus_default_path,
                            double test_fraction = 0.1);

// The total bytes text_corpus_load would read (it opens every file), without reading them.
// Throws InputError like text_corpus_load.
int64_t text_corpus_check(const std::string& path_or_dir = text_corpus_default_path,
                          double test_fraction = 0.1);

}  // namespace greenbench
