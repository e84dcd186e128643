// End-to-end: `greenbench meter --source nvml --json -- sleep 3` against the fake NVML
// library, with and without its energy counter, within 1% of the programmed truth.
// Not the source-level tests (nvml_test.cpp).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "meter_cli.hpp"

namespace greenbench {
namespace {

using testing::energy_near;
using testing::meter_sleep;

// The fake NVML `library` with `gpus` GPUs at `power_w` ("W0,W1,..."), every one visible.
testing::Env fake_nvml_env(const char* library, const std::string& gpus,
                           const std::string& power_w) {
  return {{"GREENBENCH_NVML_LIBRARY", library},
          {"FAKE_NVML_GPUS", gpus},
          {"FAKE_NVML_POWER_W", power_w},
          {"CUDA_VISIBLE_DEVICES", ""}};
}

// Two GPUs at 150 W and 50 W: truth = 200 W x the window's duration.
void expect_within_one_percent(const char* library, const std::string& expect_method) {
  auto m = meter_sleep("nvml", "3", fake_nvml_env(library, "2", "150,50"));
  ASSERT_TRUE(m.j.is_object());
  EXPECT_EQ(m.j["source"], "nvml");
  EXPECT_FALSE(m.j["estimated"].get<bool>());
  EXPECT_NEAR(m.duration_s(), 3.0, 0.3);
  energy_near(m, "total", 200.0);
  energy_near(m, "gpu-0", 150.0);
  energy_near(m, "gpu-1", 50.0);
  EXPECT_NE(m.j["meter"]["nvml"].dump().find(expect_method), std::string::npos)
      << m.j["meter"].dump();
}

TEST(NvmlEndToEnd, EnergyCounterWithinOnePercent) {
  expect_within_one_percent(FAKE_NVML_LIB, "energy_counter");
}

TEST(NvmlEndToEnd, PowerIntegrationWithinOnePercent) {
  expect_within_one_percent(FAKE_NVML_NOENERGY_LIB, "power_integration");
}

TEST(NvmlEndToEnd, AutoAddsGpusToTheCpuSource) {
  auto env = fake_nvml_env(FAKE_NVML_LIB, "1", "100");
  env["GREENBENCH_SYSFS_ROOT"] = "/nonexistent";
  env["GREENBENCH_DEV_ROOT"] = "/nonexistent";
  auto m = meter_sleep("", "0.2", env);
  ASSERT_TRUE(m.j.is_object());
  EXPECT_EQ(m.j["source"], "estimate+nvml");
  EXPECT_TRUE(m.j["estimated"].get<bool>());  // the CPU part is modelled
  EXPECT_TRUE(m.j["energy_j"].contains("gpu-0"));
  EXPECT_TRUE(m.j["energy_j"].contains("cpu"));
}

}  // namespace
}  // namespace greenbench
