// End-to-end: `greenbench meter --source rapl --json -- sleep 3` against fake powercap trees
// whose counters wrap several times inside the window: packages + DRAM within 1% of the truth,
// mirrored AMD dies counted once, and a root-only energy_uj as exit 2 naming the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "fake_powercap.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

std::map<std::string, std::string> env_for(const test::FakePowercap& fake) {
  return {{"GREENBENCH_SYSFS_ROOT", fake.sysfs_root()}, {"GREENBENCH_PROC_ROOT", fake.proc_root()}};
}

TEST(RaplEndToEnd, WrappingCountersWithinOnePercent) {
  auto spec = test::fake_powercap_intel_2s();
  // Small ranges: packages wrap every 0.5 s, DRAM every 0.9 s: ~6 and ~3 wraps in 3 s.
  for (auto& z : spec.zones) {
    if (z.name.rfind("package", 0) == 0)
      z.max_energy_range_uj = static_cast<uint64_t>(z.power_w * 0.5e6);
    if (z.name == "dram") z.max_energy_range_uj = static_cast<uint64_t>(z.power_w * 0.9e6);
    z.initial_uj %= z.max_energy_range_uj;
  }
  test::FakePowercap fake(spec);
  fake.writer_start(0.001);
  auto r =
      testing::cli_run({"meter", "--source", "rapl", "--json", "--", "sleep", "3"}, env_for(fake));
  fake.writer_stop();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["source"], "rapl");
  EXPECT_FALSE(j["estimated"].get<bool>());
  const double d = j["duration_s"].get<double>();
  ASSERT_NEAR(d, 3.0, 0.5);
  // Constant power: the truth over the meter's own window is power x duration.
  const double pkg_w = 40 + 35, dram_w = 8 + 7;
  std::printf("rapl e2e: total %.4f J, truth %.4f J, error %+.4f%%\n",
              j["energy_j"]["total"].get<double>(), (pkg_w + dram_w) * d,
              100 * (j["energy_j"]["total"].get<double>() / ((pkg_w + dram_w) * d) - 1));
  EXPECT_NEAR(j["energy_j"]["total"].get<double>(), (pkg_w + dram_w) * d,
              0.01 * (pkg_w + dram_w) * d)
      << r.out;
  EXPECT_NEAR(j["energy_j"]["package-0"].get<double>(), 40 * d, 0.01 * 40 * d);
  EXPECT_NEAR(j["energy_j"]["dram-1"].get<double>(), 7 * d, 0.01 * 7 * d);
  // Sub-domains and psys are reported but not added.
  EXPECT_NEAR(j["energy_j"]["core-0"].get<double>(), 25 * d, 0.01 * 25 * d);
  EXPECT_NEAR(j["energy_j"]["psys"].get<double>(), 120 * d, 0.01 * 120 * d);
  EXPECT_EQ(j["resets"].get<int>(), 0);
  EXPECT_EQ(j["gap_s"].get<double>(), 0.0);
}

TEST(RaplEndToEnd, MirroredAmdDiesCountOnce) {
  test::FakePowercap fake(test::fake_powercap_amd_dies());
  fake.writer_start(0.001);
  auto r =
      testing::cli_run({"meter", "--source", "rapl", "--json", "--", "sleep", "1"}, env_for(fake));
  fake.writer_stop();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const double d = j["duration_s"].get<double>();
  double pkg_w = 0;
  for (const auto& z : fake.spec().zones)
    if (z.id == "intel-rapl:0") pkg_w = z.power_w;
  EXPECT_NEAR(j["energy_j"]["total"].get<double>(), pkg_w * d, 0.01 * pkg_w * d) << r.out;
  EXPECT_FALSE(j["energy_j"].contains("package-0-die-1"));
}

TEST(RaplEndToEnd, RootOnlyEnergyFileIsExit2NamingTheFile) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  test::FakePowercap fake(test::fake_powercap_intel_2s());
  fake.energy_deny_read("intel-rapl:0");
  auto r = testing::cli_run({"meter", "--source", "rapl", "--", "true"}, env_for(fake), "nobody");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(fake.energy_path("intel-rapl:0")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("fix:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("chmod"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace greenbench
