// Fuzz target: the `lm` byte corpus reader (workloads/data/text.cpp). Input: byte 0 = flags
// (bit 0: pass the first file instead of the folder; bit 1: add a symlink to the first file;
// bit 2: add a subfolder), byte 1 = test_fraction * 200, then up to 4 parts split by
// fuzz::kSplit, written as files a, b, c, d. Properties: bad input is InputError only; the
// splits are the files' bytes in name order, the test split floor(total * test_fraction).
#include <cmath>
#include <cstdint>
#include <filesystem>

#include "fuzz_util.hpp"
#include "greenbench/dataset.hpp"
#include "greenbench/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  const double test_fraction = data[1] / 200.0;
  const auto parts = fuzz::parts_split(data + 2, size - 2, 4);
  const std::string dir = fuzz::scratch_dir();
  std::string all;
  for (size_t i = 0; i < parts.size(); ++i) {
    fuzz::file_write(dir + "/" + char('a' + i), parts[i], false);
    all += parts[i];
  }
  std::error_code ec;
  if (flags & 2) std::filesystem::create_symlink(dir + "/a", dir + "/e", ec);  // read once, at "a"
  if (flags & 4) {
    std::filesystem::create_directories(dir + "/f");
    fuzz::file_write(dir + "/f/x", "skipped", false);
  }
  const bool single = flags & 1;
  const std::string path = single ? dir + "/a" : dir;
  if (single) all = parts[0];
  try {
    const greenbench::TextCorpus c = greenbench::text_corpus_load(path, test_fraction);
    FUZZ_CHECK(test_fraction >= 0 && test_fraction < 1, "accepted test_fraction %g", test_fraction);
    const std::string got =
        std::string(c.train.begin(), c.train.end()) + std::string(c.test.begin(), c.test.end());
    FUZZ_CHECK(got == all, "bytes differ: %zu read, %zu written", got.size(), all.size());
    FUZZ_CHECK(int64_t(c.test.size()) == int64_t(std::floor(double(all.size()) * test_fraction)),
               "test split %zu", c.test.size());
    FUZZ_CHECK(greenbench::text_corpus_check(path, test_fraction) == int64_t(all.size()),
               "check disagrees");
  } catch (const greenbench::InputError&) {
    FUZZ_CHECK(all.empty() || !(test_fraction >= 0 && test_fraction < 1), "refused a good corpus");
  }
  return 0;
}
