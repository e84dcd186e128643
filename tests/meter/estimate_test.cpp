// Tests of the `estimate` source against a fake /proc (stat, cpuinfo, meminfo): the model's
// arithmetic, the TDP table, the overrides, and that every figure is labelled estimated.
// Not a test of accuracy against real hardware (none is readable here).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "greenbench/meter.hpp"
#include "unavailable.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

struct FakeProc {
  fs::path root;
  FakeProc(const std::string& model, const std::string& vendor, int family, int cpus,
           long mem_kib) {
    char tmpl[] = "/tmp/gb_proc_XXXXXX";
    root = mkdtemp(tmpl);
    std::ofstream cpuinfo(root / "cpuinfo");
    for (int i = 0; i < cpus; ++i)
      cpuinfo << "processor\t: " << i << "\nvendor_id\t: " << vendor << "\ncpu family\t: " << family
              << "\nmodel name\t: " << model << "\n\n";
    std::ofstream(root / "meminfo") << "MemTotal:       " << mem_kib << " kB\nMemFree: 1 kB\n";
    stat_write(1000, 0, 500, 90000, 10, 3, 7);
  }
  ~FakeProc() { fs::remove_all(root); }
  // Ticks of user, nice, system, idle, iowait, irq, softirq (+ steal, which must not count).
  void stat_write(long user, long nice, long system, long idle, long iowait, long irq,
                  long softirq) {
    std::ofstream(root / "stat") << "cpu  " << user << " " << nice << " " << system << " " << idle
                                 << " " << iowait << " " << irq << " " << softirq
                                 << " 99999 0 0\ncpu0 1 2 3\n";
  }
  SourcePaths paths() const {
    return SourcePaths{"/nonexistent-sys", root.string(), "/nonexistent-dev", "none"};
  }
};

TEST(Estimate, TableLookupByModelName) {
  FakeProc proc("AMD EPYC 7763 64-Core Processor", "AuthenticAMD", 25, 8, 16 * 1024 * 1024);
  auto p = estimate_params_detect(proc.paths());
  EXPECT_EQ(p.tdp_w, 280);
  EXPECT_EQ(p.package_threads, 128);
  EXPECT_EQ(p.visible_threads, 8);
  EXPECT_NEAR(p.dram_gib, 16.0, 1e-9);
  EXPECT_NE(p.tdp_source.find("AMD"), std::string::npos);
}

TEST(Estimate, HiddenModelFallsBackToTheFamilyDefaultAndSaysSo) {
  FakeProc proc("AMD EPYC", "AuthenticAMD", 26, 2, 1024 * 1024);
  auto p = estimate_params_detect(proc.paths());
  EXPECT_EQ(p.tdp_w, 360);
  EXPECT_NE(p.tdp_source.find("default for AMD family 26"), std::string::npos);
  FakeProc other("Mystery CPU", "SomeVendor", 1, 4, 1024 * 1024);
  auto q = estimate_params_detect(other.paths());
  EXPECT_EQ(q.package_threads, 1);
  EXPECT_DOUBLE_EQ(q.tdp_w, 3.5);  // per logical CPU
}

TEST(Estimate, OverridesFromTheEnvironment) {
  FakeProc proc("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", "GenuineIntel", 6, 4, 1024 * 1024);
  setenv("GREENBENCH_TDP_W", "100", 1);
  setenv("GREENBENCH_PACKAGE_THREADS", "10", 1);
  setenv("GREENBENCH_IDLE_FRACTION", "0.5", 1);
  auto p = estimate_params_detect(proc.paths());
  unsetenv("GREENBENCH_TDP_W");
  unsetenv("GREENBENCH_PACKAGE_THREADS");
  unsetenv("GREENBENCH_IDLE_FRACTION");
  EXPECT_EQ(p.tdp_w, 100);
  EXPECT_EQ(p.package_threads, 10);
  EXPECT_EQ(p.idle_fraction, 0.5);
  EXPECT_NE(p.tdp_source.find("override"), std::string::npos);
  setenv("GREENBENCH_TDP_W", "lots", 1);
  EXPECT_THROW(estimate_params_detect(proc.paths()), SourceUnavailable);
  unsetenv("GREENBENCH_TDP_W");
}

