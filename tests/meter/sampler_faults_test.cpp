// The sampler's fault handling (meter/sampler.cpp, meter/plausibility.cpp): a counter that stops
// advancing mid-window becomes a gap with NaN in the trace and a warning; implied power above
// the TDP ceiling or below the busy floor is flagged; the estimate model runs beside the
// counters (model_j). Against scripted sources whose truth is known. Not the liveness check.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "greenbench/meter.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

using Clock = std::chrono::steady_clock;

// One counter at `power_w` in microjoules, frozen from freeze_s on (and resuming at resume_s).
class FreezingSource final : public EnergySource {
 public:
  FreezingSource(std::string domain, DomainKind kind, double power_w, double freeze_s,
                 double resume_s, bool estimated = false, double update_period_s = 0.001)
      : power_w_(power_w),
        freeze_s_(freeze_s),
        resume_s_(resume_s),
        estimated_(estimated),
        period_s_(update_period_s) {
    specs_.push_back({std::move(domain), kind, 1e-6, 0, "/fake"});
  }
  std::string name() const override { return estimated_ ? "estimate" : "fake"; }
  bool estimated() const override { return estimated_; }
  double update_period_s() const override { return period_s_; }
  const std::vector<CounterSpec>& counters() const override { return specs_; }
  void read(std::vector<std::optional<uint64_t>>& units) override {
    const double t_s = std::chrono::duration<double>(Clock::now() - t0_).count();
    // While frozen the counter shows what it had at freeze_s; after resuming, the truth again.
    const double shown_s = (t_s >= freeze_s_ && t_s < resume_s_) ? freeze_s_ : t_s;
    units.assign(1, static_cast<uint64_t>(power_w_ * shown_s * 1e6));
  }

 private:
  std::vector<CounterSpec> specs_;
  double power_w_, freeze_s_, resume_s_;
  bool estimated_;
  double period_s_;
  Clock::time_point t0_ = Clock::now();
};

void sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

constexpr double kNever_s = 1e9;  // a freeze_s or resume_s no test reaches

// A package-0 counter at `power_w`, frozen over [freeze_s, resume_s).
std::unique_ptr<EnergySource> package_at(double power_w, double freeze_s = kNever_s,
                                         double resume_s = kNever_s) {
  return std::make_unique<FreezingSource>("package-0", DomainKind::package, power_w, freeze_s,
                                          resume_s);
}

// The estimate's "cpu" model at `power_w` (update period 0), frozen from freeze_s on.
std::unique_ptr<EnergySource> estimate_at(double power_w, double freeze_s = kNever_s) {
  return std::make_unique<FreezingSource>("cpu", DomainKind::package, power_w, freeze_s, kNever_s,
                                          true, 0.0);
}

// The sources of a Meter: `first`, and `second` where given.
std::vector<std::unique_ptr<EnergySource>> sources_of(std::unique_ptr<EnergySource> first,
                                                      std::unique_ptr<EnergySource> second = {}) {
  std::vector<std::unique_ptr<EnergySource>> v;
  v.push_back(std::move(first));
  if (second) v.push_back(std::move(second));
  return v;
}

const MeterOptions kEvery20ms{0.02, true};  // the sampler's period; the trace kept

// One window "w" of `seconds` on `meter`. With `sampled`, the sampler thread runs from before
// it begins until after it ends; without, the window has only its own begin and end reads.
EnergyWindow window_take(Meter& meter, double seconds, bool sampled = true) {
  if (sampled) meter.start();
  meter.begin("w");
  sleep_s(seconds);
  EnergyWindow w = meter.end("w");
  if (sampled) meter.stop();
  return w;
}

TEST(SamplerFaults, CounterFrozenMidWindowIsAGapWithNaNTraceAndAWarning) {
  Meter meter(sources_of(package_at(50.0, 0.4)), kEvery20ms);
  const EnergyWindow w = window_take(meter, 1.2);
  // Frozen from ~0.4 s to the end (~1.2 s): the gap covers that, the energy is the 0.4 s before.
  EXPECT_NEAR(w.gap_s, w.duration_s - 0.4, 0.06) << w.to_json().dump();
  EXPECT_NEAR(w.energy_j.at("package-0"), 50.0 * 0.4, 50.0 * 0.05);
  ASSERT_EQ(w.warnings.size(), 1u) << w.to_json().dump();
  EXPECT_NE(w.warnings[0].find("package-0: the counter stopped advancing"), std::string::npos);
  // The trace: watts before the freeze, NaN from the last change on.
  int finite_before = 0, nan_after = 0, finite_after = 0;
  for (const auto& p : meter.trace()) {
    if (p.t_s < 0.35) finite_before += std::isfinite(p.power_w[0]) ? 1 : 0;
    if (p.t_s > 0.45) (std::isnan(p.power_w[0]) ? nan_after : finite_after) += 1;
  }
  EXPECT_GT(finite_before, 5);
  EXPECT_GT(nan_after, 20);
  EXPECT_EQ(finite_after, 0);
}

TEST(SamplerFaults, ResumedCounterEndsTheGap) {
  Meter meter(sources_of(package_at(50.0, 0.3, 0.9)), kEvery20ms);
  const EnergyWindow w = window_take(meter, 1.5);
  EXPECT_NEAR(w.gap_s, 0.6, 0.06) << w.to_json().dump();
  // The counter resumed with the truth, so the energy is whole; the window is still flagged.
  EXPECT_NEAR(w.energy_j.at("package-0"), 50.0 * w.duration_s, 50.0 * 0.05);
  EXPECT_EQ(w.warnings.size(), 1u);
}

