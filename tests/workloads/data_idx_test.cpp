// Fashion-MNIST's reader against small IDX files written here, gzip and plain: exact
// read-back, subsets, and each malformed file as an InputError naming file and problem.
// Not the real data set (data_fashion_mnist_test.cpp).
#include <gtest/gtest.h>

#include "data_test_util.hpp"
#include "greenbench/dataset.hpp"

namespace greenbench {
namespace {

using test::expect_both_refuse;
using test::expect_input_error;
using test::idx_images;
using test::idx_labels;

constexpr uint32_t kH = 4, kW = 3, kTrain = 5, kTest = 3;

std::vector<uint8_t> pixels(uint32_t n, int offset) {
  std::vector<uint8_t> p(n * kH * kW);
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<uint8_t>((i * 7 + offset) % 256);
  return p;
}

const std::vector<uint8_t> kTrainLabels = {3, 0, 9, 1, 7};
const std::vector<uint8_t> kTestLabels = {2, 8, 5};

class IdxFiles : public ::testing::Test {
 protected:
  // Writes the four files, gzip-compressed if `gz`.
  void write_all(bool gz) {
    write("train-images-idx3-ubyte", idx_images(kTrain, kH, kW, pixels(kTrain, 1)), gz);
    write("train-labels-idx1-ubyte", idx_labels(kTrain, kTrainLabels), gz);
    write("t10k-images-idx3-ubyte", idx_images(kTest, kH, kW, pixels(kTest, 100)), gz);
    write("t10k-labels-idx1-ubyte", idx_labels(kTest, kTestLabels), gz);
  }
  void write(const std::string& base, const std::vector<uint8_t>& bytes, bool gz) {
    for (const char* ext : {"", ".gz"}) std::filesystem::remove(dir.file(base + ext));
    if (gz) {
      test::write_gz(dir.file(base + ".gz"), bytes);
    } else {
      test::write_plain(dir.file(base), bytes);
    }
  }
  DatasetSpec spec() const {
    DatasetSpec s;
    s.name = "fashion-mnist";
    s.data_dir = dir.str();
    return s;
  }
  void expect_exact(const DatasetSplits& s) {
    EXPECT_EQ(s.train.name, "fashion-mnist");
    EXPECT_EQ(s.train.split, "train");
    EXPECT_EQ(s.test.split, "test");
    EXPECT_EQ(s.train.n, kTrain);
    EXPECT_EQ(s.test.n, kTest);
    EXPECT_EQ(s.train.channels, 1);
    EXPECT_EQ(s.train.height, int{kH});
    EXPECT_EQ(s.train.width, int{kW});
    EXPECT_EQ(s.train.classes, 10);
    EXPECT_EQ(s.train.pixels, pixels(kTrain, 1));
    EXPECT_EQ(s.test.pixels, pixels(kTest, 100));
    EXPECT_EQ(s.train.labels, std::vector<int32_t>(kTrainLabels.begin(), kTrainLabels.end()));
    EXPECT_EQ(s.test.labels, std::vector<int32_t>(kTestLabels.begin(), kTestLabels.end()));
    EXPECT_EQ(s.train.mean, std::vector<float>{0.2860f});
    EXPECT_EQ(s.train.std, std::vector<float>{0.3530f});
  }
  test::TempDir dir;
};

TEST_F(IdxFiles, ReadsPlainFilesExactly) {
  write_all(false);
  expect_exact(dataset_load(spec()));
}

TEST_F(IdxFiles, ReadsGzipFilesExactly) {
  write_all(true);
  expect_exact(dataset_load(spec()));
}

TEST_F(IdxFiles, ReadsAMixOfGzipAndPlain) {
  write_all(true);
  write("t10k-images-idx3-ubyte", idx_images(kTest, kH, kW, pixels(kTest, 100)), false);
  expect_exact(dataset_load(spec()));
}

TEST_F(IdxFiles, CheckReportsShapesWithoutLoading) {
  for (bool gz : {false, true}) {
    write_all(gz);
    const DatasetInfo info = dataset_check(spec());
    EXPECT_EQ(info.name, "fashion-mnist");
    EXPECT_EQ(info.channels, 1);
    EXPECT_EQ(info.height, int{kH});
    EXPECT_EQ(info.width, int{kW});
    EXPECT_EQ(info.classes, 10);
    EXPECT_EQ(info.train_samples, kTrain);
    EXPECT_EQ(info.test_samples, kTest);
  }
}

TEST_F(IdxFiles, SubsetTakesTheFirstSamples) {
  write_all(true);
  DatasetSpec s = spec();
  s.train_samples = 2;
  s.test_samples = 1;
  const DatasetSplits d = dataset_load(s);
  ASSERT_EQ(d.train.n, 2);
  ASSERT_EQ(d.test.n, 1);
  const std::vector<uint8_t> all = pixels(kTrain, 1);
  EXPECT_EQ(d.train.pixels, std::vector<uint8_t>(all.begin(), all.begin() + 2 * kH * kW));
  EXPECT_EQ(d.train.labels, (std::vector<int32_t>{3, 0}));
  EXPECT_EQ(d.test.labels, (std::vector<int32_t>{2}));
  const DatasetInfo info = dataset_check(s);
  EXPECT_EQ(info.train_samples, 2);
  EXPECT_EQ(info.test_samples, 1);
}

TEST_F(IdxFiles, SubsetLargerThanTheSplitIsAnError) {
  write_all(false);
  DatasetSpec s = spec();
  s.train_samples = 6;
  expect_both_refuse(s, {"train_samples = 6", "has 5 samples", "at most 5"},
                     {"train_samples = 6", "has 5 samples"});
  s.train_samples = -1;
  expect_input_error([&] { dataset_check(s); }, {"train_samples = -1 is negative"});
}

TEST_F(IdxFiles, BadMagicNamesTheFile) {
  for (bool gz : {false, true}) {
    write_all(gz);
    std::vector<uint8_t> bad = idx_images(kTrain, kH, kW, pixels(kTrain, 1));
    bad[3] = 0x02;  // 0x00000802: two dims
    write("train-images-idx3-ubyte", bad, gz);
    const std::string file = dir.file(std::string("train-images-idx3-ubyte") + (gz ? ".gz" : ""));
    expect_both_refuse(spec(), {file, "bad magic 0x00000802, expected 0x00000803"},
                       {file, "bad magic 0x00000802"});
  }
}

TEST_F(IdxFiles, LabelsFileWithImagesMagicIsAnError) {
  write_all(false);
  write("t10k-labels-idx1-ubyte", idx_images(kTest, kH, kW, pixels(kTest, 100)), false);
  expect_input_error([&] { dataset_load(spec()); }, {dir.file("t10k-labels-idx1-ubyte"),
                                                     "bad magic 0x00000803, expected 0x00000801"});
}

TEST_F(IdxFiles, TruncatedPlainFileSaysHowManyBytes) {
  write_all(false);
  std::vector<uint8_t> cut = idx_images(kTrain, kH, kW, pixels(kTrain, 1));
  cut.resize(cut.size() - 10);  // 60 pixel bytes expected, 50 present
  write("train-images-idx3-ubyte", cut, false);
  const std::string file = dir.file("train-images-idx3-ubyte");
  expect_both_refuse(spec(), {file, "truncated: expected 60 bytes of pixel data, got 50"});
}

TEST_F(IdxFiles, TruncatedGzipContentSaysHowManyBytes) {
  write_all(true);
  std::vector<uint8_t> cut = idx_labels(kTest, kTestLabels);
  cut.pop_back();  // a whole gzip stream of 2 label bytes where the header says 3
  write("t10k-labels-idx1-ubyte", cut, true);
  const std::string file = dir.file("t10k-labels-idx1-ubyte.gz");
  expect_both_refuse(spec(), {file, "truncated: expected 3 bytes of label data, got 2"},
                     {file, "size mismatch", "records 10 uncompressed bytes", "implies 11"});
}

TEST_F(IdxFiles, CutGzipStreamIsAnError) {
  write_all(true);
  const std::string file = dir.file("train-images-idx3-ubyte.gz");
  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 12);  // trailer and more
  expect_both_refuse(spec(), {file}, {file, "truncated or corrupt"});
}

TEST_F(IdxFiles, ExtraBytesAreAnError) {
  write_all(false);
  std::vector<uint8_t> longer = idx_labels(kTrain, kTrainLabels);
  longer.push_back(1);
  write("train-labels-idx1-ubyte", longer, false);
  const std::string file = dir.file("train-labels-idx1-ubyte");
  expect_both_refuse(spec(), {file, "1 unexpected bytes after the 5 bytes of label data"},
                     {file, "1 unexpected bytes"});
}

TEST_F(IdxFiles, CountMismatchNamesBothFiles) {
  write_all(true);
  write("train-labels-idx1-ubyte", idx_labels(4, {3, 0, 9, 1}), true);
  expect_both_refuse(
      spec(), {dir.file("train-images-idx3-ubyte.gz"), "count mismatch: 5 images but 4 labels",
               dir.file("train-labels-idx1-ubyte.gz")});
}

TEST_F(IdxFiles, LabelOutOfRangeNamesIndexAndFile) {
  write_all(false);
  write("t10k-labels-idx1-ubyte", idx_labels(kTest, {2, 8, 10}), false);
  const std::string file = dir.file("t10k-labels-idx1-ubyte");
  expect_both_refuse(spec(), {file, "label 10 at index 2 is out of range [0, 10)"},
                     {file, "label 10 at index 2"});
}

TEST_F(IdxFiles, MissingFileNamesItAndTheFix) {
  write_all(true);
  std::filesystem::remove(dir.file("t10k-labels-idx1-ubyte.gz"));
  expect_both_refuse(
      spec(), {dir.file("t10k-labels-idx1-ubyte.gz"), "file not found", "t10k-labels-idx1-ubyte)",
               "apt-get install dataset-fashion-mnist", "data_dir"});
}

TEST_F(IdxFiles, MissingDirectoryIsAnError) {
  DatasetSpec s = spec();
  s.data_dir = dir.file("nowhere");
  expect_input_error([&] { dataset_check(s); },
                     {dir.file("nowhere"), "data directory not found", "dataset-fashion-mnist"});
}

// Found by tests/fuzz/fashion_mnist_fuzz.cpp: sizes of up to 2^30 each overflowed int64 when
// multiplied (undefined behaviour); now a header describing more than 2^40 bytes is refused.
TEST_F(IdxFiles, HeaderSizesWhoseProductOverflowsAreAnError) {
  write_all(false);
  write("train-images-idx3-ubyte", idx_images(1u << 30, 1u << 30, 1u << 30, {}), false);
  const std::string file = dir.file("train-images-idx3-ubyte");
  expect_both_refuse(
      spec(),
      {file,
       "bad IDX header: sizes 1073741824 x 1073741824 x 1073741824 make more than 2^40 bytes"});
}

// A header claiming 2^40 bytes in a file of 16: loading reads what is there and reports the
// truncation instead of first allocating a terabyte (which threw std::bad_alloc, exit 1).
TEST_F(IdxFiles, HeaderClaimingATerabyteIsTruncatedNotAllocated) {
  write_all(true);
  write("train-images-idx3-ubyte", idx_images(1u << 20, 1u << 10, 1u << 10, {}), true);
  write("train-labels-idx1-ubyte", idx_labels(1u << 20, {}), true);
  expect_input_error([&] { dataset_load(spec()); },
                     {dir.file("train-images-idx3-ubyte.gz"),
                      "truncated: expected 1099511627776 bytes of pixel data, got 0"});
}

TEST(DatasetName, UnknownNameIsAnError) {
  DatasetSpec s;
  s.name = "mnist";
  expect_input_error([&] { dataset_check(s); },
                     {"unknown name 'mnist'", "fashion-mnist, cifar10 or synthetic"});
  expect_input_error([&] { dataset_load(s); }, {"unknown name 'mnist'"});
}

}  // namespace
}  // namespace greenbench
