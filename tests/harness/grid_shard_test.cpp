// Shards by cost and by hash (harness/grid/grid_shard.*, docs/grids.md "--shard I/N"): every run
// in exactly one shard, the same split on every call, expected times within 20% on
// configs/study.yaml split 16 ways, the greedy bound on random grids, and a run's cost from its
// FLOPs and pauses as docs/grids.md defines it.
#include "grid_shard.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "greenbench/errors.hpp"
#include "grid_file.hpp"
#include "run_cost.hpp"

namespace greenbench {
namespace {

GridExpansion expand(const std::string& yaml) {
  return grid_expand(grid_file_parse(yaml, "t.yaml"), {});
}

std::vector<const GridRun*> all_runs(const GridExpansion& ex) {
  std::vector<const GridRun*> out;
  for (const auto& r : ex.runs) out.push_back(&r);
  return out;
}

const char* kMixed = R"(
name: mixed
repeats: 2
pause_s: 0.5
defaults: {dataset: synthetic, train_samples: 200, test_samples: 100, epochs: 1}
experiments:
  - workload: mlp
    grid:
      hidden: [[8], [64, 64], [256, 256]]
      batch_size: [8, 32]
  - workload: cnn
    set: {arch: custom, conv: [4, 8], fc: [16]}
    grid:
      epochs: [1, 3]
)";

TEST(GridShard, EveryRunInExactlyOneShardBothWays) {
  const GridExpansion ex = expand(kMixed);
  std::set<std::string> all;
  for (const auto& r : ex.runs) all.insert(r.plan.run_id);
  for (ShardBy by : {ShardBy::cost, ShardBy::hash})
    for (int n : {1, 2, 3, 5, 16}) {
      std::multiset<std::string> seen;
      for (int i = 0; i < n; ++i)
        for (const auto& p : grid_select(ex, "", i, n, {by, 0.5})) seen.insert(p.run_id);
      EXPECT_EQ(seen.size(), all.size()) << shard_by_name(by) << " " << n;  // nothing twice
      EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all)       // nothing missing
          << shard_by_name(by) << " " << n;
    }
}

TEST(GridShard, HashSplitIsTheRunIdHashModuloN) {
  const GridExpansion ex = expand(kMixed);
  const auto runs = all_runs(ex);
  const auto shard = shards_assign(runs, 3, {ShardBy::hash, 0});
  for (size_t i = 0; i < runs.size(); ++i)
    EXPECT_EQ(uint64_t(shard[i]), hash_fnv1a(runs[i]->plan.run_id) % 3) << runs[i]->plan.label;
}

TEST(GridShard, CostSplitIsTheSameEveryTimeAndFillsEveryShard) {
  const GridExpansion ex = expand(kMixed);
  const auto runs = all_runs(ex);
  const auto a = shards_assign(runs, 4, {ShardBy::cost, 0.5});
  EXPECT_EQ(a, shards_assign(runs, 4, {ShardBy::cost, 0.5}));
  EXPECT_EQ(a, shards_assign(all_runs(expand(kMixed)), 4, {ShardBy::cost, 0.5}));
  EXPECT_EQ(std::set<int>(a.begin(), a.end()), (std::set<int>{0, 1, 2, 3}));
}

// docs/grids.md: FLOPs = epochs x (train_samples x train FLOPs/sample + test_samples x infer
// FLOPs/sample), over the rate x threads, plus pause_s after each metered pass.
TEST(GridShard, CostIsFlopsOverTheReferenceRatePlusPauses) {
  const GridExpansion ex = expand(R"(
name: c
defaults: {dataset: synthetic, train_samples: 300, test_samples: 100, hidden: [32]}
experiments:
  - workload: mlp
    grid: {epochs: [1, 4], threads: [1, 2]}
  - workload: mlp
    phases: [infer]
    set: {hidden: [64]}
)");
  ASSERT_EQ(ex.runs.size(), 5u);
  for (const auto& r : ex.runs) {
    SCOPED_TRACE(r.plan.label);
    const bool infer_only = !r.plan.runs("train");
    const int epochs = infer_only ? 1 : r.plan.config["epochs"].get<int>();
    const int threads = r.plan.config["threads"].get<int>();
    const double flops = (infer_only ? 0 : epochs * 300.0 * r.size.train_flops_per_sample) +
                         epochs * 100.0 * r.size.infer_flops_per_sample;
    const double want_s = flops / (kShardReferenceGflops * 1e9 * 0.45 * threads) +
                          (infer_only ? 0 : 2 * epochs * 1.5);
    EXPECT_NEAR(double(run_shard_cost_ms(r, 1.5)), want_s * 1000, 1.0);
  }
}

