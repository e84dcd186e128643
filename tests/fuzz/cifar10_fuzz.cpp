// Fuzz target: the CIFAR-10 binary batch reader (workloads/data/cifar10.cpp). Input: byte 0 =
// flags (bit i: write part i gzip-compressed), byte 1 = train_samples (mod 8), then up to 6
// parts split by fuzz::kSplit: data_batch_1..5.bin, test_batch.bin. Properties: bad files are
// InputError only; a loaded split is consistent; what dataset_check accepts, dataset_load loads.
#include <cstdint>
#include <string>

#include "fuzz_util.hpp"
#include "greenbench/dataset.hpp"
#include "greenbench/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const auto parts = fuzz::parts_split(data + 2, size - 2, 6);
  const std::string dir = fuzz::scratch_dir();
  bool raw_gzip = false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool gz = (flags >> i) & 1;
    const std::string name =
        i < 5 ? "data_batch_" + std::to_string(i + 1) + ".bin" : "test_batch.bin";
    fuzz::file_write(dir + "/" + name, parts[i], gz);
    raw_gzip |= !gz && fuzz::gzip_magic(parts[i]);
  }
  greenbench::DatasetSpec spec;
  spec.name = "cifar10";
  spec.data_dir = dir;
  spec.train_samples = data[1] % 8;

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
      FUZZ_CHECK(d->n > 0 && d->channels == 3 && d->height == 32 && d->width == 32, "bad shape");
      FUZZ_CHECK(int64_t(d->pixels.size()) == d->n * 3072, "pixels %zu", d->pixels.size());
      FUZZ_CHECK(int64_t(d->labels.size()) == d->n, "labels %zu", d->labels.size());
      for (int32_t l : d->labels) FUZZ_CHECK(l >= 0 && l < 10, "label %d", l);
    }
    if (checked)
      FUZZ_CHECK(info.train_samples == s.train.n && info.test_samples == s.test.n,
                 "dataset_check and dataset_load disagree");
  } catch (const greenbench::InputError& e) {
    // dataset_check reads sizes only (milliseconds); labels sit between 3072-byte pixel blocks,
    // so a bad label is found by dataset_load (docs/fuzzing.md, finding 2).
    const bool label_error =
        std::string(e.what()).find("is out of range [0, 10)") != std::string::npos;
    FUZZ_CHECK(!checked || raw_gzip || label_error,
               "dataset_check accepted what dataset_load refused: %s", e.what());
  }
  return 0;
}