TEST(SamplerFaults, SlowCountersAndModelsAreNeverJudgedStuck) {
  // The estimate (update period 0) frozen for 1 s: never a gap, never a warning. And an
  // NVML-like counter (update period 0.1 s: stale after 2 s) frozen for 1 s: not stuck yet.
  auto nvml_like =
      std::make_unique<FreezingSource>("gpu-0", DomainKind::gpu, 10.0, 0.1, 1.1, false, 0.1);
  Meter meter(sources_of(estimate_at(10.0, 0.1), std::move(nvml_like)), kEvery20ms);
  const EnergyWindow w = window_take(meter, 1.3);
  EXPECT_EQ(w.gap_s, 0.0) << w.to_json().dump();
  EXPECT_TRUE(w.warnings.empty()) << w.to_json().dump();
  // The resumed counter's catch-up is kept: the whole 10 W x duration.
  EXPECT_NEAR(w.energy_j.at("gpu-0"), 10.0 * w.duration_s, 0.5);
}

TEST(SamplerFaults, ModelBesideTheCounterAndTheEstimateAsItsOwnModel) {
  OpenedSources opened;
  opened.sources = sources_of(package_at(50.0));
  opened.model = estimate_at(30.0);
  Meter meter(std::move(opened), kEvery20ms);
  const EnergyWindow w = window_take(meter, 0.5);
  EXPECT_NEAR(w.total_j, 50.0 * w.duration_s, 0.5);
  EXPECT_NEAR(w.model_j, 30.0 * w.duration_s, 0.5);
  EXPECT_FALSE(w.energy_j.count("cpu"));  // the model is never part of energy_j
  EXPECT_EQ(meter.domains().size(), 1u);
  EXPECT_TRUE(meter.describe().contains("energy_model"));

  Meter estimate_meter(sources_of(estimate_at(30.0)), kEvery20ms);
  const EnergyWindow we = window_take(estimate_meter, 0.2, /*sampled=*/false);
  EXPECT_EQ(we.model_j, we.total_j);
}

TEST(SamplerFaults, ImpliedPowerAboveTheCeilingIsFlagged) {
  OpenedSources opened;
  opened.sources = sources_of(package_at(900.0));
  opened.bounds.package_max_w = 2.5 * 280;  // a 280 W TDP part
  Meter meter(std::move(opened), kEvery20ms);
  const EnergyWindow w = window_take(meter, 0.3, /*sampled=*/false);
  ASSERT_EQ(w.warnings.size(), 1u) << w.to_json().dump();
  EXPECT_NE(w.warnings[0].find("above the plausible ceiling 700 W"), std::string::npos)
      << w.warnings[0];
  EXPECT_EQ(w.to_json()["warnings"].size(), 1u);
}

TEST(SamplerFaults, PackageNearZeroWhileCpusAreBusyIsFlagged) {
  const std::string dir = testing::temp_dir_make("gb_stat");
  const std::string stat = dir + "/stat";
  auto stat_write = [&](unsigned long long user_ticks) {
    std::ofstream(stat) << "cpu  " << user_ticks << " 0 0 1000 0 0 0 0 0 0\n";
  };
  stat_write(100);
  OpenedSources opened;
  opened.sources = sources_of(package_at(0.05));
  opened.bounds.busy_floor_w = 1.0;
  opened.bounds.proc_stat_path = stat;
  Meter meter(std::move(opened), kEvery20ms);
  meter.begin("busy");
  sleep_s(0.3);
  stat_write(100 + 300 * sysconf(_SC_CLK_TCK) / 100);  // ~3 CPU-seconds in 0.3 s: 10 busy CPUs
  const EnergyWindow busy = meter.end("busy");
  ASSERT_EQ(busy.warnings.size(), 1u) << busy.to_json().dump();
  EXPECT_NE(busy.warnings[0].find("below the plausible floor"), std::string::npos);
  // The same power while idle is no fault.
  meter.begin("idle");
  sleep_s(0.3);
  const EnergyWindow idle = meter.end("idle");
  EXPECT_TRUE(idle.warnings.empty()) << idle.to_json().dump();
  std::system(("rm -rf " + dir).c_str());
}

// The ceiling comes from the estimate's TDP table: per package for a named part, per logical
// CPU (times the CPUs seen) for the generic entry.
TEST(SamplerFaults, CeilingFromTheTdpTable) {
  const std::string dir = testing::temp_dir_make("gb_bounds");
  std::ofstream(dir + "/cpuinfo") << "processor\t: 0\nvendor_id\t: GenuineIntel\n"
                                     "model name\t: Intel(R) Xeon(R) Platinum 8380 CPU @ 2.30GHz\n";
  const SourcePaths paths{dir, dir, dir, "", ""};
  const PlausibilityBounds xeon = plausibility_bounds_detect(paths);
  EXPECT_DOUBLE_EQ(xeon.package_max_w, 2.5 * 270);  // Xeon Platinum 8380: 270 W TDP
  EXPECT_EQ(xeon.proc_stat_path, dir + "/stat");
  EXPECT_DOUBLE_EQ(xeon.busy_floor_w, 1.0);
  std::ofstream(dir + "/cpuinfo", std::ios::trunc) << "processor\t: 0\nvendor_id\t: Other\n"
                                                      "processor\t: 1\nvendor_id\t: Other\n";
  EXPECT_DOUBLE_EQ(plausibility_bounds_detect(paths).package_max_w, 2.5 * 3.5 * 2);
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace greenbench
