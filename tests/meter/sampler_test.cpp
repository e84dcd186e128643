// Tests of the Meter's accumulation against a programmable in-memory source: wraps several
// times inside a window, failed reads as gaps, resets, the totals rule, nested windows.
// Not tests of any real source (rapl_test, perf_test, ... do those against fake trees).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <thread>

#include "greenbench/meter.hpp"

namespace greenbench {
namespace {

// A source whose raw counters the test sets directly; a value of nullopt fails that read.
class ScriptedSource : public EnergySource {
 public:
  ScriptedSource(std::vector<CounterSpec> specs, bool estimated = false)
      : specs_(std::move(specs)), values_(specs_.size(), 0), estimated_(estimated) {}
  std::string name() const override { return "scripted"; }
  bool estimated() const override { return estimated_; }
  const std::vector<CounterSpec>& counters() const override { return specs_; }
  void read(std::vector<std::optional<uint64_t>>& units) override {
    units.resize(specs_.size());
    for (size_t i = 0; i < specs_.size(); ++i) units[i] = values_[i];
    ++reads;
  }
  std::vector<CounterSpec> specs_;
  std::vector<std::optional<uint64_t>> values_;
  bool estimated_;
  int reads = 0;
};

CounterSpec spec(const std::string& domain, DomainKind kind, uint64_t wrap = 0, double jpu = 1.0) {
  return CounterSpec{domain, kind, jpu, wrap, "scripted:" + domain};
}

// A meter driven by hand (no sampler thread): each sample() is one read.
struct Rig {
  ScriptedSource* src;
  std::unique_ptr<Meter> meter;
  explicit Rig(std::vector<CounterSpec> specs, MeterOptions opt = {}, bool estimated = false) {
    auto s = std::make_unique<ScriptedSource>(std::move(specs), estimated);
    src = s.get();
    std::vector<std::unique_ptr<EnergySource>> v;
    v.push_back(std::move(s));
    opt.max_plausible_w = 1e12;  // time is not simulated here; only the wrap arithmetic
    meter = std::make_unique<Meter>(std::move(v), opt);
  }
};

TEST(Sampler, AccumulatesAcrossSeveralWrapsExactly) {
  // A 1000-unit counter advanced by 300 units per read wraps three times over 10 reads.
  Rig rig({spec("package-0", DomainKind::package, 1000, 0.5)});
  uint64_t truth_units = 0, raw = 900;
  rig.src->values_[0] = raw;
  rig.meter->begin("w");
  for (int i = 0; i < 10; ++i) {
    raw = (raw + 300) % 1000;
    truth_units += 300;
    rig.src->values_[0] = raw;
    rig.meter->sample();
  }
  auto w = rig.meter->end("w");
  EXPECT_DOUBLE_EQ(w.energy_j.at("package-0"), truth_units * 0.5);
  EXPECT_DOUBLE_EQ(w.total_j, truth_units * 0.5);
  EXPECT_EQ(w.resets, 0);
  EXPECT_EQ(w.gap_s, 0.0);
}

TEST(Sampler, WrapAtTheFullRangeOf64Bits) {
  // A counter that does not wrap (wrap_units = 0) counting past 2^63 stays exact.
  Rig rig({spec("gpu-0", DomainKind::gpu, 0, 1e-3)});
  const uint64_t start = (uint64_t{1} << 63) - 5;
  rig.src->values_[0] = start;
  rig.meter->begin("w");
  rig.src->values_[0] = start + 12;
  auto w = rig.meter->end("w");
  EXPECT_NEAR(w.energy_j.at("gpu-0"), 12e-3, 1e-12);
}

TEST(Sampler, FailedReadIsAGapNotZero) {
  Rig rig({spec("package-0", DomainKind::package, 1000)});
  rig.src->values_[0] = 100;
  rig.meter->begin("w");
  rig.src->values_[0] = std::nullopt;  // a failed read must not count as a counter of 0
  rig.meter->sample();
  rig.meter->sample();
  rig.src->values_[0] = 150;
  auto w = rig.meter->end("w");
  EXPECT_DOUBLE_EQ(w.energy_j.at("package-0"), 50.0);  // bridged exactly: no wrap fits in it
  EXPECT_EQ(w.resets, 0);
}

TEST(Sampler, TraceMarksFailedReadsAsNaN) {
  Rig rig({spec("package-0", DomainKind::package)});
  rig.src->values_[0] = 0;
  rig.meter->sample();
  rig.src->values_[0] = std::nullopt;
  rig.meter->sample();
  auto trace = rig.meter->trace();
  ASSERT_GE(trace.size(), 2u);
  EXPECT_TRUE(std::isnan(trace.back().power_w[0]));
}

TEST(Sampler, FallOnANonWrappingCounterIsAReset) {
  Rig rig({spec("gpu-0", DomainKind::gpu, 0)});
  rig.src->values_[0] = 5000;
  rig.meter->begin("w");
  rig.src->values_[0] = 5100;
  rig.meter->sample();
  rig.src->values_[0] = 30;  // counter restarted from zero (driver reload)
  rig.meter->sample();
  rig.src->values_[0] = 80;
  auto w = rig.meter->end("w");
  EXPECT_EQ(w.resets, 1);
  EXPECT_GT(w.gap_s, 0.0);
  EXPECT_DOUBLE_EQ(w.energy_j.at("gpu-0"), 100 + 30 + 50);  // before, since the reset, after
}

TEST(Sampler, ImplausiblePowerIsAResetNotAWrap) {
  std::vector<std::unique_ptr<EnergySource>> v;
  auto s = std::make_unique<ScriptedSource>(
      std::vector<CounterSpec>{spec("package-0", DomainKind::package, 1u << 20)});
  auto* src = s.get();
  v.push_back(std::move(s));
  MeterOptions opt;
  opt.max_plausible_w = 1000;  // 1 unit = 1 J: a fall from 900000 to 10 in microseconds is no wrap
  Meter meter(std::move(v), opt);
  src->values_[0] = 900000;
  meter.sample();
  meter.begin("w");
  src->values_[0] = 10;
  auto w = meter.end("w");
  EXPECT_EQ(w.resets, 1);
  EXPECT_LT(w.energy_j.at("package-0"), 1000.0);
}

TEST(Sampler, TotalIsPackagesPlusDramOnly) {
  Rig rig({spec("package-0", DomainKind::package), spec("core-0", DomainKind::core),
           spec("uncore-0", DomainKind::uncore), spec("dram-0", DomainKind::dram),
           spec("package-1", DomainKind::package), spec("psys", DomainKind::psys)});
  for (auto& v : rig.src->values_) v = 0;
  rig.meter->begin("w");
  rig.src->values_ = {40, 25, 5, 10, 30, 120};
  auto w = rig.meter->end("w");
  EXPECT_DOUBLE_EQ(w.total_j, 40 + 10 + 30);
  EXPECT_DOUBLE_EQ(w.energy_j.at("total"), 80);
  EXPECT_DOUBLE_EQ(w.energy_j.at("core-0"), 25);  // reported, not added
  EXPECT_DOUBLE_EQ(w.energy_j.at("psys"), 120);
}

TEST(Sampler, PsysIsTheTotalWithoutPackages) {
  Rig rig({spec("psys", DomainKind::psys), spec("core-0", DomainKind::core)});
  rig.src->values_ = {0, 0};
  rig.meter->begin("w");
  rig.src->values_ = {70, 20};
  EXPECT_DOUBLE_EQ(rig.meter->end("w").total_j, 70);
}

TEST(Sampler, NestedAndOverlappingWindows) {
  Rig rig({spec("package-0", DomainKind::package)});
  rig.src->values_[0] = 0;
  rig.meter->begin("outer");
  rig.src->values_[0] = 10;
  rig.meter->begin("inner");
  rig.src->values_[0] = 25;
  rig.meter->begin("overlap");
  rig.src->values_[0] = 40;
  EXPECT_DOUBLE_EQ(rig.meter->end("inner").total_j, 30);
  rig.src->values_[0] = 100;
  EXPECT_DOUBLE_EQ(rig.meter->end("outer").total_j, 100);
  EXPECT_DOUBLE_EQ(rig.meter->end("overlap").total_j, 75);
  EXPECT_THROW(rig.meter->end("outer"), std::logic_error);
}

TEST(Sampler, EstimatedFlagFollowsTheSource) {
  Rig measured({spec("package-0", DomainKind::package)});
  measured.src->values_[0] = 0;
  measured.meter->begin("w");
  EXPECT_FALSE(measured.meter->end("w").estimated);
  Rig modelled({spec("cpu", DomainKind::package)}, {}, true);
  modelled.src->values_[0] = 0;
  modelled.meter->begin("w");
  EXPECT_TRUE(modelled.meter->end("w").estimated);
}

TEST(Sampler, IntervalShrinksWhenACounterCouldWrapSooner) {
  // 1000 units of 1 J wrap in 10 s at 100 W: the sampler must read at least every 2.5 s;
  // at a 0.1 s period nothing changes, at a 5 s period it shortens.
  std::vector<std::unique_ptr<EnergySource>> v;
  auto s = std::make_unique<ScriptedSource>(
      std::vector<CounterSpec>{spec("package-0", DomainKind::package, 1000)});
  auto* src = s.get();
  v.push_back(std::move(s));
  MeterOptions opt;
  opt.interval_s = 5.0;
  Meter meter(std::move(v), opt);
  EXPECT_DOUBLE_EQ(meter.interval_s(), 5.0);
  // Advance by 100 units over a measured time, so the meter sees the power.
  src->values_[0] = 0;
  meter.sample();
  const double t0 = meter.now_s();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  src->values_[0] = 5;  // 5 J in ~0.05 s = ~100 W
  meter.sample();
  const double p_w = 5.0 / (meter.now_s() - t0);
  EXPECT_LT(meter.interval_s(), 5.0);
  EXPECT_NEAR(meter.interval_s(), 1000.0 / p_w / 4, 1000.0 / p_w / 4 * 0.5);
}

TEST(Sampler, BackgroundThreadSamples) {
  Rig rig({spec("package-0", DomainKind::package)}, MeterOptions{0.005, true});
  rig.src->values_[0] = 0;
  const int before = rig.src->reads;
  rig.meter->start();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  rig.meter->stop();
  EXPECT_GE(rig.src->reads - before, 10);
  rig.meter->stop();  // idempotent
}

TEST(Sampler, TraceCsvHasADomainColumnPerDomain) {
  Rig rig({spec("package-0", DomainKind::package), spec("dram-0", DomainKind::dram)});
  rig.src->values_ = {0, 0};
  rig.meter->sample();
  rig.src->values_ = {10, 2};
  rig.meter->sample();
  char path[] = "/tmp/gb_trace_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  rig.meter->trace_write_csv(path);
  std::ifstream in(path);
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  EXPECT_EQ(header, "t_s,package-0_w,dram-0_w");
  EXPECT_EQ(std::count(row.begin(), row.end(), ','), 2);
  unlink(path);
}

}  // namespace
}  // namespace greenbench
