// Grid expansion in-process: run counts and order, key precedence (defaults <- set <- grid <-
// --set), defaults only where a workload has the key, shards (union = grid, disjoint), --filter,
// random grids the tests never saw (count = product of list lengths), and every configs/ file.
#include "grid_expand.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "eta.hpp"
#include "greenbench/errors.hpp"
#include "grid_file.hpp"

namespace greenbench {
namespace {

GridExpansion expand(const std::string& yaml, nlohmann::json overrides = nlohmann::json::object()) {
  GridExpandOptions o;
  o.overrides = std::move(overrides);
  return grid_expand(grid_file_parse(yaml, "t.yaml"), o);
}

const char* kTwoExperiments = R"(
name: t
repeats: 2
defaults: {dataset: synthetic, train_samples: 100, test_samples: 50, epochs: 1, hidden: [16]}
experiments:
  - workload: mlp
    set: {learning_rate: 0.05}
    grid:
      hidden: [[8], [16, 8]]
      batch_size: [8, 16, 32]
  - workload: cnn
    phases: [infer]
    set: {arch: custom, conv: [4], fc: [8]}
    grid:
      batch_size: [4, 8]
)";

TEST(GridExpand, CountsOrderAndRepeats) {
  const GridExpansion ex = expand(kTwoExperiments);
  ASSERT_EQ(ex.runs.size(), 2u * (2 * 3 + 2));
  EXPECT_EQ(ex.configurations, 8);
  EXPECT_EQ(ex.duplicates_dropped, 0);
  // Repeat 0 of everything, then repeat 1; in an experiment the last key varies fastest.
  const std::vector<std::pair<std::vector<int>, int>> mlp_order = {
      {{8}, 8}, {{8}, 16}, {{8}, 32}, {{16, 8}, 8}, {{16, 8}, 16}, {{16, 8}, 32}};
  for (int r = 0; r < 2; ++r) {
    for (size_t i = 0; i < 6; ++i) {
      const RunPlan& p = ex.runs[r * 8 + i].plan;
      EXPECT_EQ(p.workload, "mlp");
      EXPECT_EQ(p.repeat, r);
      EXPECT_EQ(p.config["hidden"].get<std::vector<int>>(), mlp_order[i].first);
      EXPECT_EQ(p.config["batch_size"], mlp_order[i].second);
      EXPECT_EQ(p.phases, (std::vector<std::string>{"train", "infer"}));
    }
    EXPECT_EQ(ex.runs[r * 8 + 6].plan.workload, "cnn");
    EXPECT_EQ(ex.runs[r * 8 + 6].plan.config["batch_size"], 4);
    EXPECT_EQ(ex.runs[r * 8 + 7].plan.config["batch_size"], 8);
    EXPECT_EQ(ex.runs[r * 8 + 7].plan.phases, std::vector<std::string>{"infer"});
  }
  // The same configuration in both repeats: same config_id, run ids differ by the repeat.
  EXPECT_EQ(ex.runs[0].plan.config_id, ex.runs[8].plan.config_id);
  EXPECT_EQ(ex.runs[0].plan.run_id, ex.runs[0].plan.config_id + "-r0");
  EXPECT_EQ(ex.runs[8].plan.run_id, ex.runs[8].plan.config_id + "-r1");
  EXPECT_EQ(ex.runs[1].plan.label, "mlp learning_rate=0.05 hidden=[8] batch_size=16 repeat=0");
  // Sizes from shapes: mlp 784-8-10 on synthetic 1x28x28.
  EXPECT_EQ(ex.runs[0].size.params, 784 * 8 + 8 + 8 * 10 + 10);
  EXPECT_EQ(ex.runs[0].size.macs_per_sample, 784 * 8 + 8 * 10);
  EXPECT_EQ(ex.runs[0].size.train_samples, 100);
  EXPECT_EQ(ex.runs[0].size.test_samples, 50);
  EXPECT_GT(ex.runs[0].size.memory_bytes, (784 * 8 + 8 * 10) * 4 * 2);
}

TEST(GridExpand, LabelShowsEachKeyOnceWithTheValueThatWon) {
  // learning_rate is in `set`, batch_size in `grid`; --set overrides both: each appears once,
  // in its place, with the --set value (the run's real value), not the overridden one as well.
  const GridExpansion ex = expand(kTwoExperiments, {{"learning_rate", 0.2}, {"batch_size", 64}});
  EXPECT_EQ(ex.runs[0].plan.label, "mlp learning_rate=0.2 hidden=[8] batch_size=64 repeat=0");
  EXPECT_EQ(ex.runs[0].plan.config["learning_rate"], 0.2);
}

TEST(GridExpand, PrecedenceDefaultsSetGridOverrides) {
  const char* yaml = R"(
defaults: {dataset: synthetic, epochs: 5, learning_rate: 0.5, seed: 7, hidden: [4]}
experiments:
  - workload: mlp
    set: {epochs: 2}
    grid: {learning_rate: [0.1, 0.2]}
  - workload: cnn
    set: {conv: [4], fc: [8]}
)";
  GridExpansion ex = expand(yaml);
  ASSERT_EQ(ex.runs.size(), 3u);
  EXPECT_EQ(ex.runs[0].plan.config["epochs"], 2);           // set beats defaults
  EXPECT_EQ(ex.runs[0].plan.config["learning_rate"], 0.1);  // grid beats defaults
  EXPECT_EQ(ex.runs[1].plan.config["learning_rate"], 0.2);
  EXPECT_EQ(ex.runs[0].plan.config["seed"], 7);  // defaults fill the rest
  EXPECT_EQ(ex.runs[0].plan.config["hidden"], nlohmann::json::array({4}));
  EXPECT_FALSE(ex.runs[2].plan.config.contains("hidden"));  // cnn has no hidden: not applied
  EXPECT_EQ(ex.runs[2].plan.config["epochs"], 5);
  ex = expand(yaml, {{"epochs", 9}, {"learning_rate", 0.3}, {"hidden", {32}}});
  ASSERT_EQ(ex.runs.size(), 2u);  // --set beats all: both mlp runs become one
  EXPECT_EQ(ex.duplicates_dropped, 1);
  for (const auto& r : ex.runs) {
    EXPECT_EQ(r.plan.config["epochs"], 9);
    EXPECT_EQ(r.plan.config["learning_rate"], 0.3);
  }
  EXPECT_EQ(ex.runs[0].plan.config["hidden"], nlohmann::json::array({32}));
  EXPECT_EQ(ex.runs[1].plan.workload, "cnn");
  EXPECT_FALSE(ex.runs[1].plan.config.contains("hidden"));
}

