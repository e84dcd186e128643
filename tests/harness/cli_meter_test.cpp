// End-to-end tests of `greenbench meter` through the real binary: the probe, exit codes,
// signal forwarding, JSON shape, usage errors. The per-source accuracy against fake trees is
// in tests/meter/*_e2e_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "run_cli.hpp"

namespace greenbench {
namespace {

using testing::cli_run;

// Fake roots with nothing in them: no counter of any kind, as on this VM.
std::map<std::string, std::string> no_counters_env(const std::string& empty_dir) {
  return {{"GREENBENCH_SYSFS_ROOT", empty_dir},
          {"GREENBENCH_DEV_ROOT", empty_dir},
          {"GREENBENCH_NVML_LIBRARY", empty_dir + "/libnvidia-ml.so.1"}};
}

TEST(CliMeter, ProbeNamesEstimateAndSaysWhyEachOtherSourceIsUnavailable) {
  const std::string empty = testing::temp_dir_make("gb_empty");
  auto r = cli_run({"meter", "probe", "--json"}, no_counters_env(empty));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["auto"], "estimate");
  EXPECT_TRUE(j["estimated"].get<bool>());
  EXPECT_NE(j["auto_note"].get<std::string>().find("estimate"), std::string::npos);
  int unavailable = 0;
  for (const auto& s : j["sources"]) {
    if (s["name"] == "estimate") {
      EXPECT_TRUE(s["available"].get<bool>());
      continue;
    }
    EXPECT_FALSE(s["available"].get<bool>()) << s.dump();
    EXPECT_FALSE(s["reason"].get<std::string>().empty()) << s.dump();
    EXPECT_FALSE(s["file"].get<std::string>().empty()) << s.dump();
    EXPECT_FALSE(s["fix"].get<std::string>().empty()) << s.dump();
    ++unavailable;
  }
  EXPECT_EQ(unavailable, 4);  // rapl, perf, msr, nvml
  auto text = cli_run({"meter", "probe"}, no_counters_env(empty));
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("auto      -> estimate"), std::string::npos) << text.out;
  std::system(("rm -rf " + empty).c_str());
}

TEST(CliMeter, ExitsWithTheCommandsExitCode) {
  const std::string empty = testing::temp_dir_make("gb_empty");
  EXPECT_EQ(cli_run({"meter", "--", "sh", "-c", "exit 7"}, no_counters_env(empty)).exit_code, 7);
  EXPECT_EQ(cli_run({"meter", "--", "true"}, no_counters_env(empty)).exit_code, 0);
  EXPECT_EQ(cli_run({"meter", "--", "sh", "-c", "kill -KILL $$"}, no_counters_env(empty)).exit_code,
            128 + 9);
  EXPECT_EQ(cli_run({"meter", "--", "/nonexistent/command"}, no_counters_env(empty)).exit_code,
            127);
  std::system(("rm -rf " + empty).c_str());
}

TEST(CliMeter, JsonHasTheContractsFieldsAndIsLabelledEstimated) {
  const std::string empty = testing::temp_dir_make("gb_empty");
  auto r = cli_run({"meter", "--json", "--interval-ms", "20", "--", "sleep", "0.3"},
                   no_counters_env(empty));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key :
       {"source", "estimated", "duration_s", "energy_j", "avg_power_w", "exit_code"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["source"], "estimate");
  EXPECT_TRUE(j["estimated"].get<bool>());
  EXPECT_NEAR(j["duration_s"].get<double>(), 0.3, 0.25);
  EXPECT_GT(j["energy_j"]["total"].get<double>(), 0.0);
  EXPECT_NEAR(j["avg_power_w"].get<double>() * j["duration_s"].get<double>(),
              j["energy_j"]["total"].get<double>(), 1e-6);
  EXPECT_NE(r.err.find("estimate"), std::string::npos);  // said on stderr too
  std::system(("rm -rf " + empty).c_str());
}

