// Tests of the profiler's statistics (harness/estimate/profile_stats, stats): t quantiles
// against table values, trend and quantiles against hand counts, the projection's arithmetic,
// warm-up and steadiness detection on simulated step-energy series, and the 95% interval's
// coverage over many simulated runs with a known truth.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "profile_stats.hpp"
#include "stats.hpp"

namespace greenbench::analysis {
namespace {

TEST(Stats, TQuantileMatchesTables) {
  EXPECT_NEAR(t_quantile_975(1), 12.7062, 1e-4);
  EXPECT_NEAR(t_quantile_975(10), 2.2281, 1e-4);
  EXPECT_NEAR(t_quantile_975(40), 2.0211, 2e-4);   // R: qt(0.975, 40)
  EXPECT_NEAR(t_quantile_975(120), 1.9799, 2e-4);  // qt(0.975, 120)
  EXPECT_NEAR(t_quantile_975(1e6), 1.95996, 1e-4);
}

TEST(Stats, TrendAndQuantilesByHand) {
  // y = 2 + 3 i exactly: slope 3, t = 0 (exact fit reports 0); with noise t is large.
  EXPECT_NEAR(trend_of({2, 5, 8, 11}).slope, 3.0, 1e-12);
  // slope 0.8; residuals (-0.3, 0.9, -0.9, 0.3), SSE 1.8, sxx 5: se = sqrt(1.8 / 2 / 5).
  const Trend t = trend_of({1, 3, 2, 4});
  EXPECT_NEAR(t.slope, 0.8, 1e-12);
  EXPECT_NEAR(t.t, 0.8 / std::sqrt(1.8 / 2 / 5), 1e-9);
  EXPECT_NEAR(quantile_of({1, 2, 3, 4}, 0.9), 3.7, 1e-12);  // numpy.quantile([1,2,3,4], 0.9)
  EXPECT_NEAR(median_of({5, 1, 3}), 3, 1e-12);
  EXPECT_NEAR(variance_of({1, 2, 3, 4}), 5.0 / 3, 1e-12);
  EXPECT_NEAR(autocorr1_of({1, -1, 1, -1}), -0.75, 1e-12);  // (-3)/4
}

std::vector<Block> constant_blocks(int n, double j_per_block, std::int64_t samples) {
  return std::vector<Block>(std::size_t(n), Block{1, samples, j_per_block, 0.25});
}

TEST(Projection, ArithmeticOfAConstantSeries) {
  // Blocks of 32 samples at 2 J each; 100 more samples to come: 100/32*2 J more, no spread.
  auto blocks = constant_blocks(10, 2.0, 32);
  const SteadyState st = steady_detect(blocks, SteadyOptions{});
  EXPECT_EQ(st.warmup_blocks + st.used_blocks, 10);
  EXPECT_TRUE(st.steady);
  const auto part = project_remaining(blocks, st, 100);
  EXPECT_NEAR(part.mean_j, 100.0 / 32 * 2, 1e-9);
  EXPECT_NEAR(part.var_j2, 0, 1e-12);
  const Projection pr = projection_combine(20, {part});
  EXPECT_NEAR(pr.predicted_j, 20 + 6.25, 1e-9);
  EXPECT_NEAR(pr.low_j, pr.predicted_j, 1e-9);
}

TEST(Projection, VarianceGrowsWithTheRemainingBlocks) {
  // Alternating 1 and 3 J: sigma^2 = 4/3 * (n/(n-1))... checked against the formula by hand.
  std::vector<Block> blocks;
  for (int i = 0; i < 9; i++) blocks.push_back(Block{1, 10, i % 2 ? 3.0 : 1.0, 0.1});
  SteadyState st;
  st.warmup_blocks = 1;
  st.used_blocks = 8;  // 3,1,3,1,3,1,3,1: mean 2, variance 8/7, rho < 0 (no inflation)
  const auto part = project_remaining(blocks, st, 200);  // R = 20 blocks of 10 samples
  EXPECT_NEAR(part.mean_j, 40, 1e-9);
  EXPECT_NEAR(part.var_j2, 20 * (8.0 / 7) * (1 + 20.0 / 8), 1e-9);
  EXPECT_EQ(part.df, 7);
  const Projection pr = projection_combine(0, {part});
  EXPECT_NEAR(pr.high_j - pr.predicted_j, t_quantile_975(7) * std::sqrt(part.var_j2), 1e-9);
}

TEST(Projection, SystematicTermScalesWithTheProjectedEnergyOnly) {
  // A spread-free part of 40 J projected after 20 J measured: the 95% half-width is
  // z_{0.975} x systematic x 40 (the measured 20 J carries none of it).
  PartProjection part;
  part.mean_j = 40, part.var_j2 = 0, part.df = 7;
  const Projection pr = projection_combine(20, {part}, 0.05);
  EXPECT_NEAR(pr.predicted_j, 60, 1e-12);
  EXPECT_NEAR(pr.high_j - pr.predicted_j, 1.959964 * 0.05 * 40, 1e-4);
  // With spread too, the variances add (df by Welch-Satterthwaite over the spread alone).
  part.var_j2 = 9;
  const Projection both = projection_combine(20, {part}, 0.05);
  const double var = 9 + (0.05 * 40) * (0.05 * 40);
  EXPECT_NEAR(both.high_j - both.predicted_j,
              t_quantile_975(var * var / (9.0 * 9.0 / 7)) * std::sqrt(var), 1e-9);
  EXPECT_NEAR(projection_combine(20, {part}, 0).high_j - 60, t_quantile_975(7) * 3, 1e-9);
}

// A simulated run: `warm` blocks decaying from (1 + bump) x the steady per-block energy, then
// steady blocks with multiplicative noise `cv` (and optional drift per block).
std::vector<Block> simulate(std::mt19937_64& g, int n, int warm, double mean_j, double cv,
                            double bump = 1.0, double drift = 0.0) {
  std::normal_distribution<double> z(0, 1);
  std::vector<Block> b;
  for (int i = 0; i < n; i++) {
    const double warmup = i < warm ? bump * std::exp(-3.0 * i / warm) : 0.0;
    const double level = mean_j * (1 + warmup + drift * i);
    b.push_back(Block{4, 128, level * (1 + cv * z(g)), 0.25});
  }
  return b;
}

TEST(Steadiness, DropsTheWarmUpAndSeesSteadyState) {
  std::mt19937_64 g(7);
  int correct_cut = 0, steady = 0;
  for (int rep = 0; rep < 50; rep++) {
    const auto blocks = simulate(g, 30, 4, 10.0, 0.03, 1.5);
    const SteadyState st = steady_detect(blocks, SteadyOptions{});
    // The slope test at 5% rejects a truly steady window about 1 time in 20.
    if (st.steady) steady++;
    // The cut lands at or after the visible warm-up (blocks 0..2 stand out by > 3 sigma).
    if (st.warmup_blocks >= 3) correct_cut++;
  }
  EXPECT_GE(correct_cut, 48);
  EXPECT_GE(steady, 45);
}

TEST(Steadiness, RejectsATrendAndWideSpread) {
  std::mt19937_64 g(11);
  int steady_trend = 0, steady_spread = 0;
  for (int rep = 0; rep < 50; rep++) {
    // +1% per block over an 8-block window: 7% change, well beyond noise of 1%.
    if (steady_detect(simulate(g, 20, 0, 10.0, 0.01, 0, 0.01), SteadyOptions{}).steady)
      steady_trend++;
    if (steady_detect(simulate(g, 20, 0, 10.0, 0.6), SteadyOptions{}).steady) steady_spread++;
  }
  EXPECT_LE(steady_trend, 2);
  EXPECT_LE(steady_spread, 5);
}

TEST(Projection, NinetyFivePercentIntervalsCoverTheTruth) {
  // 400 simulated runs: warm-up, then 500 steady blocks of which the profile sees the first 40;
  // the truth is the sum of all 500 simulated blocks.
  std::mt19937_64 g(2024);
  int covered = 0, runs = 400;
  std::vector<double> errors;
  for (int rep = 0; rep < runs; rep++) {
    const auto all = simulate(g, 500, 5, 3.0, 0.05, 1.0);
    double truth = 0, remaining_samples = 0;
    for (const auto& b : all) truth += b.energy_j;
    std::vector<Block> seen(all.begin(), all.begin() + 40);
    double measured = 0;
    for (const auto& b : seen) measured += b.energy_j;
    for (std::size_t i = 40; i < all.size(); i++) remaining_samples += double(all[i].samples);
    const SteadyState st = steady_detect(seen, SteadyOptions{});
    const Projection pr =
        projection_combine(measured, {project_remaining(seen, st, remaining_samples)});
    if (pr.low_j <= truth && truth <= pr.high_j) covered++;
    errors.push_back(std::fabs(pr.predicted_j - truth) / truth);
  }
  const double coverage = double(covered) / runs;
  EXPECT_GE(coverage, 0.90);
  EXPECT_LE(coverage, 0.995);  // not vacuously wide
  EXPECT_LT(median_of(errors), 0.02);
}

TEST(Projection, CorrelatedBlocksWidenTheInterval) {
  // Block energies wander as AR(1) (phi = 0.7): an iid interval (plain variance, df = k - 1)
  // undercovers; the autocorrelation and batch-means corrections must restore most of it.
  std::mt19937_64 g(99);
  std::normal_distribution<double> z(0, 1);
  const int runs = 300, seen_n = 48, total_n = 480;
  int covered = 0, covered_iid = 0;
  for (int rep = 0; rep < runs; rep++) {
    std::vector<Block> all;
    double e = 0;
    for (int i = 0; i < total_n; i++) {
      e = 0.7 * e + 0.05 * std::sqrt(1 - 0.49) * z(g);
      all.push_back(Block{1, 10, 2.0 * (1 + e), 0.25});
    }
    double truth = 0, measured = 0, remaining = 0;
    for (const auto& b : all) truth += b.energy_j;
    std::vector<Block> seen(all.begin(), all.begin() + seen_n);
    for (const auto& b : seen) measured += b.energy_j;
    remaining = double(total_n - seen_n) * 10;
    SteadyState st;
    st.warmup_blocks = 0;
    st.used_blocks = seen_n;
    const Projection pr = projection_combine(measured, {project_remaining(seen, st, remaining)});
    if (pr.low_j <= truth && truth <= pr.high_j) covered++;
    std::vector<double> x;
    for (const auto& b : seen) x.push_back(b.energy_j);
    const double R = double(total_n - seen_n), var = variance_of(x);
    const double half = t_quantile_975(seen_n - 1) * std::sqrt(R * var * (1 + R / seen_n));
    if (std::fabs(measured + R * mean_of(x) - truth) <= half) covered_iid++;
  }
  EXPECT_LT(double(covered_iid) / runs, 0.85);  // the iid interval is too narrow here
  EXPECT_GE(double(covered) / runs, 0.88);
}

}  // namespace
}  // namespace greenbench::analysis