TEST(GridExpand, OverridesThatCollapseRunsKeepOneOfEach) {
  const char* yaml = R"(
defaults: {dataset: synthetic}
experiments:
  - workload: mlp
    grid: {learning_rate: [0.1, 0.2], seed: [1, 2]}
)";
  const GridExpansion ex = expand(yaml, {{"learning_rate", 0.3}});
  EXPECT_EQ(ex.runs.size(), 2u);
  EXPECT_EQ(ex.duplicates_dropped, 2);
  EXPECT_NE(ex.runs[0].plan.run_id, ex.runs[1].plan.run_id);
}

TEST(GridExpand, OverrideOfAKeyNoWorkloadHasIsAnError) {
  try {
    expand(kTwoExperiments, {{"hiden", 3}});
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'hidden'"), std::string::npos) << e.what();
  }
}

TEST(GridExpand, ShardsPartitionTheGrid) {
  const GridExpansion ex = expand(kTwoExperiments);
  std::set<std::string> all;
  for (const auto& r : ex.runs) all.insert(r.plan.run_id);
  for (int n : {1, 2, 3, 7, 40}) {
    std::multiset<std::string> seen;
    for (int i = 0; i < n; ++i)
      for (const auto& p : grid_select(ex, "", i, n)) seen.insert(p.run_id);
    EXPECT_EQ(seen.size(), all.size()) << n;                               // nothing twice
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all) << n;  // nothing missing
  }
  // Stable: a shard keeps its runs when the grid changes around them.
  const auto before = grid_select(ex, "", 1, 3);
  const GridExpansion fewer =
      expand(std::string(kTwoExperiments)
                 .replace(std::string(kTwoExperiments).find("[8, 16, 32]"), 11, "[8, 16]"));
  for (const auto& p : grid_select(fewer, "", 1, 3)) {
    bool found = false;
    for (const auto& q : before) found |= q.run_id == p.run_id;
    EXPECT_TRUE(found) << p.label;
  }
}

TEST(GridExpand, ShardArgumentIsChecked) {
  int i = 0, n = 0;
  shard_parse("2/5", i, n);
  EXPECT_EQ(i, 2);
  EXPECT_EQ(n, 5);
  for (const char* bad : {"5/5", "-1/4", "1", "a/b", "1/0", "1/4x", "/4"})
    EXPECT_THROW(shard_parse(bad, i, n), InputError) << bad;
}

