// Fuzz target: the Fashion-MNIST IDX reader (workloads/data/idx.cpp, fashion_mnist.cpp), gzip
// and plain. Input: byte 0 = flags (bit i: write part i gzip-compressed; bits 4-7:
// train_samples), byte 1 = test_samples (mod 16), then up to 4 parts split by fuzz::kSplit:
// train images, train labels, t10k images, t10k labels. Properties: bad files are InputError
// only; a loaded split is consistent; what dataset_check accepts, dataset_load loads.
#include <cstdint>

#include "fuzz_util.hpp"
#include "greenbench/dataset.hpp"
#include "greenbench/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const auto parts = fuzz::parts_split(data + 2, size - 2, 4);
  const std::string dir = fuzz::scratch_dir();
  const char* names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                          "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  bool raw_gzip =
      false;  // a plain part that is itself (possibly corrupt) gzip: check cannot see all of it
  for (size_t i = 0; i < parts.size(); ++i) {
    const bool gz = (flags >> i) & 1;
    fuzz::file_write(dir + "/" + names[i] + (gz ? ".gz" : ""), parts[i], gz);
    raw_gzip |= !gz && fuzz::gzip_magic(parts[i]);
  }
  greenbench::DatasetSpec spec;
  spec.name = "fashion-mnist";
  spec.data_dir = dir;
  spec.train_samples = flags >> 4;
  spec.test_samples = data[1] % 16;

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
      FUZZ_CHECK(d->n > 0 && d->channels == 1 && d->height > 0 && d->width > 0, "bad shape");
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
    FUZZ_CHECK(!checked || raw_gzip, "dataset_check accepted what dataset_load refused: %s",
               e.what());
  }
  return 0;
}
