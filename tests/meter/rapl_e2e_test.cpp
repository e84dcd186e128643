// End-to-end: `greenbench meter --source rapl --json -- sleep 3` against fake powercap trees
// whose counters wrap several times inside the window: packages + DRAM within 1% of the truth,
// mirrored AMD dies counted once, and a root-only energy_uj as exit 2 naming the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "fake_powercap.hpp"
#include "meter_cli.hpp"

namespace greenbench {
namespace {

using testing::energy_near;
using testing::env_for;
using testing::meter_sleep;

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
  auto m = meter_sleep("rapl", "3", env_for(fake));
  fake.writer_stop();
  ASSERT_TRUE(m.j.is_object());
  EXPECT_EQ(m.j["source"], "rapl");
  EXPECT_FALSE(m.j["estimated"].get<bool>());
  ASSERT_NEAR(m.duration_s(), 3.0, 0.5);
  // Constant power: the truth over the meter's own window is power x duration.
  energy_near(m, "total", 40 + 35 + 8 + 7);  // packages and DRAM
  energy_near(m, "package-0", 40);
  energy_near(m, "dram-1", 7);
  // Sub-domains and psys are reported but not added.
  energy_near(m, "core-0", 25);
  energy_near(m, "psys", 120);
  EXPECT_EQ(m.j["resets"].get<int>(), 0);
  EXPECT_EQ(m.j["gap_s"].get<double>(), 0.0);
}

TEST(RaplEndToEnd, MirroredAmdDiesCountOnce) {
  test::FakePowercap fake(test::fake_powercap_amd_dies());
  fake.writer_start(0.001);
  auto m = meter_sleep("rapl", "1", env_for(fake));
  fake.writer_stop();
  ASSERT_TRUE(m.j.is_object());
  double pkg_w = 0;
  for (const auto& z : fake.spec().zones)
    if (z.id == "intel-rapl:0") pkg_w = z.power_w;
  energy_near(m, "total", pkg_w);
  EXPECT_FALSE(m.j["energy_j"].contains("package-0-die-1"));
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
