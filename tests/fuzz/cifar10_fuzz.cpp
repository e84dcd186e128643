// Fuzz target: the CIFAR-10 binary batch reader (workloads/data/cifar10.cpp). Input: byte 0 =
// flags (bit i: write part i gzip-compressed), byte 1 = train_samples (mod 8), then up to 6
// parts split by fuzz::kSplit: data_batch_1..5.bin, test_batch.bin. Properties: bad files are
// InputError only; a loaded split is consistent; what dataset_check accepts, dataset_load loads.
#include <cstdint>
#include <string>

#include "greenbench/dataset.hpp"
#include "greenbench/errors.hpp"
#define GREENBENCH_DATASET_HPP_FOR_FUZZ
#include "fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  bool raw_gzip = false;
  greenbench::DatasetSpec spec =
      fuzz::dataset_files_write("cifar10", data + 2, size - 2, data[0],
                                {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                 "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"},
                                "", &raw_gzip);
  spec.train_samples = data[1] % 8;

  const std::string refused = fuzz::dataset_check_then_load(spec, 3, 32, 32);
  // dataset_check reads sizes only (milliseconds); labels sit between 3072-byte pixel blocks,
  // so a bad label is found by dataset_load (docs/fuzzing.md, finding 2).
  const bool label_error = refused.find("is out of range [0, 10)") != std::string::npos;
  FUZZ_CHECK(refused.empty() || raw_gzip || label_error,
             "dataset_check accepted what dataset_load refused: %s", refused.c_str());
  return 0;
}