TEST(GridExpand, FilterMatchesLabelsAndRunIds) {
  const GridExpansion ex = expand(kTwoExperiments);
  const auto b16 = grid_select(ex, "batch_size=16 ", 0, 1);
  ASSERT_EQ(b16.size(), 4u);  // 2 mlp widths x 2 repeats
  for (const auto& p : b16) EXPECT_EQ(p.config["batch_size"], 16);
  const auto cnn = grid_select(ex, "^cnn", 0, 1);
  EXPECT_EQ(cnn.size(), 4u);
  const auto one = grid_select(ex, ex.runs[3].plan.run_id, 0, 1);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].run_id, ex.runs[3].plan.run_id);
  const auto r1 = grid_select(ex, "-r1$", 0, 1);
  EXPECT_EQ(r1.size(), 8u);
  EXPECT_THROW(grid_select(ex, "([", 0, 1), InputError);
}

// A grid the tests never saw: random experiments over random lists; the expansion must hold
// exactly the cartesian product of each experiment's lists, times the repeats.
TEST(GridExpand, RandomGridsExpandToTheProduct) {
  std::mt19937 rng(20261123);
  for (int trial = 0; trial < 25; ++trial) {
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const int repeats = pick(1, 3), n_exp = pick(1, 3);
    std::string yaml =
        fmt::format("name: random{}\nrepeats: {}\ndefaults: {{dataset: synthetic}}\nexperiments:\n",
                    trial, repeats);
    int64_t expected = 0;
    std::vector<std::map<std::string, std::vector<std::string>>> axes_of(n_exp);
    for (int x = 0; x < n_exp; ++x) {
      const bool mlp = pick(0, 1) == 1;
      yaml += fmt::format("  - workload: {}\n    set: {{seed: {}}}\n    grid:\n",
                          mlp ? "mlp" : "cnn", 1000 + x);
      std::vector<std::string> pool = {"batch_size", "epochs", "learning_rate", "momentum"};
      pool.push_back(mlp ? "hidden" : "fc");
      std::shuffle(pool.begin(), pool.end(), rng);
      const int n_axes = pick(1, 4);
      int64_t product = 1;
      for (int a = 0; a < n_axes; ++a) {
        const std::string key = pool[a];
        const int n_values = pick(1, 4);
        std::vector<std::string> values;
        for (int v = 0; v < n_values; ++v) {
          if (key == "batch_size" || key == "epochs")
            values.push_back(std::to_string(v + 1));
          else if (key == "learning_rate")
            values.push_back(fmt::format("0.0{}", v + 1));
          else if (key == "momentum")
            values.push_back(fmt::format("0.{}", v + 5));
          else
            values.push_back(fmt::format("[{}]", 4 * (v + 1)));
        }
        std::string list;
        for (const auto& v : values) list += (list.empty() ? "" : ", ") + v;
        yaml += fmt::format("      {}: [{}]\n", key, list);
        axes_of[x][key] = values;
        product *= n_values;
      }
      expected += product * repeats;
    }
    SCOPED_TRACE(yaml);
    GridExpandOptions o;
    o.check_memory = false;
    const GridExpansion ex = grid_expand(grid_file_parse(yaml, "random.yaml"), o);
    ASSERT_EQ(static_cast<int64_t>(ex.runs.size()), expected);
    EXPECT_EQ(ex.duplicates_dropped, 0);
    std::set<std::string> ids;
    for (const auto& r : ex.runs) {
      ids.insert(r.plan.run_id);
      // Every axis value of the run is one of its experiment's list values.
      for (const auto& [key, values] : axes_of[r.experiment - 1]) {
        bool found = false;
        for (const auto& v : values) found |= nlohmann::json::parse(v) == r.plan.config[key];
        EXPECT_TRUE(found) << key << " = " << r.plan.config[key];
      }
    }
    EXPECT_EQ(ids.size(), ex.runs.size());
  }
}

TEST(GridExpand, TooManyRunsIsAnErrorBeforeBuildingThem) {
  std::string list;
  for (int i = 1; i <= 60; ++i) list += (i > 1 ? ", " : "") + std::to_string(i);
  const std::string yaml = "experiments:\n  - workload: mlp\n    grid:\n      seed: [" + list +
                           "]\n      epochs: [" + list + "]\n      batch_size: [" + list + "]\n";
  try {
    expand(yaml);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("more than 100000 runs"), std::string::npos) << e.what();
    EXPECT_EQ(e.line, 2);
  }
}