TEST(CliMeter, ForwardsSignalsToTheCommand) {
  const std::string dir = testing::temp_dir_make("gb_sig");
  // The command exits 42 on SIGTERM; greenbench must pass the signal on and return 42.
  int pid = testing::cli_spawn({"meter", "--", "sh", "-c", "trap 'exit 42' TERM; sleep 20 & wait"},
                               no_counters_env(dir), dir + "/out", dir + "/err");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  kill(pid, SIGTERM);
  EXPECT_EQ(testing::cli_wait(pid), 42);
  std::system(("rm -rf " + dir).c_str());
}

TEST(CliMeter, TraceFileIsWritten) {
  const std::string dir = testing::temp_dir_make("gb_trace");
  auto r =
      cli_run({"meter", "--interval-ms", "10", "--trace", dir + "/trace.csv", "--", "sleep", "0.2"},
              no_counters_env(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  FILE* f = fopen((dir + "/trace.csv").c_str(), "r");
  ASSERT_NE(f, nullptr);
  char header[256] = {0};
  ASSERT_NE(fgets(header, sizeof header, f), nullptr);
  EXPECT_EQ(std::string(header), "t_s,cpu_w,dram_w\n");
  int rows = 0;
  for (char line[256]; fgets(line, sizeof line, f);) ++rows;
  fclose(f);
  EXPECT_GE(rows, 5);  // ~20 samples at 10 ms over 0.2 s
  std::system(("rm -rf " + dir).c_str());
}

TEST(CliMeter, UsageErrorsAreExit2) {
  EXPECT_EQ(cli_run({"meter", "--source", "bogus", "--", "true"}).exit_code, 2);
  EXPECT_EQ(cli_run({"meter"}).exit_code, 2);
  EXPECT_EQ(cli_run({"meter", "--interval-ms", "0", "--", "true"}).exit_code, 2);
  EXPECT_EQ(cli_run({"no-such-command"}).exit_code, 2);
}

TEST(CliMeter, NamedSourceThatCannotBeReadIsExit2NamingTheFile) {
  const std::string empty = testing::temp_dir_make("gb_empty");
  for (const char* source : {"rapl", "perf", "msr", "nvml"}) {
    auto r = cli_run({"meter", "--source", source, "--", "true"}, no_counters_env(empty));
    EXPECT_EQ(r.exit_code, 2) << source << ": " << r.err;
    EXPECT_NE(r.err.find("file:"), std::string::npos) << source << ": " << r.err;
    EXPECT_NE(r.err.find("fix:"), std::string::npos) << source << ": " << r.err;
  }
  std::system(("rm -rf " + empty).c_str());
}

// -o FILE: the JSON goes to FILE, the command keeps stdout to itself; a place that cannot be
// written is exit 2 before the command runs.
TEST(CliMeter, OutputFileKeepsTheCommandsStdoutClean) {
  const std::string dir = testing::temp_dir_make("gb_meter_o");
  const std::string file = dir + "/m.json";
  auto r = cli_run({"meter", "-o", file, "--", "echo", "hello"}, no_counters_env(dir));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello\n");
  std::ifstream in(file);
  const auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["source"], "estimate");
  EXPECT_EQ(j["exit_code"], 0);
  EXPECT_TRUE(j["warnings"].is_array());
  EXPECT_GT(j["energy_j"]["total"].get<double>(), 0.0);
  // With --json as well, stdout is still the command's only.
  auto both = cli_run({"meter", "--json", "-o", file, "--", "echo", "again"}, no_counters_env(dir));
  ASSERT_EQ(both.exit_code, 0) << both.err;
  EXPECT_EQ(both.out, "again\n");
  const std::string marker = dir + "/ran";
  auto bad = cli_run({"meter", "-o", dir + "/no/such/folder/m.json", "--", "touch", marker},
                     no_counters_env(dir));
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("no/such/folder"), std::string::npos) << bad.err;
  EXPECT_NE(access(marker.c_str(), F_OK), 0) << "the command ran although -o cannot be written";
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace greenbench
