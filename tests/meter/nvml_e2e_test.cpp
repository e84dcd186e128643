// End-to-end: `greenbench meter --source nvml --json -- sleep 3` against the fake NVML
// library, with and without its energy counter, within 1% of the programmed truth.
// Not the source-level tests (nvml_test.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace greenbench {
namespace {

// Two GPUs at 150 W and 50 W: truth = 200 W x the window's duration.
void expect_within_one_percent(const char* library, const std::string& expect_method) {
  auto r = testing::cli_run({"meter", "--source", "nvml", "--json", "--", "sleep", "3"},
                            {{"GREENBENCH_NVML_LIBRARY", library},
                             {"FAKE_NVML_GPUS", "2"},
                             {"FAKE_NVML_POWER_W", "150,50"},
                             {"CUDA_VISIBLE_DEVICES", ""}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["source"], "nvml");
  EXPECT_FALSE(j["estimated"].get<bool>());
  const double duration_s = j["duration_s"].get<double>();
  EXPECT_NEAR(duration_s, 3.0, 0.3);
  const double truth_j = 200.0 * duration_s;
  EXPECT_NEAR(j["energy_j"]["total"].get<double>(), truth_j, 0.01 * truth_j) << r.out;
  EXPECT_NEAR(j["energy_j"]["gpu-0"].get<double>(), 150.0 * duration_s, 0.01 * 150.0 * duration_s);
  EXPECT_NEAR(j["energy_j"]["gpu-1"].get<double>(), 50.0 * duration_s, 0.01 * 50.0 * duration_s);
  EXPECT_EQ(j["meter"]["nvml"].dump().find(expect_method) != std::string::npos, true)
      << j["meter"].dump();
}

TEST(NvmlEndToEnd, EnergyCounterWithinOnePercent) {
  expect_within_one_percent(FAKE_NVML_LIB, "energy_counter");
}

TEST(NvmlEndToEnd, PowerIntegrationWithinOnePercent) {
  expect_within_one_percent(FAKE_NVML_NOENERGY_LIB, "power_integration");
}

TEST(NvmlEndToEnd, AutoAddsGpusToTheCpuSource) {
  auto r = testing::cli_run({"meter", "--json", "--", "sleep", "0.2"},
                            {{"GREENBENCH_NVML_LIBRARY", FAKE_NVML_LIB},
                             {"GREENBENCH_SYSFS_ROOT", "/nonexistent"},
                             {"GREENBENCH_DEV_ROOT", "/nonexistent"},
                             {"FAKE_NVML_GPUS", "1"},
                             {"CUDA_VISIBLE_DEVICES", ""}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["source"], "estimate+nvml");
  EXPECT_TRUE(j["estimated"].get<bool>());  // the CPU part is modelled
  EXPECT_TRUE(j["energy_j"].contains("gpu-0"));
  EXPECT_TRUE(j["energy_j"].contains("cpu"));
}

}  // namespace
}  // namespace greenbench
