// `greenbench profile --calibrate-host` and the host calibration end to end (docs/profile.md,
// "Host calibration", "Too noisy"): the state file's shape under GREENBENCH_STATE_DIR, a
// profile that reads it, a hand-made calibration of a host whose speed jumps making the interval
// wider and the run too_noisy, and bad input exiting 2 before any work.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

std::vector<std::string> tiny_profile(const std::string& out) {
  return {"profile",  "--workload",
          "mlp",      "--meter",
          "estimate", "--json",
          "--out",    out,
          "--set",    "dataset=synthetic",
          "--set",    "train_samples=4096",
          "--set",    "test_samples=256",
          "--set",    "epochs=3",
          "--set",    "hidden=[64]",
          "--set",    "batch_size=16"};
}

TEST(CliProfileHost, CalibrationWritesTheStateFileAndProfilesReadIt) {
  testing::TempFolder state, out;
  const std::map<std::string, std::string> env = {{"GREENBENCH_STATE_DIR", state.dir}};
  auto r = testing::cli_run(
      {"profile", "--calibrate-host", "--calibrate-s", "5", "--meter", "estimate"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("Allan deviation"), std::string::npos) << r.err;
  const auto cal = nlohmann::json::parse(testing::slurp(state.dir + "/host-noise.json"));
  const auto series = cal.at("series").get<std::vector<double>>();
  ASSERT_GE(series.size(), 10u);  // 5 s in blocks of ~0.25 s, the first dropped
  double sum = 0;
  for (double v : series) sum += v;
  EXPECT_NEAR(sum / double(series.size()), 1.0, 1e-9);  // relative to the mean
  const double block_s = cal.at("block_s").get<double>();
  EXPECT_GE(block_s, 0.25);
  EXPECT_LT(block_s, 1.0);
  EXPECT_NEAR(cal.at("seconds").get<double>(), block_s * double(series.size()), 1e-6);
  ASSERT_FALSE(cal.at("points").empty());
  EXPECT_NEAR(cal["points"][0]["tau_s"].get<double>(), block_s, 1e-9);

  r = testing::cli_run(tiny_profile(out.dir), env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["host_calibration"]["measured_at"], cal["measured_at"]);
  EXPECT_TRUE(j["too_noisy_runs"].is_number_integer());
  EXPECT_TRUE(j["runs"][0]["too_noisy"].is_boolean());
  EXPECT_GE(j["runs"][0]["slow_rel_sd"].get<double>(), 0.0);

  auto args = tiny_profile(out.dir);
  args.push_back("--no-host-calibration");
  r = testing::cli_run(args, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(nlohmann::json::parse(r.out)["host_calibration"].is_null());
}

// A hand-made calibration of a host whose speed jumps between 0.1 and 1.9 of its mean every
// second (800 blocks of 0.05 s, a small alternation on top), written into `state`.
void jumpy_host_write(const testing::TempFolder& state) {
  nlohmann::json series = nlohmann::json::array();
  for (int i = 0; i < 800; i++) series.push_back((i / 20 % 2 ? 1.9 : 0.1) + (i % 2 ? 0.01 : -0.01));
  state.write("host-noise.json",
              nlohmann::json{{"measured_at", "2026-12-02T06:00:00Z"},
                             {"seconds", 40.0},
                             {"workload", "hand-made"},
                             {"block_s", 0.05},
                             {"points", {{{"tau_s", 0.05}, {"rel_avar", 0.0004}, {"pairs", 799}}}},
                             {"series", series}}
                  .dump());
}

TEST(CliProfileHost, AJumpyHostWidensTheIntervalAndIsReportedTooNoisy) {
  // A host whose speed jumps between 0.1 and 1.9 of its mean every second (blocks of 0.05 s, a
  // small alternation on top): projecting the rest of a run from a profile errs by tens of
  // percent there. The run: ~1 s, half of it profiled, so its blocks are well above the meter's
  // resolution even on a loaded machine.
  testing::TempFolder state, out;
  jumpy_host_write(state);
  const std::map<std::string, std::string> env = {{"GREENBENCH_STATE_DIR", state.dir}};
  auto args = tiny_profile(out.dir);
  args.insert(args.end(), {"--budget", "0.5", "--set", "train_samples=20000", "--set", "epochs=2",
                           "--set", "hidden=[128]", "--set", "batch_size=32"});
  auto with = testing::cli_run(args, env);
  ASSERT_EQ(with.exit_code, 0) << with.err;
  args.push_back("--no-host-calibration");
  auto without = testing::cli_run(args, env);
  ASSERT_EQ(without.exit_code, 0) << without.err;
  auto half = [](const nlohmann::json& run) {
    return (run["high_j"].get<double>() - run["low_j"].get<double>()) / 2 /
           run["predicted_j"].get<double>();
  };
  const auto jw = nlohmann::json::parse(with.out), jo = nlohmann::json::parse(without.out);
  EXPECT_GT(half(jw["runs"][0]), half(jo["runs"][0]));
  EXPECT_GT(half(jw["runs"][0]), 0.05);
  EXPECT_TRUE(jw["runs"][0]["too_noisy"].get<bool>()) << with.out;
  EXPECT_GT(jw["runs"][0]["slow_rel_sd"].get<double>(), 0.05);
  EXPECT_EQ(jw["too_noisy_runs"], 1);
  EXPECT_NE(with.err.find("host too noisy"), std::string::npos) << with.err;
  EXPECT_NE(with.err.find("2026-12-02T06:00:00Z"), std::string::npos) << with.err;
}

TEST(CliProfileHost, TuneProfilesTiesAgainAndSaysWhichAreLeft) {
  // Two configurations that cost the same (only the learning rate differs) on a host whose
  // calibration jumps by +-90%: their intervals overlap, so both are profiled again in every
  // round (more steps), and the ones still overlapping the choice are listed as ties.
  testing::TempFolder state;
  jumpy_host_write(state);
  const std::string grid = state.write(
      "ties.yaml",
      "name: ties\nmeter: estimate\nexperiments:\n  - workload: mlp\n    set: {dataset: "
      "synthetic, train_samples: 8000, test_samples: 500, epochs: 2, hidden: [64]}\n"
      "    grid:\n      learning_rate: [0.01, 0.02]\n");
  auto r = testing::cli_run(
      {"tune", grid, "--objective", "energy", "--json", "--rounds", "2", "--budget", "0.1"},
      {{"GREENBENCH_STATE_DIR", state.dir}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["ranking"].size(), 2u);
  for (const auto& c : j["ranking"]) EXPECT_EQ(c["rounds"], 2) << j.dump(1);  // profiled again
  ASSERT_EQ(j["tied_with"].size(), 1u) << j.dump(1);
  EXPECT_EQ(j["tied_with"][0], j["ranking"][1]["config_id"]);
  const auto& high = j["ranking"][0]["high"];  // null: unbounded
  if (!high.is_null()) {
    EXPECT_LE(j["ranking"][1]["low"].get<double>(), high.get<double>());
  }
  EXPECT_TRUE(j["host_noisy"].get<bool>());
  r = testing::cli_run({"tune", grid, "--objective", "energy", "--rounds", "2", "--budget", "0.1"},
                       {{"GREENBENCH_STATE_DIR", state.dir}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tie: "), std::string::npos) << r.out;
}

TEST(CliProfileHost, BadInputExitsTwoBeforeAnyWork) {
  testing::TempFolder state, out;
  const std::string bad = state.write("host-noise.json", "{\"points\": 3}");
  const std::map<std::string, std::string> env = {{"GREENBENCH_STATE_DIR", state.dir}};
  auto r = testing::cli_run(tiny_profile(out.dir), env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--calibrate-host"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(out.dir + "/profile.json"));
  EXPECT_EQ(testing::slurp(bad), "{\"points\": 3}");  // left as it was
  EXPECT_EQ(testing::cli_run({"profile", "--calibrate-host", "--calibrate-s", "1"}, env).exit_code,
            2);
  EXPECT_EQ(
      testing::cli_run({"profile", "--calibrate-host", "--no-host-calibration"}, env).exit_code, 2);
  EXPECT_EQ(testing::slurp(bad), "{\"points\": 3}");
}

}  // namespace
}  // namespace greenbench
