// The energy-accuracy Pareto front: a hand-made case, ties and NaN, and random points against
// a naive all-pairs dominance check.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "pareto.hpp"

namespace greenbench::analysis {
namespace {

TEST(AnalysisPareto, HandMadeCase) {
  //                 0    1    2    3    4    5     6
  const std::vector<double> e = {10, 20, 15, 30, 5, 25, NAN};
  const std::vector<double> acc = {0.80, 0.90, 0.70, 0.95, 0.60, 0.85, 0.99};
  // 4 (5 J, 60%), 0 (10 J, 80%), 1 (20 J, 90%), 3 (30 J, 95%); 2 is beaten by 0, 5 by 1, 6 has no
  // energy.
  EXPECT_EQ(pareto_front(e, acc), (std::vector<size_t>{4, 0, 1, 3}));
}

TEST(AnalysisPareto, TiesAndDuplicates) {
  // Same energy: only the more accurate stays. Same accuracy: only the cheaper stays.
  // Identical points: both stay (neither dominates the other).
  EXPECT_EQ(pareto_front({10, 10}, {0.5, 0.7}), (std::vector<size_t>{1}));
  EXPECT_EQ(pareto_front({10, 12}, {0.7, 0.7}), (std::vector<size_t>{0}));
  EXPECT_EQ(pareto_front({10, 10, 20}, {0.7, 0.7, 0.8}), (std::vector<size_t>{0, 1, 2}));
  EXPECT_TRUE(pareto_front({}, {}).empty());
}

TEST(AnalysisPareto, RandomPointsMatchAllPairsDominance) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> d(0, 30);  // small ranges make ties common
  for (int trial = 0; trial < 200; ++trial) {
    const int n = 1 + trial % 40;
    std::vector<double> e(n), a(n);
    for (int i = 0; i < n; ++i) {
      e[i] = d(rng);
      a[i] = d(rng) / 30.0;
    }
    std::vector<size_t> naive;
    for (int i = 0; i < n; ++i) {
      bool dominated = false;
      for (int j = 0; j < n && !dominated; ++j)
        dominated = e[j] <= e[i] && a[j] >= a[i] && (e[j] < e[i] || a[j] > a[i]);
      if (!dominated) naive.push_back(size_t(i));
    }
    auto got = pareto_front(e, a);
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, naive) << "trial " << trial;
  }
}

}  // namespace
}  // namespace greenbench::analysis