TEST(Estimate, ModelArithmeticOverAWindow) {
  // V = 4 visible of T = 40 threads, TDP 150 W, idle 21%: idle share 4/40*31.5 = 3.15 W,
  // plus (150-31.5)/40 = 2.9625 W per busy CPU; DRAM 8 GiB * 0.375 = 3 W.
  FakeProc proc("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz", "GenuineIntel", 6, 4, 8 * 1024 * 1024);
  auto params = estimate_params_detect(proc.paths());
  std::vector<std::unique_ptr<EnergySource>> v;
  v.push_back(estimate_source_open(params, proc.paths()));
  EXPECT_TRUE(v[0]->estimated());
  Meter meter(std::move(v));
  meter.begin("w");
  const long ticks = sysconf(_SC_CLK_TCK);
  // 3 busy CPU-seconds appear: user +2 s, system +0.5 s, softirq +0.5 s; idle and steal ignored.
  proc.stat_write(1000 + 2 * ticks, 0, 500 + ticks / 2, 95000, 10, 3, 7 + ticks / 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto w = meter.end("w");
  const double idle_w = 4.0 / 40.0 * 0.21 * 150;
  const double expect_cpu = idle_w * w.duration_s + (150 - 0.21 * 150) / 40.0 * 3.0;
  EXPECT_NEAR(w.energy_j.at("cpu"), expect_cpu, 1e-3 + 1e-3 * expect_cpu);
  EXPECT_NEAR(w.energy_j.at("dram"), 3.0 * w.duration_s, 1e-3);
  EXPECT_NEAR(w.total_j, expect_cpu + 3.0 * w.duration_s, 2e-3 + 1e-3 * expect_cpu);
  EXPECT_TRUE(w.estimated);
  EXPECT_EQ(w.source, "estimate");
}

TEST(Estimate, DescribeRecordsEveryParameter) {
  FakeProc proc("AMD EPYC 7742 64-Core Processor", "AuthenticAMD", 23, 2, 1024 * 1024);
  auto src = estimate_source_open(estimate_params_detect(proc.paths()), proc.paths());
  auto d = src->describe();
  for (const char* key : {"tdp_w", "tdp_source", "idle_fraction", "package_threads",
                          "visible_threads", "dram_w_per_gib", "dram_gib", "model"})
    EXPECT_TRUE(d.contains(key)) << key;
  EXPECT_EQ(d["tdp_w"], 225);
}

TEST(Estimate, UnreadableProcStatIsUnavailable) {
  FakeProc proc("x", "GenuineIntel", 6, 1, 1024);
  fs::remove(proc.root / "stat");
  const SourceUnavailable e = testing::unavailable_of(
      [&] { estimate_source_open(estimate_params_detect(proc.paths()), proc.paths()); });
  EXPECT_NE(e.file.find("stat"), std::string::npos);
}

TEST(Carbon, Arithmetic) {
  // 3.6 MJ = 1 kWh; at 475 g/kWh and PUE 1.2: 570 g.
  EXPECT_DOUBLE_EQ(carbon_g(3.6e6, 475, 1.2), 570.0);
  EXPECT_DOUBLE_EQ(carbon_g(0, 475, 1.0), 0.0);
  EXPECT_NEAR(carbon_g(1800, 200, 1.0), 0.1, 1e-12);
}

TEST(Carbon, RegionsCarryTheirSourceAndYear) {
  const auto& gb = carbon_intensity_lookup("gb");
  EXPECT_EQ(gb.region, "GB");
  EXPECT_GT(gb.g_per_kwh, 0);
  EXPECT_EQ(&carbon_intensity_lookup("UK"), &gb);
  for (const auto& e : carbon_intensity_table()) {
    EXPECT_FALSE(e.source.empty()) << e.region;
    EXPECT_GE(e.year, 2015) << e.region;
    EXPECT_GT(e.g_per_kwh, 0) << e.region;
  }
  EXPECT_THROW(carbon_intensity_lookup("ATLANTIS"), std::out_of_range);
}

}  // namespace
}  // namespace greenbench
