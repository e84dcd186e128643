// In-run adaptation (docs/grids.md, "adapt"): the choice rule on made-up profiles (the lowest
// objective per sample, the tuner's objectives), then through the real binary on synthetic data
// with the estimate meter: a run adapting threads records both values' profile windows inside
// its training, keeps the value whose recorded cost is lowest and records it in its threads
// column; a profile longer than an epoch goes on in the next; profile and tune refuse adapt.
// Hardware knobs on fake trees: cli_knobs_test.cpp. Bad keys: grids/bad_adapt_*.yaml.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "adapt_run.hpp"
#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

using testing::jsonl_of;

AdaptValueProfile made_up(double energy_j, double seconds, int64_t samples) {
  AdaptValueProfile v;
  v.energy_j = energy_j;
  v.seconds = seconds;
  v.samples = samples;
  return v;
}

// Three values: A costs 0.1 J and 10 ms per sample at 10 W, B 0.06 J and 20 ms at 3 W, C the
// least energy in all (4 J) but over only 20 samples (0.2 J per sample). Each objective's pick
// worked out by hand.
TEST(AdaptChoose, PicksTheLowestObjectivePerSample) {
  const std::vector<AdaptValueProfile> profile = {made_up(10, 1, 100), made_up(6, 2, 100),
                                                  made_up(4, 0.4, 20)};
  struct Case {
    TuneObjective objective;
    double eta;
    int want;
    double want_a;  // A's objective per sample
  };
  for (const Case& c :
       {Case{TuneObjective::energy, 0.5, 1, 0.1}, Case{TuneObjective::time, 0.5, 0, 0.01},
        Case{TuneObjective::edp, 0.5, 0, 0.001},
        // P_max = 10 W (A): A 0.5*0.1 + 0.5*10*0.01 = 0.1; B 0.03 + 0.1 = 0.13
        Case{TuneObjective::zeus, 0.5, 0, 0.1},
        // A 0.09 + 0.01 = 0.1; B 0.054 + 0.02 = 0.074
        Case{TuneObjective::zeus, 0.9, 1, 0.1}}) {
    SCOPED_TRACE(tune_objective_name(c.objective) + " eta " + std::to_string(c.eta));
    auto values = profile;
    TuneCost cost{c.objective, c.eta};
    EXPECT_EQ(adapt_choose(values, cost), c.want);
    EXPECT_DOUBLE_EQ(cost.max_power_w, 10);
    EXPECT_NEAR(values[0].objective, c.want_a, 1e-12);
  }
  // A value without samples is no candidate; none with samples: no choice.
  std::vector<AdaptValueProfile> none = {made_up(0, 0, 0), made_up(1, 1, 0)};
  TuneCost cost;
  EXPECT_EQ(adapt_choose(none, cost), -1);
  EXPECT_TRUE(std::isnan(none[0].objective));
}

using Folder = testing::StateFolder;

// The index of the lowest `objective` of the profile's values, recomputed here from their
// energy, seconds and samples (zeus: P_max the highest energy / seconds among them).
size_t argmin_of(const nlohmann::json& p) {
  double max_power_w = 0;
  for (const auto& v : p["values"])
    max_power_w = std::max(max_power_w, v["energy_j"].get<double>() / v["seconds"].get<double>());
  const std::string objective = p["objective"];
  const double eta = p["eta"];
  size_t best = 0;
  double best_cost = INFINITY;
  for (size_t i = 0; i < p["values"].size(); ++i) {
    const auto& v = p["values"][i];
    const double n = v["samples"].get<double>();
    const double e = v["energy_j"].get<double>() / n, t = v["seconds"].get<double>() / n;
    const double cost = objective == "energy" ? e
                        : objective == "time" ? t
                        : objective == "edp"  ? e * t
                                              : eta * e + (1 - eta) * max_power_w * t;
    EXPECT_NEAR(v["objective"].get<double>(), cost, 1e-9 * std::abs(cost)) << v.dump();
    if (cost < best_cost) best_cost = cost, best = i;
  }
  return best;
}

