// The five findings on hand-made results folders whose answers are known by construction:
// energy exactly proportional to MACs, a power law in batch size, a fixed training and
// per-inference energy, a warm-up epoch, an exact power law in parameters; and "not enough
// data" where a folder is too small. Folders are written to disk and read back.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis.hpp"
#include "findings.hpp"
#include "greenbench/results.hpp"
#include "run_cli.hpp"

namespace greenbench::analysis {
namespace {

namespace fs = std::filesystem;

struct Folder : testing::TempFolder {
  Folder() : TempFolder("gb_findings") {}
  std::vector<nlohmann::json> runs;
  std::string epochs = "run_id,epoch,phase,seconds,energy_j,samples,loss,accuracy,tokens\n";

  // An ok mlp run; `hidden` names the architecture.
  nlohmann::json& run(const std::string& id, std::vector<int> hidden, int batch, int64_t params,
                      int64_t macs) {
    runs.push_back({{"run_id", id},
                    {"config_id", id},
                    {"repeat", 0},
                    {"workload", "mlp"},
                    {"status", "ok"},
                    {"error", ""},
                    {"hidden", hidden},
                    {"activation", "relu"},
                    {"dataset", "synthetic"},
                    {"batch_size", batch},
                    {"epochs", 1},
                    {"learning_rate", 0.01},
                    {"params", params},
                    {"macs_per_sample", macs},
                    {"macs_param", double(macs) / double(params)},
                    {"train_samples", 1000},
                    {"test_samples", 100},
                    {"meter_source", "estimate"},
                    {"estimated", true}});
    return runs.back();
  }
  ResultsFolder write_and_read() {
    std::ofstream out(dir + "/runs.jsonl");
    for (const auto& r : runs) out << r.dump() << "\n";
    out.close();
    std::ofstream(dir + "/epochs.csv") << epochs;
    std::ofstream(dir + "/meta.json") << R"({"schema_version": 1})";  // the reader needs it
    return results_folder_read(dir);
  }
};

const Finding find(const ResultsFolder& f, int id) {
  const RunsTable t = runs_table_make(f.runs);
  return findings_all(t, f.epochs, FindingOptions{})[size_t(id - 1)];
}

TEST(AnalysisFindings, EnergyExactlyProportionalToMacsSupportsFindingOne) {
  Folder f;
  // MACs 1..8 M; params a permutation of them, so rank(params) is unrelated to rank(MACs):
  // Spearman(params, MACs) = 1 - 6 * 76 / (8 * 63) = 0.0952 (sum of squared rank gaps 76).
  const int perm[8] = {5, 1, 7, 3, 8, 2, 6, 4};
  for (int i = 0; i < 8; ++i) {
    auto& r = f.run(fmt::format("r{}", i), {i + 1}, 32, perm[i] * 10000, (i + 1) * 1000000);
    r["energy_per_train_sample_j"] = (i + 1) * 1e-3;
    r["energy_j"] = (i + 1) * 1.0;
  }
  const auto fd = find(f.write_and_read(), 1);
  EXPECT_EQ(fd.n, 8);
  EXPECT_DOUBLE_EQ(fd.numbers["spearman_macs"].get<double>(), 1.0);
  EXPECT_NEAR(fd.numbers["spearman_params"].get<double>(), 1 - 6.0 * 76 / (8 * 63), 1e-12);
  EXPECT_NEAR(fd.numbers["difference"].get<double>(), 6.0 * 76 / (8 * 63), 1e-12);
  EXPECT_GT(fd.numbers["difference_bootstrap_ci95"][0].get<double>(), 0);
  EXPECT_EQ(fd.verdict, "supported");
  EXPECT_NE(fd.summary.find("n = 8"), std::string::npos) << fd.summary;
}

TEST(AnalysisFindings, EnergyTrackingParamsContradictsFindingOne) {
  Folder f;
  const int perm[8] = {5, 1, 7, 3, 8, 2, 6, 4};
  for (int i = 0; i < 8; ++i) {
    auto& r = f.run(fmt::format("r{}", i), {i + 1}, 32, (i + 1) * 10000, perm[i] * 1000000);
    r["energy_per_train_sample_j"] = (i + 1) * 1e-3;
  }
  const auto fd = find(f.write_and_read(), 1);
  EXPECT_DOUBLE_EQ(fd.numbers["spearman_params"].get<double>(), 1.0);
  EXPECT_LT(fd.numbers["difference_bootstrap_ci95"][1].get<double>(), 0);
  EXPECT_EQ(fd.verdict, "not supported");
}

TEST(AnalysisFindings, PowerLawInBatchSizeGivesItsExponent) {
  Folder f;
  // Three architectures at batch 16, 64, 256; energy per sample = a * batch^-0.5 exactly.
  int k = 0;
  for (int arch = 1; arch <= 3; ++arch)
    for (int b : {16, 64, 256}) {
      auto& r = f.run(fmt::format("r{}", k++), {arch * 10}, b, arch * 1000, arch * 900);
      r["energy_per_train_sample_j"] = 0.01 * arch * std::pow(b, -0.5);
      r["learning_rate"] = 0.001 * b;  // training keys other than the batch do not split settings
    }
  const auto fd = find(f.write_and_read(), 2);
  EXPECT_EQ(fd.n, 9);
  EXPECT_EQ(fd.numbers["settings"].get<int>(), 3);
  EXPECT_NEAR(fd.numbers["median_slope_loglog"].get<double>(), -0.5, 1e-12);
  EXPECT_NEAR(fd.numbers["per_doubling_change"].get<double>(), std::pow(2.0, -0.5) - 1, 1e-12);
  for (const auto& s : fd.numbers["per_setting"]) {
    EXPECT_NEAR(s["energy_per_sample_ratio_max_to_min"].get<double>(), 1.0 / 4,
                1e-12);  // (256/16)^-0.5
    EXPECT_NEAR(s["slope_ci95"][0].get<double>(), -0.5,
                1e-9);  // no residual: a zero-width interval
  }
  EXPECT_EQ(fd.verdict, "supported");
}

TEST(AnalysisFindings, InferenceShareAndBreakEvenFromKnownEnergies) {
  Folder f;
  // 100 J of training and 1e-4 J per inference: at 1e6 inferences 100 J each, share 1/2,
  // break-even 1e6. 10 J of training: share 100/110, break-even 1e5.
  f.run("a", {8}, 32, 100, 100)
      .update({{"energy_train_j", 100.0}, {"energy_per_infer_sample_j", 1e-4}});
  f.run("b", {9}, 32, 100, 100)
      .update({{"energy_train_j", 10.0}, {"energy_per_infer_sample_j", 1e-4}});
  const auto fd = find(f.write_and_read(), 3);
  EXPECT_EQ(fd.n, 2);
  EXPECT_DOUBLE_EQ(fd.numbers["served_inferences"].get<double>(), 1e6);
  EXPECT_NEAR(fd.numbers["median_inference_share"].get<double>(), (0.5 + 100.0 / 110) / 2, 1e-12);
  EXPECT_NEAR(fd.numbers["median_breakeven_inferences"].get<double>(), (1e6 + 1e5) / 2, 1e-3);
  EXPECT_NEAR(fd.numbers["min_breakeven_inferences"].get<double>(), 1e5, 1e-6);
  EXPECT_EQ(fd.numbers["runs_where_inference_dominates"].get<int>(), 1);
}

TEST(AnalysisFindings, WarmUpEpochBiasesTheFirstEpochProjection) {
  Folder f;
  // Run w: training epochs of 12, 10, 10, 10 J (a costly first epoch); measured 42 J; first
  // epoch x 4 = 48 J (+14.29%); second epoch x 4 = 40 J (-4.76%). Run s: 10, 10 J, no error.
  f.run("w", {8}, 32, 100, 100);
  f.run("s", {9}, 32, 100, 100);
  int e = 1;
  for (double j : {12.0, 10.0, 10.0, 10.0}) {
    f.epochs += fmt::format("w,{},train,1.0,{},1000,0.5,0.8,0\n", e, j);
    f.epochs += fmt::format("w,{},infer,0.1,1.0,100,0.5,0.8,0\n", e++);
  }
  f.epochs += "s,1,train,1.0,10,1000,0.5,0.8,0\ns,2,train,1.0,10,1000,0.5,0.8,0\n";
  f.epochs +=
      "gone,1,train,1.0,99,1000,0.5,0.8,0\ngone,2,train,1.0,1,1000,0.5,0.8,0\n";  // no run row:
                                                                                  // ignored
  const auto fd = find(f.write_and_read(), 4);
  EXPECT_EQ(fd.n, 2);
  EXPECT_NEAR(fd.numbers["first_epoch_median_abs_error"].get<double>(), (48.0 / 42 - 1) / 2, 1e-12);
  EXPECT_NEAR(fd.numbers["first_epoch_max_abs_error"].get<double>(), 48.0 / 42 - 1, 1e-12);
  EXPECT_EQ(fd.numbers["second_epoch_n"].get<int>(), 1);
  EXPECT_NEAR(fd.numbers["second_epoch_median_abs_error"].get<double>(), 1 - 40.0 / 42, 1e-12);
  EXPECT_EQ(fd.verdict, "supported");  // the second-epoch projection is within 5%
}

TEST(AnalysisFindings, ExactPowerLawInParamsIsPredictedLeavingArchitecturesOut) {
  Folder f;
  for (int i = 0; i < 6; ++i) {
    const int64_t p = int64_t(1000 * std::pow(3.0, i));
    for (int b : {32, 64}) {  // two runs per architecture, both held out together
      auto& r = f.run(fmt::format("r{}_{}", i, b), {i + 1}, b, p, p * 2);
      r["energy_j"] = 2e-3 * std::pow(double(p), 0.9);
    }
  }
  auto fd = find(f.write_and_read(), 5);
  EXPECT_EQ(fd.n, 12);
  EXPECT_EQ(fd.numbers["n_architectures"].get<int>(), 6);
  EXPECT_LT(fd.numbers["params"]["mape"].get<double>(), 1e-9);
  EXPECT_NEAR(fd.numbers["loglog_slope_params"].get<double>(), 0.9, 1e-9);
  EXPECT_EQ(fd.verdict, "supported");

  // Energy unrelated to size: the held-out error is large and the claim fails.
  Folder g;
  const double scramble[6] = {50, 1, 400, 3, 90, 7};
  for (int i = 0; i < 6; ++i)
    g.run(fmt::format("q{}", i), {i + 1}, 32, 1000 * (i + 1), 1000)["energy_j"] = scramble[i];
  fd = find(g.write_and_read(), 5);
  EXPECT_GT(fd.numbers["params"]["mape"].get<double>(), 1.0);
  EXPECT_EQ(fd.verdict, "not supported");
}

TEST(AnalysisFindings, TooLittleDataSaysSo) {
  Folder f;
  f.run("a", {8}, 32, 100, 100).update({{"energy_j", 1.0}, {"energy_per_train_sample_j", 1e-3}});
  f.run("b", {9}, 32, 200, 300).update({{"energy_j", 2.0}, {"energy_per_train_sample_j", 2e-3}});
  const auto folder = f.write_and_read();
  for (int id : {1, 2, 3, 4, 5}) {
    const auto fd = find(folder, id);
    EXPECT_EQ(fd.verdict, kNotEnoughData) << id;
    EXPECT_FALSE(fd.summary.empty()) << id;
  }
  const auto a = analysis_compute(folder, FindingOptions{});
  EXPECT_TRUE(a["source"]["estimated"].get<bool>());
  EXPECT_NE(analysis_text(a).find("not enough data"), std::string::npos);
}

TEST(AnalysisPareto, OneFrontPerDataSetOfTrainedRunsOnly) {
  // Two tasks: a cheaper run on one data set must not hide the other's front, and an
  // inference-only run (an untrained model's accuracy, no training time) is on no front.
  Folder f;
  auto put = [&](const char* id, const char* dataset, double j, double acc, double train_s) {
    f.run(id, {8}, 32, 100, 100)
        .update(
            {{"dataset", dataset}, {"energy_j", j}, {"test_accuracy", acc}, {"train_s", train_s}});
  };
  put("fm_cheap", "fashion-mnist", 10, 0.80, 1);
  put("fm_best", "fashion-mnist", 30, 0.90, 3);
  put("fm_dominated", "fashion-mnist", 40, 0.85, 4);
  put("c10_cheap", "cifar10", 50, 0.40, 5);
  put("c10_best", "cifar10", 90, 0.60, 9);
  put("untrained", "fashion-mnist", 1, 0.95, 0);
  const auto a = analysis_compute(f.write_and_read(), FindingOptions{});
  std::vector<std::string> ids, datasets;
  for (const auto& p : a["pareto"]) {
    ids.push_back(p["run_id"].get<std::string>());
    datasets.push_back(p["dataset"].get<std::string>());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"fm_cheap", "fm_best", "c10_cheap", "c10_best"}));
  EXPECT_EQ(datasets,
            (std::vector<std::string>{"fashion-mnist", "fashion-mnist", "cifar10", "cifar10"}));
}

}  // namespace
}  // namespace greenbench::analysis