TEST(GridExpand, LargestRunMustFitInMemory) {
  namespace fs = std::filesystem;
  const std::string root = "/tmp/gb_meminfo_" + std::to_string(getpid());
  fs::create_directories(root);
  { std::ofstream(root + "/meminfo") << "MemTotal:  1000 kB\nMemAvailable:  2048 kB\n"; }
  setenv("GREENBENCH_PROC_ROOT", root.c_str(), 1);
  const char* yaml =
      "experiments:\n  - workload: mlp\n    set: {dataset: synthetic, train_samples: 100}\n"
      "    grid: {hidden: [[8], [4096, 4096]]}\n";
  try {
    expand(yaml);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "the largest run (mlp dataset=synthetic train_samples=100 hidden=[4096,4096])"),
              std::string::npos)
        << e.what();
    EXPECT_EQ(e.line, 2);
  }
  unsetenv("GREENBENCH_PROC_ROOT");
  fs::remove_all(root);
}

TEST(GridExpand, ExpectedTimeFollowsFlops) {
  const GridExpansion ex = expand(kTwoExperiments);
  // mlp [8] at batch 8 vs the same at batch 16: same FLOPs, same time; [16, 8] costs more.
  const double a = run_expected_s(ex.runs[0], 10, 0), b = run_expected_s(ex.runs[1], 10, 0);
  const double c = run_expected_s(ex.runs[3], 10, 0);
  EXPECT_DOUBLE_EQ(a, b);
  EXPECT_GT(c, a);
  // By hand: 1 epoch, 100 train samples, 50 test samples; mlp 784-8-10.
  const double macs = 784 * 8 + 8 * 10;
  const double flops = 100 * (4 * macs + 2 * (8 * 10)) + 50 * 2 * macs;
  EXPECT_NEAR(a, flops / (10e9 * kWorkloadEfficiency), 1e-12);
  EXPECT_NEAR(run_expected_s(ex.runs[0], 10, 1.5) - a, 2 * 1.5, 1e-9);  // a pause after each pass
  EXPECT_GT(sgemm_gflops_measure(), 0.5);
}

// workload_size (shapes only, nothing allocated) must agree with the workload once built.
TEST(GridExpand, SizesFromShapesEqualTheBuiltWorkload) {
  const GridExpansion ex = expand(R"(
defaults: {dataset: synthetic, train_samples: 64, test_samples: 32}
experiments:
  - workload: mlp
    grid: {hidden: [[8], [64, 32]], batch_size: [4, 16], infer_batch_size: [32]}
  - workload: cnn
    set: {batch_size: 8, width: 0.5}
    grid: {arch: [lenet5, vgg, resnet, mobilenet], optimizer: [sgd, adam]}
  - workload: cnn
    set: {arch: custom, conv: [4, 8], fc: [16]}
)");
  ASSERT_EQ(ex.runs.size(), 4u + 8u + 1u);
  for (const auto& r : ex.runs) {
    SCOPED_TRACE(r.plan.label);
    const auto w = workload_make(r.plan.workload, r.plan.config);
    EXPECT_EQ(r.size.params, w->params());
    EXPECT_EQ(r.size.macs_per_sample, w->macs_per_sample());
    EXPECT_EQ(r.size.memory_bytes, w->memory_bytes());
    EXPECT_EQ(r.size.train_samples, w->train_samples());
    EXPECT_EQ(r.size.test_samples, w->test_samples());
    EXPECT_DOUBLE_EQ(r.size.infer_flops_per_sample, 2.0 * double(w->macs_per_sample()));
  }
}

TEST(GridConfigs, EveryShippedFileParsesAndExpands) {
  namespace fs = std::filesystem;
  int files = 0;
  for (const auto& entry :
       fs::directory_iterator(std::string(GREENBENCH_SOURCE_DIR) + "/configs")) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    SCOPED_TRACE(entry.path().string());
    const GridFile g = grid_file_load(entry.path().string());
    EXPECT_EQ(g.name, entry.path().stem().string());
    GridExpansion ex;
    ASSERT_NO_THROW(ex = grid_expand(g, {}));
    EXPECT_GT(ex.runs.size(), 0u);
    EXPECT_EQ(ex.duplicates_dropped, 0);
    std::set<std::string> workloads;
    for (const auto& r : ex.runs) workloads.insert(r.plan.workload);
    if (g.name == "quick") {
      EXPECT_EQ(workloads.size(), workload_names().size());  // every workload
    }
  }
  EXPECT_GE(files, 3);
}

}  // namespace
}  // namespace greenbench