// The issue's "expected times of balanced shards differ by at most 20% on configs/study.yaml
// split 16 ways".
TEST(GridShard, StudySplitSixteenWaysIsWithinTwentyPercent) {
  const GridFile g = grid_file_load(std::string(GREENBENCH_SOURCE_DIR) + "/configs/study.yaml");
  const GridExpansion ex = grid_expand(g, {});
  const auto runs = all_runs(ex);
  std::map<ShardBy, double> ratio;
  for (ShardBy by : {ShardBy::cost, ShardBy::hash}) {
    const auto shard = shards_assign(runs, 16, {by, g.pause_s});
    const auto load = shards_cost_ms(runs, shard, 16, g.pause_s);
    int64_t total = 0;
    for (const auto* r : runs) total += run_shard_cost_ms(*r, g.pause_s);
    int64_t sum = 0;
    for (int64_t l : load) sum += l;
    EXPECT_EQ(sum, total);
    const auto [lo, hi] = std::minmax_element(load.begin(), load.end());
    ratio[by] = double(*hi) / double(*lo);
  }
  EXPECT_LE(ratio[ShardBy::cost], 1.2) << "cost split: slowest shard / fastest shard";
  EXPECT_LT(ratio[ShardBy::cost], ratio[ShardBy::hash]);
  std::printf("study.yaml, 16 shards: slowest/fastest expected time %.3f by cost, %.3f by hash\n",
              ratio[ShardBy::cost], ratio[ShardBy::hash]);
}

// Largest first into the least loaded shard: no shard exceeds the least loaded one by more
// than the largest single run (the greedy's guarantee), on random grids.
TEST(GridShard, NoShardExceedsAnotherByMoreThanOneRun) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 6; ++trial) {
    std::uniform_int_distribution<int> n(2, 7);
    std::vector<int> widths(300), epochs = {1, 2, 3, 4, 5, 6};
    for (int i = 0; i < 300; ++i) widths[size_t(i)] = i + 4;
    std::shuffle(widths.begin(), widths.end(), rng);  // distinct values: no duplicate runs
    std::shuffle(epochs.begin(), epochs.end(), rng);
    std::string hidden, eps;
    for (int i = 0; i < 5; ++i) hidden += fmt::format("{}[{}]", i ? ", " : "", widths[size_t(i)]);
    for (int i = 0; i < 3; ++i) eps += fmt::format("{}{}", i ? ", " : "", epochs[size_t(i)]);
    const GridExpansion ex = expand(fmt::format(R"(
name: r
pause_s: 0.1
defaults: {{dataset: synthetic, train_samples: 500, test_samples: 100}}
experiments:
  - workload: mlp
    grid: {{hidden: [{}], epochs: [{}]}}
)",
                                                hidden, eps));
    const auto runs = all_runs(ex);
    const int count = n(rng);
    const auto load =
        shards_cost_ms(runs, shards_assign(runs, count, {ShardBy::cost, 0.1}), count, 0.1);
    int64_t largest = 0;
    for (const auto* r : runs) largest = std::max(largest, run_shard_cost_ms(*r, 0.1));
    const auto [lo, hi] = std::minmax_element(load.begin(), load.end());
    EXPECT_LE(*hi - *lo, largest) << "trial " << trial << ", " << count << " shards";
  }
}

TEST(GridShard, ShardByIsChecked) {
  EXPECT_EQ(shard_by_parse("cost"), ShardBy::cost);
  EXPECT_EQ(shard_by_parse("hash"), ShardBy::hash);
  for (const char* bad : {"", "Cost", "flops", "hash "}) {
    try {
      shard_by_parse(bad);
      ADD_FAILURE() << "no error for '" << bad << "'";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("--shard-by"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace greenbench
