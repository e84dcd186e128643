// End-to-end tests of target_accuracy (docs/grids.md) and `greenbench tune` (docs/tuning.md)
// through the real binary on synthetic data with the estimate meter: the rows' time and energy
// to accuracy against the epochs they cover; tune's choice against configurations whose costs
// differ by an order of magnitude; Zeus's early stop of a run that cannot reach the target.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::jsonl_of;

using Folder = testing::StateFolder;

TEST(CliTargetAccuracy, StopsAtTheTargetAndRecordsTimeAndEnergyToIt) {
  Folder f;
  const std::string out = f.dir + "/res";
  auto r = f.quick_run({"hidden=[32]", "train_samples=2000", "test_samples=500", "epochs=4",
                        "target_accuracy=0.05"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = jsonl_of(out + "/runs.jsonl");
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0];
  EXPECT_EQ(row["target_reached"], true);
  // 5% is below chance on 10 classes: reached after the first epoch's inference pass, and the
  // run stopped there; to-accuracy figures are that epoch's metered phases.
  const auto epochs = testing::lines_of(out + "/epochs.csv");
  ASSERT_EQ(epochs.size(), 3u);  // header, train and infer of epoch 1
  EXPECT_NEAR(row["time_to_accuracy_s"].get<double>(),
              row["train_s"].get<double>() + row["infer_s"].get<double>(), 1e-9);
  EXPECT_NEAR(row["energy_to_accuracy_j"].get<double>(), row["energy_j"].get<double>(), 1e-9);
}

TEST(CliTargetAccuracy, NotReachedTrainsEveryEpochAndSaysSo) {
  Folder f;
  const std::string out = f.dir + "/res";
  auto r = f.quick_run({"hidden=[16]", "train_samples=500", "test_samples=200", "epochs=2",
                        "learning_rate=1e-9", "target_accuracy=1.0"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto row = jsonl_of(out + "/runs.jsonl").at(0);
  EXPECT_EQ(row["target_reached"], false);
  EXPECT_TRUE(row["time_to_accuracy_s"].is_null());
  EXPECT_TRUE(row["energy_to_accuracy_j"].is_null());
  EXPECT_EQ(testing::lines_of(out + "/epochs.csv").size(), 5u);  // both epochs
  // Without the infer phase there is no test accuracy: exit 2 before any work.
  auto args = testing::quick_run_args(f.dir + "/res2",
                                      {"mlp", "0", "0", "estimate", {"target_accuracy=0.5"}});
  args.insert(args.end(), {"--phases", "train"});
  auto bad = testing::cli_run(args, f.env());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("infer"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(f.dir + "/res2"));
}

// Four configurations; hidden [8] does about 1/100 of hidden [1024]'s work per sample.
std::string tune_grid(const Folder& f, const std::string& extra = "") {
  return f.write("tune.yaml",
                 "name: tune\nmeter: estimate\nexperiments:\n  - workload: mlp\n"
                 "    set: {dataset: synthetic, train_samples: 3000, test_samples: 500, "
                 "epochs: 2" +
                     extra +
                     "}\n    grid:\n      hidden: [[8], [1024]]\n      batch_size: [32, 64]\n");
}

TEST(CliTune, PicksTheCheapConfigurationAndSpendsLessThanTheGrid) {
  Folder f;
  for (const char* objective : {"energy", "time", "zeus"}) {
    auto r = testing::cli_run({"tune", tune_grid(f), "--objective", objective, "--json",
                               "--validate", "--out", f.dir + "/out"},
                              f.env());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["objective"], objective);
    ASSERT_EQ(j["ranking"].size(), 4u);
    EXPECT_EQ(j["best"]["keys"]["hidden"], nlohmann::json::parse("[8]")) << j.dump(1);
    EXPECT_EQ(j["best"]["config_id"], j["ranking"][0]["config_id"]);
    // The validation ran every configuration whole: the choice is the measured best's hidden
    // size, and the search cost a fraction of the grid.
    double grid_j = 0;
    for (const auto& c : j["ranking"]) grid_j += c["measured_j"].get<double>();
    EXPECT_NEAR(j["grid_j"].get<double>(), grid_j, 1e-6 * grid_j);
    EXPECT_GT(j["spent_j"].get<double>(), 0);
    EXPECT_LT(j["spent_j"].get<double>(), 0.5 * grid_j) << j.dump(1);
    EXPECT_GE(j["regret"].get<double>(), 0);
    EXPECT_TRUE(fs::exists(f.dir + "/out/tune.json"));
    EXPECT_TRUE(j["host_noisy"].is_boolean()) << j.dump(1);
  }
}

TEST(CliTune, ZeusEarlyStopEndsARunThatCannotReachTheTarget) {
  Folder f;
  // hidden [16] learns synthetic data past 0.5 within an epoch or two; hidden [1024] with
  // learning_rate 1e-9 learns nothing (chance is 0.1) and costs far more per epoch.
  const std::string grid = f.write(
      "zeus.yaml",
      "name: zeus\nmeter: estimate\ndefaults: {target_accuracy: 0.5}\nexperiments:\n"
      "  - workload: mlp\n    set: {dataset: synthetic, train_samples: 2000, test_samples: 300, "
      "epochs: 6, hidden: [16]}\n"
      "  - workload: mlp\n    set: {dataset: synthetic, train_samples: 2000, test_samples: 300, "
      "epochs: 6, hidden: [1024], learning_rate: 1.0e-9}\n");
  auto r = testing::cli_run({"tune", grid, "--objective", "energy", "--json"}, f.env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["ranking"].size(), 2u);
  EXPECT_EQ(j["best"]["keys"]["hidden"], nlohmann::json::parse("[16]"));
  EXPECT_EQ(j["best"]["outcome"], "reached");
  const auto& other = j["ranking"][1];
  // The big one costs far more than 2 x the small one's whole run after one epoch: stopped.
  EXPECT_EQ(other["outcome"], "stopped early") << j.dump(1);
  EXPECT_LT(other["epochs_run"].get<int>(), 6);
}

}  // namespace
}  // namespace greenbench
