// The estimator's fit as a library call (harness/estimate/estimate_fit.hpp), on tiny real runs
// made with the binary: what the model file's "fit" object reports, the held-out folders'
// evaluation, and the InputError for too few runs (docs/estimate.md).
#include "estimate_fit.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "greenbench/errors.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

// One tiny mlp run per (hidden, batch) into its own folder under `root`.
std::vector<std::string> runs_make(const std::string& root,
                                   const std::vector<std::string>& hiddens) {
  std::vector<std::string> dirs;
  for (const auto& hidden : hiddens) {
    for (int batch : {16, 64}) {
      const std::string out = root + "/" + hidden + "-" + std::to_string(batch);
      auto r = testing::cli_run({"run",
                                 "--workload",
                                 "mlp",
                                 "--out",
                                 out,
                                 "--idle-baseline-s",
                                 "0",
                                 "--pause-s",
                                 "0",
                                 "--meter",
                                 "estimate",
                                 "--set",
                                 "dataset=synthetic",
                                 "--set",
                                 "train_samples=512",
                                 "--set",
                                 "test_samples=128",
                                 "--set",
                                 "epochs=1",
                                 "--set",
                                 "hidden=" + hidden,
                                 "--set",
                                 "batch_size=" + std::to_string(batch)});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      dirs.push_back(out);
    }
  }
  return dirs;
}

TEST(EstimateFit, FitsAndEvaluatesHeldOutArchitectures) {
  const std::string root = testing::temp_dir_make("gb_fit");
  const auto fit_dirs = runs_make(root, {"[16]", "[64]", "[32,32]"});
  const auto holdout_dirs = runs_make(root, {"[24]"});
  std::ostringstream notes;
  const EstimateFit fit = estimate_fit(fit_dirs, holdout_dirs, root + "/features.csv", 50.0, notes);
  EXPECT_EQ(fit.runs.size(), 6u);
  EXPECT_EQ(fit.n_architectures, 3u);
  EXPECT_EQ(fit.summary["n_runs"], 6);
  EXPECT_EQ(fit.summary["cv"], "leave-architecture-out");
  EXPECT_EQ(fit.summary["tdp_share_w"], 50.0);
  EXPECT_EQ(fit.summary["folders"].size(), 6u);
  // The held-out architecture was never fitted on.
  ASSERT_TRUE(fit.summary.contains("holdout"));
  EXPECT_EQ(fit.summary["holdout"]["n_runs"], 2);
  EXPECT_EQ(fit.summary["holdout"]["n_architectures"], 1);
  EXPECT_EQ(fit.summary["holdout"]["runs_of_seen_architectures"], 0);
  for (const auto& r : fit.runs) EXPECT_GT(fit.model.predict_j(r), 0) << r.run_id;
  EXPECT_LE(fit.model.log_resid_lo, fit.model.log_resid_hi);
  // Every folder, held-out ones included, gets its predictions; the features file its rows.
  for (const auto& d : fit_dirs) EXPECT_TRUE(fs::exists(d + "/estimate_predictions.csv")) << d;
  for (const auto& d : holdout_dirs) EXPECT_TRUE(fs::exists(d + "/estimate_predictions.csv")) << d;
  EXPECT_TRUE(fs::exists(root + "/features.csv"));
  EXPECT_NE(notes.str().find("sgemm shapes"), std::string::npos) << notes.str();
  fs::remove_all(root);
}

TEST(EstimateFit, TooFewRunsIsAnInputError) {
  const std::string root = testing::temp_dir_make("gb_fit");
  const auto dirs = runs_make(root, {"[16]"});  // 2 runs
  std::ostringstream notes;
  try {
    estimate_fit(dirs, {}, "", 50.0, notes);
    ADD_FAILURE() << "no InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("found 2 finished runs"), std::string::npos) << e.what();
  }
  fs::remove_all(root);
}

}  // namespace
}  // namespace greenbench
