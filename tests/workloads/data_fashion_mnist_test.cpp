// The real Fashion-MNIST (Debian's dataset-fashion-mnist), skipped where it is absent:
// split sizes, shape, balanced labels, and that the fixed normalisation fits its pixels.
// Not the reader's error paths (data_idx_test.cpp).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "data_test_util.hpp"
#include "greenbench/dataset.hpp"

namespace greenbench {
namespace {

bool installed() {
  return std::filesystem::is_directory(dataset_default_dir("fashion-mnist"));
}

TEST(FashionMnist, CheckIsFastAndSeesBothSplits) {
  if (!installed()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto start = std::chrono::steady_clock::now();
  const DatasetInfo info = dataset_check(DatasetSpec{});
  const double check_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("check_s", std::to_string(check_s));
  EXPECT_LT(check_s, 2.0) << "dataset_check must not load the pixels";
  EXPECT_EQ(test::shape_of(info), (test::DataShape{60000, 10000, 1, 28, 28, 10}));
}

TEST(FashionMnist, LoadsSixtyThousandBalancedTrainSamples) {
  if (!installed()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const DatasetSplits s = dataset_load(DatasetSpec{});
  ASSERT_EQ(s.train.n, 60000);
  ASSERT_EQ(s.test.n, 10000);
  EXPECT_EQ(s.train.pixels.size(), size_t{60000} * 784);
  std::vector<int> train_hist(10, 0), test_hist(10, 0);
  for (int32_t y : s.train.labels) ++train_hist[static_cast<size_t>(y)];
  for (int32_t y : s.test.labels) ++test_hist[static_cast<size_t>(y)];
  EXPECT_EQ(train_hist, std::vector<int>(10, 6000));
  EXPECT_EQ(test_hist, std::vector<int>(10, 1000));
  // The fixed mean/std are the train split's own, to 3 decimals.
  double sum = 0, sum_sq = 0;
  for (uint8_t p : s.train.pixels) sum += p / 255.0, sum_sq += (p / 255.0) * (p / 255.0);
  const double n = static_cast<double>(s.train.pixels.size());
  const double mean = sum / n;
  EXPECT_NEAR(mean, 0.2860, 5e-4);
  EXPECT_NEAR(std::sqrt(sum_sq / n - mean * mean), 0.3530, 5e-4);
}

TEST(FashionMnist, SubsetReadsOnlyThePrefix) {
  if (!installed()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  DatasetSpec spec;
  spec.train_samples = 1000;
  spec.test_samples = 100;
  const DatasetSplits part = dataset_load(spec);
  EXPECT_EQ(part.train.n, 1000);
  EXPECT_EQ(part.test.n, 100);
  EXPECT_EQ(part.train.pixels.size(), size_t{1000} * 784);
  // The first training sample of Fashion-MNIST is an ankle boot (class 9).
  EXPECT_EQ(part.train.labels[0], 9);
}

}  // namespace
}  // namespace greenbench
