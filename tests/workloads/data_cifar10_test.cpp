// CIFAR-10's reader against fake binary batches written here (a few records each, which the
// reader allows): concatenation order, subsets, normalisation, and malformed batches.
// Not the real data set, which is not installed here.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "data_test_util.hpp"
#include "greenbench/dataset.hpp"

namespace greenbench {
namespace {

using test::DataShape;
using test::expect_both_refuse;
using test::expect_input_error;
using test::shape_of;

constexpr int kRecord = 3073, kPixels = 3072;

// A record whose label is `label` and whose pixel p is (id * 31 + p) % 256.
void append_record(std::vector<uint8_t>& b, uint8_t label, int id) {
  b.push_back(label);
  for (int p = 0; p < kPixels; ++p) b.push_back(static_cast<uint8_t>((id * 31 + p) % 256));
}

class CifarFiles : public ::testing::Test {
 protected:
  // Train batches of 2, 1, 3, 1, 2 records (ids 0..8), test of 2 (ids 100, 101).
  void write_all(const std::string& folder) {
    std::filesystem::create_directories(folder);
    const int records[5] = {2, 1, 3, 1, 2};
    int id = 0;
    for (int f = 0; f < 5; ++f) {
      std::vector<uint8_t> b;
      for (int r = 0; r < records[f]; ++r, ++id)
        append_record(b, static_cast<uint8_t>(id % 10), id);
      test::write_plain(folder + "/data_batch_" + std::to_string(f + 1) + ".bin", b);
    }
    std::vector<uint8_t> t;
    append_record(t, 7, 100);
    append_record(t, 4, 101);
    test::write_plain(folder + "/test_batch.bin", t);
  }
  DatasetSpec spec() const {
    DatasetSpec s;
    s.name = "cifar10";
    s.data_dir = dir.str();
    return s;
  }
  test::TempDir dir;
};

TEST_F(CifarFiles, ConcatenatesBatchesInOrder) {
  write_all(dir.str());
  const DatasetSplits d = dataset_load(spec());
  EXPECT_EQ(d.train.name, "cifar10");
  ASSERT_EQ(shape_of(d), (DataShape{9, 2, 3, 32, 32, 10}));
  EXPECT_EQ(d.train.labels, (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(d.test.labels, (std::vector<int32_t>{7, 4}));
  for (int id = 0; id < 9; ++id) {
    for (int p : {0, 1, 1023, 1024, 3071}) {
      EXPECT_EQ(d.train.pixels[static_cast<size_t>(id * kPixels + p)], (id * 31 + p) % 256)
          << "sample " << id << " pixel " << p;
    }
  }
  EXPECT_EQ(d.test.pixels[kPixels + 5], (101 * 31 + 5) % 256);
}

TEST_F(CifarFiles, NormalisesWithTheStandardPerChannelMeanAndStd) {
  write_all(dir.str());
  const DatasetSplits d = dataset_load(spec());
  const float mean[3] = {0.4914f, 0.4822f, 0.4465f}, std[3] = {0.2470f, 0.2435f, 0.2616f};
  std::vector<float> x(kPixels);
  const int index = 4;
  dataset_batch(d.train, &index, 1, x.data(), nullptr);
  for (int c = 0; c < 3; ++c) {
    for (int p : {0, 17, 1023}) {
      const int raw = (index * 31 + c * 1024 + p) % 256;  // R, G, B planes in order
      EXPECT_NEAR(x[static_cast<size_t>(c * 1024 + p)], (raw / 255.0 - mean[c]) / std[c], 1e-5);
    }
  }
}

TEST_F(CifarFiles, FindsTheExtractedSubfolder) {
  write_all(dir.file("cifar-10-batches-bin"));
  EXPECT_EQ(dataset_check(spec()).train_samples, 9);
  EXPECT_EQ(dataset_load(spec()).test.n, 2);
}

TEST_F(CifarFiles, SubsetSpansBatches) {
  write_all(dir.str());
  DatasetSpec s = spec();
  s.train_samples = 4;  // batch 1 (2), batch 2 (1), first of batch 3
  s.test_samples = 1;
  const DatasetSplits d = dataset_load(s);
  EXPECT_EQ(d.train.labels, (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(d.train.pixels.size(), size_t{4} * kPixels);
  EXPECT_EQ(d.train.pixels[3 * kPixels + 9], (3 * 31 + 9) % 256);
  EXPECT_EQ(d.test.labels, (std::vector<int32_t>{7}));
  const DatasetInfo info = dataset_check(s);
  EXPECT_EQ(info.train_samples, 4);
  EXPECT_EQ(info.test_samples, 1);
  s.train_samples = 10;
  expect_input_error([&] { dataset_check(s); }, {"train_samples = 10", "cifar10 train has 9"});
}

TEST_F(CifarFiles, PartialRecordIsTruncation) {
  write_all(dir.str());
  const std::string file = dir.file("data_batch_2.bin");
  std::filesystem::resize_file(file, kRecord - 100);
  expect_both_refuse(spec(), {file, "truncated", "not a whole number of 3073-byte records",
                              "last record has 2973 bytes"});
}

TEST_F(CifarFiles, LabelOutOfRangeNamesRecordAndFile) {
  write_all(dir.str());
  std::vector<uint8_t> b;
  append_record(b, 1, 50);
  append_record(b, 10, 51);
  test::write_plain(dir.file("test_batch.bin"), b);
  expect_input_error([&] { dataset_load(spec()); },
                     {dir.file("test_batch.bin"), "label 10 of record 1 is out of range [0, 10)"});
}

TEST_F(CifarFiles, MissingBatchNamesItAndTheFix) {
  write_all(dir.str());
  std::filesystem::remove(dir.file("data_batch_3.bin"));
  expect_both_refuse(spec(),
                     {dir.file("data_batch_3.bin"), "file not found", "cifar-10-binary.tar.gz"});
}

TEST_F(CifarFiles, EmptyBatchIsAnError) {
  write_all(dir.str());
  test::write_plain(dir.file("data_batch_5.bin"), {});
  expect_input_error([&] { dataset_check(spec()); }, {dir.file("data_batch_5.bin"), "empty file"});
}

// A gzip batch whose trailer claims 4 GiB (1397000 records) but holds one record: the reader
// grows its buffers as records arrive, so this is a quick corrupt-data error, not a 4 GiB
// allocation up front (the count comes from the trailer; see docs/fuzzing.md).
TEST_F(CifarFiles, GzipTrailerClaimingGigabytesIsTruncatedNotAllocated) {
  write_all(dir.str());
  std::vector<uint8_t> one;
  append_record(one, 1, 0);
  const std::string file = dir.file("test_batch.bin");
  test::write_gz(file, one);
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-4, std::ios::end);
    const uint32_t isize = 3073u * 1397000u;  // < 2^32, a whole number of records
    for (int b = 0; b < 4; ++b) f.put(static_cast<char>((isize >> (8 * b)) & 0xff));
  }
  expect_input_error([&] { dataset_load(spec()); },
                     {file, "corrupt gzip data"});  // zlib: "incorrect length check"
}

}  // namespace
}  // namespace greenbench
