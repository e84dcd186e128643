// Liveness before trust (meter/liveness.cpp): counters that do not advance during the check are
// dropped and named; a source left without a package, psys or GPU counter is unavailable, with
// the counter named; the check stops early and stays inside its window. The perf case uses the
// fake PerfBackend seam (a `power` PMU whose energy-psys never moves). Not the CLI (e2e tests).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "fake_cpu_tree.hpp"
#include "perf.hpp"
#include "sources.hpp"
#include "unavailable.hpp"

namespace greenbench {
namespace {

using Clock = std::chrono::steady_clock;

// Counters that advance at `power_w[i]` watts with wall time (0 W = frozen), in microjoules.
class TimedSource final : public EnergySource {
 public:
  TimedSource(std::vector<CounterSpec> specs, std::vector<double> power_w, double update_period_s)
      : specs_(std::move(specs)), power_w_(std::move(power_w)), period_s_(update_period_s) {}
  std::string name() const override { return "timed"; }
  const std::vector<CounterSpec>& counters() const override { return specs_; }
  double update_period_s() const override { return period_s_; }
  void read(std::vector<std::optional<uint64_t>>& units) override {
    ++reads;
    const double t_s = std::chrono::duration<double>(Clock::now() - t0_).count();
    units.assign(specs_.size(), std::nullopt);
    for (size_t i = 0; i < specs_.size(); ++i)
      units[i] = 1000 + static_cast<uint64_t>(power_w_[i] * t_s * 1e6);
  }
  int reads = 0;

 private:
  std::vector<CounterSpec> specs_;
  std::vector<double> power_w_;
  double period_s_;
  Clock::time_point t0_ = Clock::now();
};

CounterSpec spec(const std::string& domain, DomainKind kind) {
  return {domain, kind, 1e-6, 0, "/fake/" + domain};
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

TEST(Liveness, FrozenDramIsDroppedAndNamedThePackageKept) {
  auto src =
      std::make_unique<TimedSource>(std::vector<CounterSpec>{spec("package-0", DomainKind::package),
                                                             spec("dram-0", DomainKind::dram)},
                                    std::vector<double>{40.0, 0.0}, 0.001);
  const auto t0 = Clock::now();
  auto dead = counters_liveness_check(*src, 0.3);
  const double took_s = seconds_since(t0);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].domain, "dram-0");
  EXPECT_NE(dead[0].reason.find("dram-0 (/fake/dram-0) present but not counting"),
            std::string::npos)
      << dead[0].reason;
  EXPECT_NE(dead[0].reason.find("constant at 1000"), std::string::npos) << dead[0].reason;
  // A frozen counter keeps the check to its full window, and no longer.
  EXPECT_GE(took_s, 0.29);
  EXPECT_LT(took_s, 0.6);

