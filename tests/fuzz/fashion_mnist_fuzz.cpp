// Fuzz target: the Fashion-MNIST IDX reader (workloads/data/idx.cpp, fashion_mnist.cpp), gzip
// and plain. Input: byte 0 = flags (bit i: write part i gzip-compressed; bits 4-7:
// train_samples), byte 1 = test_samples (mod 16), then up to 4 parts split by fuzz::kSplit:
// train images, train labels, t10k images, t10k labels. Properties: bad files are InputError
// only; a loaded split is consistent; what dataset_check accepts, dataset_load loads.
#include <cstdint>

#include "greenbench/dataset.hpp"
#include "greenbench/errors.hpp"
#define GREENBENCH_DATASET_HPP_FOR_FUZZ
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  bool raw_gzip = false;
  greenbench::DatasetSpec spec =
      fuzz::dataset_files_write("fashion-mnist", data + 2, size - 2, flags,
                                {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
                                ".gz", &raw_gzip);
  spec.train_samples = flags >> 4;
  spec.test_samples = data[1] % 16;

  const std::string refused = fuzz::dataset_check_then_load(spec, 1);
  FUZZ_CHECK(refused.empty() || raw_gzip, "dataset_check accepted what dataset_load refused: %s",
             refused.c_str());
  return 0;
}
