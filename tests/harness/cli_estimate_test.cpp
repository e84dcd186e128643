// End-to-end tests of `greenbench estimate fit/predict` and `greenbench profile` through the
// real binary on tiny real runs: the docs/commands.md JSON shapes, estimate_predictions.csv,
// intervals that bracket the prediction, the profile budget, and exit 2 for bad input.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

using Folder = testing::TempFolder;

std::vector<std::string> tiny(std::vector<std::string> args, const std::string& hidden, int batch) {
  for (std::string s : {"dataset=synthetic", "train_samples=512", "test_samples=128", "epochs=1"}) {
    args.push_back("--set");
    args.push_back(s);
  }
  args.insert(args.end(),
              {"--set", "hidden=" + hidden, "--set", "batch_size=" + std::to_string(batch)});
  return args;
}

TEST(CliEstimate, FitAndPredictOnATinyRealFolder) {
  Folder f;
  std::vector<std::string> dirs;
  for (const char* hidden : {"[16]", "[64]", "[32,32]"}) {
    for (int batch : {16, 64}) {
      const std::string out = f.dir + "/r" + std::to_string(dirs.size());
      auto r = testing::cli_run(tiny({"run", "--workload", "mlp", "--out", out, "--idle-baseline-s",
                                      "0", "--pause-s", "0", "--meter", "estimate"},
                                     hidden, batch));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      dirs.push_back(out);
    }
  }
  std::vector<std::string> fit = {"estimate", "fit"};
  fit.insert(fit.end(), dirs.begin(), dirs.end());
  const std::string model = f.dir + "/model.json";
  fit.insert(fit.end(), {"-o", model, "--json"});
  auto r = testing::cli_run(fit);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* k :
       {"cv", "n_runs", "n_architectures", "mape", "median_ape", "p90_ape", "r2_log"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["cv"], "leave-architecture-out");
  EXPECT_EQ(j["n_runs"], 6);
  EXPECT_EQ(j["n_architectures"], 3);
  EXPECT_GE(j["mape"].get<double>(), 0);
  // Each folder gets its held-out predictions.
  std::ifstream csv(dirs[0] + "/estimate_predictions.csv");
  std::string header, row;
  std::getline(csv, header);
  EXPECT_EQ(header, "run_id,predicted_j,low_j,high_j,measured_j");
  ASSERT_TRUE(std::getline(csv, row));
  EXPECT_EQ(std::count(row.begin(), row.end(), ','), 4);

  auto p = testing::cli_run(
      tiny({"estimate", "predict", model, "--workload", "mlp", "--json"}, "[48]", 32));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  const auto pj = nlohmann::json::parse(p.out);
  ASSERT_EQ(pj["runs"].size(), 1u);
  const double pred = pj["runs"][0]["predicted_j"], lo = pj["runs"][0]["low_j"],
               hi = pj["runs"][0]["high_j"];
  EXPECT_GT(pred, 0);
  EXPECT_LE(lo, pred);
  EXPECT_GE(hi, pred);

  // `run GRID --dry-run --model` prints the same prediction for the same configuration.
  const std::string grid = f.dir + "/one.yaml";
  std::ofstream(grid) << "name: one\nexperiments:\n  - workload: mlp\n    set: {dataset: synthetic,"
                         " train_samples: 512, test_samples: 128, epochs: 1, hidden: [48],"
                         " batch_size: 32}\n";
  auto dry = testing::cli_run({"run", grid, "--dry-run", "--model", model});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find(fmt::format("{:.1f} [{:.1f}, {:.1f}]", pred, lo, hi)), std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find("predicted energy: "), std::string::npos) << dry.out;
  EXPECT_EQ(testing::cli_run({"run", grid, "--model", model}).exit_code, 2);  // not a dry run
  EXPECT_EQ(dry.out.find("never saw"), std::string::npos) << dry.out;
  EXPECT_TRUE(pj["runs"][0]["unseen_features"].empty());

  // A CNN asked of this MLP-only model: its pooling and im2col work were never seen in
  // fitting, so predict names them (JSON and stderr) and the dry run marks the run.
  auto cnn = testing::cli_run({"estimate", "predict", model, "--workload", "cnn", "--json", "--set",
                               "dataset=synthetic", "--set", "train_samples=256", "--set",
                               "test_samples=64", "--set", "epochs=1"});
  ASSERT_EQ(cnn.exit_code, 0) << cnn.err;
  const auto unseen = nlohmann::json::parse(cnn.out)["runs"][0]["unseen_features"];
  EXPECT_NE(std::find(unseen.begin(), unseen.end(), "im2col_bytes"), unseen.end()) << unseen;
  EXPECT_NE(cnn.err.find("never saw in fitting"), std::string::npos) << cnn.err;
  const std::string cnn_grid = f.dir + "/cnn.yaml";
  std::ofstream(cnn_grid) << "name: cnn\nexperiments:\n  - workload: cnn\n    set: {dataset: "
                             "synthetic, train_samples: 256, test_samples: 64, epochs: 1}\n";
  auto cnn_dry = testing::cli_run({"run", cnn_grid, "--dry-run", "--model", model});
  ASSERT_EQ(cnn_dry.exit_code, 0) << cnn_dry.err;
  EXPECT_NE(cnn_dry.out.find("] *"), std::string::npos) << cnn_dry.out;
  EXPECT_NE(cnn_dry.out.find("1 runs have work the model never saw"), std::string::npos)
      << cnn_dry.out;

  // A model file that is not one: exit 2 naming the file.
  std::ofstream(f.dir + "/bad.json") << "{\"schema\": \"other\"}";
  auto bad = testing::cli_run({"estimate", "predict", f.dir + "/bad.json", "--workload", "mlp"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.json"), std::string::npos) << bad.err;
  // A folder without results: exit 2.
  auto none = testing::cli_run({"estimate", "fit", f.dir + "/missing", "-o", f.dir + "/m.json"});
  EXPECT_EQ(none.exit_code, 2);
}

TEST(CliProfile, ValidateReportsTheSpecShapeWithinBudget) {
  Folder f;
  auto r = testing::cli_run({"profile",
                             "--workload",
                             "mlp",
                             "--meter",
                             "estimate",
                             "--validate",
                             "--json",
                             "--out",
                             f.dir,
                             "--set",
                             "dataset=synthetic",
                             "--set",
                             "train_samples=2048",
                             "--set",
                             "test_samples=256",
                             "--set",
                             "epochs=5",
                             "--set",
                             "hidden=[64]",
                             "--set",
                             "batch_size=16"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["runs"].size(), 1u);
  const auto& run = j["runs"][0];
  for (const char* k :
       {"run_id", "predicted_j", "low_j", "high_j", "profiled_fraction", "measured_j", "error"})
    EXPECT_TRUE(run.contains(k)) << k;
  EXPECT_LE(run["profiled_fraction"].get<double>(), 0.1 + 1e-9);
  EXPECT_GT(run["profiled_fraction"].get<double>(), 0);
  EXPECT_GT(run["measured_j"].get<double>(), 0);
  // The whole run's phases: 5 epochs of train + infer, summing to measured_j.
  ASSERT_EQ(run["phases"].size(), 10u);
  double sum = 0;
  for (const auto& p : run["phases"]) sum += p["energy_j"].get<double>();
  EXPECT_NEAR(sum, run["measured_j"].get<double>(), 1e-6 * sum);
  EXPECT_LE(run["low_j"].get<double>(), run["predicted_j"].get<double>());
  EXPECT_TRUE(j.contains("median_abs_error"));
  EXPECT_TRUE(j.contains("interval_coverage"));
  EXPECT_TRUE(fs::exists(f.dir + "/profile.json"));
}

// profile GRID.yaml plans the grid's runs exactly as `run GRID.yaml` does: the same run ids.
TEST(CliProfile, GridFileProfilesEveryRunOfTheGrid) {
  Folder f;
  const std::string grid = f.dir + "/tiny.yaml";
  std::ofstream(grid) << "name: tiny\nidle_baseline_s: 0\npause_s: 0\n"
                         "defaults: {dataset: synthetic, epochs: 2, train_samples: 512,"
                         " test_samples: 128, batch_size: 32}\n"
                         "experiments:\n  - workload: mlp\n    grid:\n"
                         "      hidden: [[16], [32, 16]]\n";
  const auto dry = testing::cli_run({"run", grid, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  auto r =
      testing::cli_run({"profile", grid, "--meter", "estimate", "--json", "--out", f.dir + "/p"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["runs"].size(), 2u);
  for (const auto& run : j["runs"])
    EXPECT_NE(dry.out.find(run["run_id"].get<std::string>()), std::string::npos)
        << run["run_id"] << " not in\n"
        << dry.out;
  // A bad grid is exit 2 with its line and column.
  std::ofstream(grid) << "name: tiny\nexperiments:\n  - workload: mlp\n    grid: {hiden: [[16]]}\n";
  const auto bad = testing::cli_run({"profile", grid});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("tiny.yaml:4:"), std::string::npos) << bad.err;
}

TEST(CliProfile, BadInputExitsTwo) {
  EXPECT_EQ(testing::cli_run({"profile", "--workload", "mlp", "--budget", "2"}).exit_code, 2);
  EXPECT_EQ(testing::cli_run({"profile"}).exit_code, 2);
  EXPECT_EQ(testing::cli_run({"profile", "--workload", "mlp", "--set", "hiden=[3]"}).exit_code, 2);
}

}  // namespace
}  // namespace greenbench
