// The synthetic data set: shapes as asked, same seed -> identical bytes, subsets are
// prefixes, normalisation, and learnability (nearest class mean beats chance widely).
// Not a test of any model.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "data_test_util.hpp"
#include "greenbench/dataset.hpp"

namespace greenbench {
namespace {

using test::DataShape;
using test::expect_input_error;
using test::shape_of;

DatasetSpec synthetic(int c, int h, int w, int classes, int64_t train, int64_t test,
                      uint64_t seed) {
  DatasetSpec s;
  s.name = "synthetic";
  s.channels = c;
  s.height = h;
  s.width = w;
  s.classes = classes;
  s.synthetic_train = train;
  s.synthetic_test = test;
  s.seed = seed;
  return s;
}

// All of a split through dataset_batch: (N, C*H*W) floats and (N) labels.
void gather(const Dataset& d, std::vector<float>& x, std::vector<int32_t>& y) {
  std::vector<int> all(static_cast<size_t>(d.n));
  std::iota(all.begin(), all.end(), 0);
  x.resize(static_cast<size_t>(d.n * d.sample_size()));
  y.resize(static_cast<size_t>(d.n));
  dataset_batch(d, all.data(), static_cast<int>(d.n), x.data(), y.data());
}

// Accuracy on test of the nearest class mean of train (euclidean).
double nearest_class_mean_accuracy(const DatasetSplits& s) {
  const int64_t D = s.train.sample_size();
  const int K = s.train.classes;
  std::vector<float> x, tx;
  std::vector<int32_t> y, ty;
  gather(s.train, x, y);
  gather(s.test, tx, ty);
  std::vector<double> means(static_cast<size_t>(K * D), 0.0);  // (K, D)
  std::vector<int64_t> counts(static_cast<size_t>(K), 0);
  for (int64_t i = 0; i < s.train.n; ++i) {
    ++counts[static_cast<size_t>(y[i])];
    for (int64_t d = 0; d < D; ++d) means[y[i] * D + d] += x[i * D + d];
  }
  for (int k = 0; k < K; ++k) {
    for (int64_t d = 0; d < D; ++d) means[k * D + d] /= std::max<int64_t>(counts[k], 1);
  }
  int64_t correct = 0;
  for (int64_t i = 0; i < s.test.n; ++i) {
    int best = 0;
    double best_dist = INFINITY;
    for (int k = 0; k < K; ++k) {
      double dist = 0;
      for (int64_t d = 0; d < D; ++d) {
        const double diff = tx[i * D + d] - means[k * D + d];
        dist += diff * diff;
      }
      if (dist < best_dist) best_dist = dist, best = k;
    }
    correct += best == ty[i];
  }
  return static_cast<double>(correct) / static_cast<double>(s.test.n);
}

TEST(Synthetic, HasTheShapeAsked) {
  const DatasetSplits s = dataset_load(synthetic(3, 5, 7, 4, 50, 20, 1));
  EXPECT_EQ(s.train.name, "synthetic");
  EXPECT_EQ(shape_of(s), (DataShape{50, 20, 3, 5, 7, 4}));
  EXPECT_EQ(s.test.classes, 4);
  EXPECT_EQ(s.train.pixels.size(), size_t{50 * 3 * 5 * 7});
  EXPECT_EQ(s.test.pixels.size(), size_t{20 * 3 * 5 * 7});
  EXPECT_EQ(s.train.mean.size(), 3u);
  std::vector<int> seen(4, 0);
  for (int32_t label : s.train.labels) {
    ASSERT_GE(label, 0);
    ASSERT_LT(label, 4);
    ++seen[static_cast<size_t>(label)];
  }
  for (int k = 0; k < 4; ++k) EXPECT_GT(seen[static_cast<size_t>(k)], 0) << "class " << k;
  EXPECT_EQ(shape_of(dataset_check(synthetic(3, 5, 7, 4, 50, 20, 1))),
            (DataShape{50, 20, 3, 5, 7, 4}));
}

TEST(Synthetic, SameSeedGivesIdenticalBytesOtherSeedsDiffer) {
  const DatasetSplits a = dataset_load(synthetic(2, 9, 9, 5, 200, 50, 42));
  const DatasetSplits b = dataset_load(synthetic(2, 9, 9, 5, 200, 50, 42));
  const DatasetSplits c = dataset_load(synthetic(2, 9, 9, 5, 200, 50, 43));
  EXPECT_EQ(a.train.pixels, b.train.pixels);
  EXPECT_EQ(a.train.labels, b.train.labels);
  EXPECT_EQ(a.test.pixels, b.test.pixels);
  EXPECT_EQ(a.train.mean, b.train.mean);
  EXPECT_NE(a.train.pixels, c.train.pixels);
  EXPECT_NE(a.train.labels, c.train.labels);
  EXPECT_NE(a.train.pixels, std::vector<uint8_t>(a.train.pixels.size(), a.train.pixels[0]));
  // train and test are different draws
  EXPECT_NE(std::vector<uint8_t>(a.train.pixels.begin(), a.train.pixels.begin() + 50 * 162),
            a.test.pixels);
}

TEST(Synthetic, SubsetIsAPrefix) {
  DatasetSpec spec = synthetic(1, 6, 6, 3, 100, 40, 7);
  const DatasetSplits all = dataset_load(spec);
  spec.train_samples = 30;
  spec.test_samples = 10;
  const DatasetSplits part = dataset_load(spec);
  ASSERT_EQ(part.train.n, 30);
  EXPECT_EQ(part.train.pixels,
            std::vector<uint8_t>(all.train.pixels.begin(), all.train.pixels.begin() + 30 * 36));
  EXPECT_EQ(part.test.labels,
            std::vector<int32_t>(all.test.labels.begin(), all.test.labels.begin() + 10));
  spec.train_samples = 101;
  expect_input_error([&] { dataset_check(spec); },
                     {"train_samples = 101", "synthetic train has 100"});
}

TEST(Synthetic, NormalisedTrainSplitHasZeroMeanUnitStd) {
  const DatasetSplits s = dataset_load(synthetic(2, 8, 8, 4, 500, 10, 3));
  std::vector<float> x;
  std::vector<int32_t> y;
  gather(s.train, x, y);
  for (int c = 0; c < 2; ++c) {
    double sum = 0, sum_sq = 0;
    int64_t n = 0;
    for (int64_t i = 0; i < s.train.n; ++i) {
      for (int p = 0; p < 64; ++p) {
        const double v = x[static_cast<size_t>((i * 2 + c) * 64 + p)];
        sum += v, sum_sq += v * v, ++n;
      }
    }
    const double mean = sum / n;
    EXPECT_NEAR(mean, 0.0, 1e-3) << "channel " << c;
    EXPECT_NEAR(std::sqrt(sum_sq / n - mean * mean), 1.0, 1e-3) << "channel " << c;
  }
  EXPECT_EQ(s.test.mean, s.train.mean);
  EXPECT_EQ(s.test.std, s.train.std);
}

TEST(Synthetic, NearestClassMeanBeatsChanceWidely) {
  // Fashion-MNIST's shape, 10 classes: chance is 0.10.
  DatasetSpec spec = synthetic(1, 28, 28, 10, 60000, 10000, 11);
  spec.train_samples = 2000;
  spec.test_samples = 1000;
  const double fashion_like = nearest_class_mean_accuracy(dataset_load(spec));
  EXPECT_GT(fashion_like, 0.9) << "accuracy " << fashion_like;
  // A small colour image with 5 classes: chance is 0.20.
  const double small =
      nearest_class_mean_accuracy(dataset_load(synthetic(3, 8, 8, 5, 1000, 500, 5)));
  EXPECT_GT(small, 0.9) << "accuracy " << small;
}

TEST(Synthetic, ImpossibleShapesAreErrors) {
  expect_input_error([] { dataset_check(synthetic(0, 28, 28, 10, 10, 10, 0)); },
                     {"synthetic: channels = 0, expected 1..1024"});
  expect_input_error([] { dataset_check(synthetic(1, 28, 28, 1, 10, 10, 0)); },
                     {"classes = 1, expected 2.."});
  expect_input_error([] { dataset_load(synthetic(1, 28, -3, 10, 10, 10, 0)); }, {"width = -3"});
  expect_input_error([] { dataset_check(synthetic(1, 28, 28, 10, 0, 10, 0)); },
                     {"synthetic_train = 0"});
  expect_input_error([] { dataset_check(synthetic(1024, 4096, 4096, 10, 10, 10, 0)); },
                     {"exceed 64 GiB"});
}

}  // namespace
}  // namespace greenbench
