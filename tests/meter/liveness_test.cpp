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

// One counter of a TimedSource: its domain and kind, and the watts it advances at (0 = frozen).
struct Timed {
  std::string domain;
  DomainKind kind;
  double power_w;
};

// Counters that advance at their power with wall time, in microjoules, each at "/fake/DOMAIN".
class TimedSource final : public EnergySource {
 public:
  explicit TimedSource(const std::vector<Timed>& counters, double update_period_s = 0.001)
      : period_s_(update_period_s) {
    for (const Timed& c : counters) {
      specs_.push_back({c.domain, c.kind, 1e-6, 0, "/fake/" + c.domain});
      power_w_.push_back(c.power_w);
    }
  }
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

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

TEST(Liveness, FrozenDramIsDroppedAndNamedThePackageKept) {
  auto src = std::make_unique<TimedSource>(std::vector<Timed>{
      {"package-0", DomainKind::package, 40.0}, {"dram-0", DomainKind::dram, 0.0}});
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
  TimedSource src({{"package-0", DomainKind::package, 40.0}, {"dram-0", DomainKind::dram, 5.0}});
  const auto t0 = Clock::now();
  EXPECT_TRUE(counters_liveness_check(src, 5.0).empty());
  EXPECT_LT(seconds_since(t0), 0.1);  // far less than the 5 s window
}

// A package and a core counter at these watts after a 50 ms liveness check: `dead_count` of them
// found dead, and what source_live_only then throws.
SourceUnavailable package_and_core_unavailable(double package_w, double core_w, size_t dead_count) {
  auto src = std::make_unique<TimedSource>(std::vector<Timed>{
      {"package-0", DomainKind::package, package_w}, {"core-0", DomainKind::core, core_w}});
  auto dead = counters_liveness_check(*src, 0.05);
  EXPECT_EQ(dead.size(), dead_count);
  return testing::unavailable_of([&] { source_live_only(std::move(src), dead); });
}

TEST(Liveness, EveryCounterFrozenIsUnavailableNamingTheCounter) {
  const SourceUnavailable e = package_and_core_unavailable(0.0, 0.0, 2);
  EXPECT_TRUE(e.not_counting);
  EXPECT_NE(e.reason.find("package-0 (/fake/package-0) present but not counting"),
            std::string::npos)
      << e.reason;
  EXPECT_EQ(e.file, "/fake/package-0");
  EXPECT_NE(e.fix.find("estimate"), std::string::npos);
}

TEST(Liveness, OnlyACoreCountingIsNotEnough) {
  const SourceUnavailable e = package_and_core_unavailable(0.0, 20.0, 1);
  EXPECT_EQ(e.file, "/fake/package-0");
}

TEST(Liveness, SourcesWithoutAnUpdatePeriodAreNotChecked) {
  TimedSource src({{"cpu", DomainKind::package, 0.0}}, 0.0);
  const auto t0 = Clock::now();
  EXPECT_TRUE(counters_liveness_check(src, 1.0).empty());
  EXPECT_LT(seconds_since(t0), 0.05);
  EXPECT_EQ(src.reads, 0);
}

TEST(Liveness, WindowIsAtLeastThreeUpdatePeriods) {
  TimedSource rapl_like({{"package-0", DomainKind::package, 1.0}});
  TimedSource nvml_like({{"gpu-0", DomainKind::gpu, 1.0}}, 0.2);
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