  auto live = source_live_only(std::move(src), dead);
  ASSERT_EQ(live->counters().size(), 1u);
  EXPECT_EQ(live->counters()[0].domain, "package-0");
  ASSERT_EQ(live->dropped().size(), 1u);
  EXPECT_EQ(live->describe()["dropped"][0]["domain"], "dram-0");
  std::vector<std::optional<uint64_t>> units;
  live->read(units);
  ASSERT_EQ(units.size(), 1u);
  EXPECT_GT(*units[0], 1000u);  // the package's reading, not the dram's
}

TEST(Liveness, StopsAsSoonAsEveryCounterMoved) {
  TimedSource src({spec("package-0", DomainKind::package), spec("dram-0", DomainKind::dram)},
                  {40.0, 5.0}, 0.001);
  const auto t0 = Clock::now();
  EXPECT_TRUE(counters_liveness_check(src, 5.0).empty());
  EXPECT_LT(seconds_since(t0), 0.1);  // far less than the 5 s window
}

TEST(Liveness, EveryCounterFrozenIsUnavailableNamingTheCounter) {
  auto src =
      std::make_unique<TimedSource>(std::vector<CounterSpec>{spec("package-0", DomainKind::package),
                                                             spec("core-0", DomainKind::core)},
                                    std::vector<double>{0.0, 0.0}, 0.001);
  auto dead = counters_liveness_check(*src, 0.05);
  ASSERT_EQ(dead.size(), 2u);
  const SourceUnavailable e =
      testing::unavailable_of([&] { source_live_only(std::move(src), dead); });
  EXPECT_TRUE(e.not_counting);
  EXPECT_NE(e.reason.find("package-0 (/fake/package-0) present but not counting"),
            std::string::npos)
      << e.reason;
  EXPECT_EQ(e.file, "/fake/package-0");
  EXPECT_NE(e.fix.find("estimate"), std::string::npos);
}

TEST(Liveness, OnlyACoreCountingIsNotEnough) {
  auto src =
      std::make_unique<TimedSource>(std::vector<CounterSpec>{spec("package-0", DomainKind::package),
                                                             spec("core-0", DomainKind::core)},
                                    std::vector<double>{0.0, 20.0}, 0.001);
  auto dead = counters_liveness_check(*src, 0.05);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_THROW(source_live_only(std::move(src), dead), SourceUnavailable);
}

TEST(Liveness, SourcesWithoutAnUpdatePeriodAreNotChecked) {
  TimedSource src({spec("cpu", DomainKind::package)}, {0.0}, 0.0);
  const auto t0 = Clock::now();
  EXPECT_TRUE(counters_liveness_check(src, 1.0).empty());
  EXPECT_LT(seconds_since(t0), 0.05);
  EXPECT_EQ(src.reads, 0);
}

TEST(Liveness, WindowIsAtLeastThreeUpdatePeriods) {
  TimedSource rapl_like({spec("package-0", DomainKind::package)}, {1.0}, 0.001);
  TimedSource nvml_like({spec("gpu-0", DomainKind::gpu)}, {1.0}, 0.2);
  unsetenv("GREENBENCH_LIVENESS_MS");
  EXPECT_DOUBLE_EQ(liveness_window_s(rapl_like), 0.3);
  EXPECT_DOUBLE_EQ(liveness_window_s(nvml_like), 0.6);
  setenv("GREENBENCH_LIVENESS_MS", "50", 1);
  EXPECT_DOUBLE_EQ(liveness_window_s(rapl_like), 0.05);
  setenv("GREENBENCH_LIVENESS_MS", "soon", 1);
  EXPECT_THROW(liveness_window_s(rapl_like), SourceUnavailable);
  unsetenv("GREENBENCH_LIVENESS_MS");
}

// The failure of the issue: a perf `power` PMU with energy-psys that exists and never counts.
class ConstantPerfBackend final : public detail::PerfBackend {
 public:
  int open(uint32_t, uint64_t, int) override { return 3; }
  std::optional<uint64_t> read(int) override { return 987654321; }
  void close(int) override {}
};

TEST(Liveness, PerfPsysPresentButNotCountingMakesPerfUnavailable) {
  fake_cpu::FakeCpuTree tree;
  tree.cpu_add(0, 0, 0);
  tree.paranoid_write(0);
  tree.power_pmu_write(23, "0");
  tree.power_event_write("energy-psys", 0x05);
  auto perf = detail::perf_source_open_with(tree.paths(), std::make_shared<ConstantPerfBackend>());
  ASSERT_EQ(perf->counters().size(), 1u);
  auto dead = counters_liveness_check(*perf, 0.1);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].domain, "psys");
  const SourceUnavailable e =
      testing::unavailable_of([&] { source_live_only(std::move(perf), dead); });
  EXPECT_EQ(e.source, "perf");
  EXPECT_TRUE(e.not_counting);
  EXPECT_NE(e.reason.find("energy-psys"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("not counting"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("constant at 987654321"), std::string::npos) << e.reason;
}

}  // namespace
}  // namespace greenbench