TEST(CliAdapt, ThreadsProfileRecordsBothValuesAndTheRunKeepsTheCheapest) {
  for (const std::string objective : {"energy", "zeus"}) {
    SCOPED_TRACE(objective);
    Folder f;
    auto r = f.quick_run(
        {"hidden=[64]", "train_samples=2000", "test_samples=200", "batch_size=32", "epochs=1",
         "adapt={knob: threads, values: [1, 2], steps: 10, objective: " + objective +
             ", eta: 0.3}"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto row = jsonl_of(f.dir + "/res/runs.jsonl").at(0);
    EXPECT_EQ(row["status"], "ok") << row.dump();
    const auto& p = row["adapt_profile"];
    ASSERT_TRUE(p.is_object()) << row.dump();
    EXPECT_EQ(p["knob"], "threads");
    EXPECT_EQ(p["objective"], objective);
    ASSERT_EQ(p["values"].size(), 2u);
    double profile_j = 0, profile_s = 0;
    for (size_t i = 0; i < 2; ++i) {
      const auto& v = p["values"][i];
      EXPECT_EQ(v["value"], int(i) + 1);
      EXPECT_EQ(v["in_force"], int(i) + 1);
      EXPECT_EQ(v["steps"], 10);
      EXPECT_EQ(v["samples"], 320);  // 10 full batches of 32
      EXPECT_EQ(v["windows"], 1);
      EXPECT_GT(v["energy_j"].get<double>(), 0);
      EXPECT_GT(v["seconds"].get<double>(), 0);
      profile_j += v["energy_j"].get<double>();
      profile_s += v["seconds"].get<double>();
    }
    ASSERT_EQ(p["complete"], true);
    const size_t best = argmin_of(p);
    EXPECT_EQ(p["chosen"], p["values"][best]["value"]);
    EXPECT_EQ(row["threads"], p["chosen"]);  // the value in force for the rest of the run
    EXPECT_TRUE(row["knobs"].is_null());
    // The profile's steps are the run's training: its windows lie inside the train phase.
    EXPECT_LE(profile_j, row["energy_train_j"].get<double>() + 1e-9);
    EXPECT_LE(profile_s, row["train_s"].get<double>() + 1e-9);
    EXPECT_EQ(row["train_samples"], 2000);
  }
}

// Epochs of 4 steps (100 samples at batch 32: 32, 32, 32, 4), 6 steps per value: the profile goes
// on across epochs in several windows, counting the short last batch's samples.
TEST(CliAdapt, AProfileLongerThanAnEpochGoesOnInTheNext) {
  Folder f;
  auto r = f.quick_run({"hidden=[16]", "train_samples=100", "test_samples=50", "batch_size=32",
                        "epochs=4", "adapt={knob: threads, values: [2, 1], steps: 6}"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto row = jsonl_of(f.dir + "/res/runs.jsonl").at(0);
  const auto& p = row["adapt_profile"];
  ASSERT_EQ(p["values"].size(), 2u) << row.dump();
  // Value 2: epoch 1's 4 steps, then 2 of epoch 2; value 1: epoch 2's last 2, 4 of epoch 3.
  EXPECT_EQ(p["values"][0]["steps"], 6);
  EXPECT_EQ(p["values"][0]["windows"], 2);
  EXPECT_EQ(p["values"][0]["samples"], 32 * 3 + 4 + 32 * 2);
  EXPECT_EQ(p["values"][1]["steps"], 6);
  EXPECT_EQ(p["values"][1]["windows"], 2);
  EXPECT_EQ(p["values"][1]["samples"], 32 + 4 + 32 * 3 + 4);
  ASSERT_EQ(p["complete"], true);
  EXPECT_EQ(p["chosen"], p["values"][argmin_of(p)]["value"]);
  EXPECT_EQ(row["threads"], p["chosen"]);
}

TEST(CliAdapt, ProfileAndTuneRefuseAdapt) {
  Folder f;
  const std::string grid =
      f.write("grid.yaml",
              "name: a\nmeter: estimate\nexperiments:\n  - workload: mlp\n    set: {dataset: "
              "synthetic, hidden: [16], train_samples: 200, test_samples: 50,\n"
              "          adapt: {knob: threads, values: [1, 2], steps: 1}}\n");
  for (const std::string command : {"profile", "tune"}) {
    auto r = testing::cli_run({command, grid, "--out", f.dir + "/out-" + command}, f.env());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(command + ": run mlp"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("has adapt"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace greenbench
