// End-to-end through the real binary: counters that exist and lie. A perf `power` PMU whose
// energy-psys never moves (the Intel VM, through $GREENBENCH_PERF_EVENTS_ROOT), a
// powercap tree with frozen DRAM zones, one with every counter frozen, and one whose counters
// freeze 1.5 s into `meter -- sleep 4`. Nothing here reads this machine's own counters.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "fake_cpu_tree.hpp"
#include "fake_powercap.hpp"
#include "files.hpp"
#include "meter_cli.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

// The estimate needs a live /proc/stat and /proc/meminfo in the fake proc root.
void proc_links_add(const std::string& proc_root) {
  fs::create_directories(proc_root);
  for (const char* f : {"stat", "meminfo"}) {
    std::error_code ec;
    fs::remove(proc_root + "/" + f, ec);
    fs::create_symlink(std::string("/proc/") + f, proc_root + "/" + f);
  }
}

// The machine: Intel family 6 model 207, a `power` PMU listing only energy-psys, whose
// count (a file the fake kernel reads) never changes.
struct PerfPsysFrozen {
  fake_cpu::FakeCpuTree tree;
  std::map<std::string, std::string> env;
  PerfPsysFrozen() {
    tree.cpu_add(0, 0, 0);
    tree.cpu_add(1, 0, 1);
    tree.cpuinfo_write("GenuineIntel", 6, 207);
    tree.paranoid_write(0);
    tree.power_pmu_write(23, "0");
    tree.power_event_write("energy-psys", 0x05);
    tree.file_write("perf-events/23-5-0", "123456789\n");
    proc_links_add(tree.root() + "/proc");
    env = testing::env_isolated(tree.root());
    env["GREENBENCH_SYSFS_ROOT"] = tree.root() + "/sys";
    env["GREENBENCH_PROC_ROOT"] = tree.root() + "/proc";
  }
};

TEST(LivenessEndToEnd, PerfPsysNotCountingProbeSaysSoAndAutoIsTheEstimate) {
  PerfPsysFrozen m;
  auto r = testing::cli_run({"meter", "probe"}, m.env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::printf("--- meter probe, perf psys present but not counting ---\n%s---\n", r.out.c_str());
  EXPECT_NE(r.out.find("perf      unavailable (present but not counting): psys"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("energy-psys cpu 0) present but not counting"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("auto      -> estimate"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("auto skipped perf"), std::string::npos) << r.out;

  auto j = testing::cli_run({"meter", "probe", "--json"}, m.env);
  ASSERT_EQ(j.exit_code, 0) << j.err;
  auto probe = nlohmann::json::parse(j.out);
  EXPECT_EQ(probe["auto"], "estimate");
  bool saw_perf = false;
  for (const auto& s : probe["sources"])
    if (s["name"] == "perf") {
      saw_perf = true;
      EXPECT_FALSE(s["available"].get<bool>());
      EXPECT_TRUE(s["not_counting"].get<bool>());
    }
  EXPECT_TRUE(saw_perf);
}

TEST(LivenessEndToEnd, PerfPsysNotCountingNamedIsExit2AndAutoMetersTheEstimate) {
  PerfPsysFrozen m;
  const std::string marker = m.tree.root() + "/ran";
  auto named = testing::cli_run({"meter", "--source", "perf", "--", "touch", marker}, m.env);
  EXPECT_EQ(named.exit_code, 2) << named.err;
  EXPECT_NE(named.err.find("psys"), std::string::npos) << named.err;
  EXPECT_NE(named.err.find("not counting"), std::string::npos) << named.err;
  EXPECT_FALSE(fs::exists(marker)) << "the command ran although the named source does not count";

  // 1.5 s of busy CPU under `auto`: a total above zero, labelled estimated, the skip said.
  auto r = testing::cli_run(
      {"meter", "--json", "--", "sh", "-c",
       "end=$(($(date +%s%N)+1500000000)); while [ $(date +%s%N) -lt $end ]; do :; done"},
      m.env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = nlohmann::json::parse(r.out);
  EXPECT_EQ(out["source"], "estimate");
  EXPECT_TRUE(out["estimated"].get<bool>());
  EXPECT_GT(out["energy_j"]["total"].get<double>(), 0.0);
  EXPECT_EQ(out["energy_model_j"].get<double>(), out["energy_j"]["total"].get<double>());
  EXPECT_NE(r.err.find("auto skipped perf"), std::string::npos) << r.err;
  std::printf("auto on the psys VM: %.1f J over %.2f s (estimated)\n",
              out["energy_j"]["total"].get<double>(), out["duration_s"].get<double>());
}

void zone_freeze(test::FakePowercap& fake, const std::string& id) {
  fake.energy_write_raw(id, fmt::format("{:020}\n", fake.energy_uj_written(id)));
}

// The two-socket Intel preset with a live /proc/stat and /proc/meminfo: the zones `frozen` never
// move; the others count (the writer running every 1 ms) where `counting`, else nothing moves.
struct IntelTree {
  test::FakePowercap fake{test::fake_powercap_intel_2s()};
  explicit IntelTree(bool counting, const std::vector<std::string>& frozen = {}) {
    proc_links_add(fake.proc_root());
    for (const std::string& id : frozen) zone_freeze(fake, id);
    if (counting) fake.writer_start(0.001);
  }
  testing::Env env() const { return testing::env_for(fake); }
  // Every zone stops counting `delay_ms` from now, on the thread returned.
  std::thread freeze_after(int delay_ms) {
    return std::thread([this, delay_ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      for (const auto& z : fake.spec().zones) zone_freeze(fake, z.id);
    });
  }
};

const std::vector<std::string> kDramZones = {"intel-rapl:0:2", "intel-rapl:1:2"};

TEST(LivenessEndToEnd, FrozenDramZonesAreDroppedAndPackagesWithinOnePercent) {
  IntelTree t(/*counting=*/true, kDramZones);
  auto probe = testing::cli_run({"meter", "probe"}, t.env());
  std::printf("--- meter probe, frozen DRAM zones ---\n%s---\n", probe.out.c_str());
  EXPECT_NE(probe.out.find("dropped: dram-0 ("), std::string::npos) << probe.out;
  EXPECT_NE(probe.out.find("dropped: dram-1 ("), std::string::npos) << probe.out;
  EXPECT_NE(probe.out.find("auto      -> rapl"), std::string::npos) << probe.out;

  auto m = testing::meter_sleep("rapl", "2", t.env());
  t.fake.writer_stop();
  ASSERT_TRUE(m.j.is_object());
  auto& j = m.j;
  testing::energy_near(m, "total", 40 + 35);  // packages only
  EXPECT_FALSE(j["energy_j"].contains("dram-0"));
  EXPECT_FALSE(j["energy_j"].contains("dram-1"));
  ASSERT_EQ(j["dropped"]["rapl"].size(), 2u) << j["dropped"].dump();
  EXPECT_EQ(j["dropped"]["rapl"][0]["domain"], "dram-0");
  EXPECT_NE(j["meter"]["rapl"]["dropped"][1]["reason"].get<std::string>().find("not counting"),
            std::string::npos);
  EXPECT_NE(m.run.err.find("rapl: dropped dram-0"), std::string::npos) << m.run.err;  // stderr
  EXPECT_EQ(j["gap_s"].get<double>(), 0.0);
}

TEST(LivenessEndToEnd, EveryCounterFrozenNamedIsExit2AndAutoFallsBackToTheEstimate) {
  IntelTree t(/*counting=*/false);
  const std::string marker = t.fake.root() + "/ran";
  auto named = testing::cli_run({"meter", "--source", "rapl", "--", "touch", marker}, t.env());
  EXPECT_EQ(named.exit_code, 2) << named.err;
  EXPECT_NE(named.err.find("present but not counting"), std::string::npos) << named.err;
  EXPECT_NE(named.err.find("package-0"), std::string::npos) << named.err;
  EXPECT_NE(named.err.find("fix:"), std::string::npos) << named.err;
  EXPECT_FALSE(fs::exists(marker));

  auto m = testing::meter_sleep("", "0.3", t.env());
  ASSERT_TRUE(m.j.is_object());
  EXPECT_EQ(m.j["source"], "estimate");
  EXPECT_TRUE(m.j["estimated"].get<bool>());
  EXPECT_GT(m.j["energy_j"]["total"].get<double>(), 0.0);
  EXPECT_NE(m.run.err.find("auto skipped rapl"), std::string::npos) << m.run.err;
}

TEST(LivenessEndToEnd, CountersFreezingMidWindowBecomeAGap) {
  IntelTree t(/*counting=*/true);
  const std::string trace = t.fake.root() + "/trace.csv";
  std::thread freezer = t.freeze_after(1500);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = testing::cli_run(
      {"meter", "--source", "rapl", "--json", "--trace", trace, "--", "sleep", "4"}, t.env());
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  freezer.join();
  t.fake.writer_stop();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const double d = j["duration_s"].get<double>();
  // The window starts after the process's start-up (liveness included) and ends with sleep 4;
  // the counters froze 1.5 s after the start: the frozen part is the window's end minus that.
  const double frozen_s = d - (1.5 - (wall_s - d));
  std::printf("freeze mid-window: duration %.3f s, gap_s %.3f s, frozen part ~%.3f s\n", d,
              j["gap_s"].get<double>(), frozen_s);
  EXPECT_NEAR(j["gap_s"].get<double>(), frozen_s, 0.25) << r.out;
  EXPECT_GT(j["gap_s"].get<double>(), 2.2);
  ASSERT_FALSE(j["warnings"].empty()) << r.out;
  EXPECT_NE(j["warnings"][0].get<std::string>().find("stopped advancing"), std::string::npos);
  // The trace: package-0 has watts early on and empty (NaN) cells at the end.
  const auto lines = testing::lines_of(trace);
  ASSERT_GT(lines.size(), 10u);
  auto cells = [](const std::string& line) {
    std::vector<std::string> out(1);
    for (char c : line) {
      if (c == ',')
        out.emplace_back();
      else
        out.back().push_back(c);
    }
    return out;
  };
  const auto header = cells(lines[0]);
  const size_t k = std::find(header.begin(), header.end(), "package-0_w") - header.begin();
  ASSERT_LT(k, header.size()) << lines[0];
  EXPECT_FALSE(cells(lines[2])[k].empty()) << lines[2];         // early: watts
  EXPECT_TRUE(cells(lines.back())[k].empty()) << lines.back();  // frozen: NaN (empty)
}

// A small, quick mlp run on synthetic data, metered by `meter`.
std::vector<std::string> small_run(const std::string& out, const std::string& meter,
                                   const std::string& idle_s) {
  return testing::quick_run_args(
      out, {"mlp",
            idle_s,
            "0.05",
            meter,
            {"hidden=[32]", "train_samples=2000", "test_samples=500", "epochs=1"}});
}

TEST(LivenessEndToEnd, RunWithANamedSourceThatDoesNotCountIsExit2BeforeAnyWork) {
  IntelTree t(/*counting=*/false);
  const std::string out = t.fake.root() + "/res";
  auto r = testing::cli_run(small_run(out, "rapl", "1"), t.env());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not counting"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("idle power"), std::string::npos) << r.err;  // no work started
  EXPECT_FALSE(fs::exists(out)) << "the results folder was created before the meter was checked";
}

// Counters that count during the liveness check and stop before the run: every window is a
// gap, the energy is zero, and the row says so instead of `ok`; analyze then says it plainly.
TEST(LivenessEndToEnd, RunWhoseCountersStopIsNoEnergyAndAnalyzeSaysSo) {
  IntelTree t(/*counting=*/true);
  std::thread freezer = t.freeze_after(700);
  const std::string out = t.fake.root() + "/res";
  auto r = testing::cli_run(small_run(out, "rapl", "2"), t.env());
  freezer.join();
  t.fake.writer_stop();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto runs = testing::jsonl_of(out + "/runs.jsonl");
  ASSERT_EQ(runs.size(), 1u) << r.err;
  EXPECT_EQ(runs[0]["status"], "no_energy") << runs[0].dump();
  EXPECT_EQ(runs[0]["energy_j"].get<double>(), 0.0);
  EXPECT_NE(runs[0]["error"].get<std::string>().find("did not count"), std::string::npos);
  EXPECT_NE(runs[0]["warnings"].get<std::string>().find("stopped advancing"), std::string::npos);
  // meta.json: the meter's sources and the host's power configuration.
  std::ifstream meta_in(out + "/meta.json");
  const auto meta = nlohmann::json::parse(meta_in);
  EXPECT_EQ(meta["meter"]["source"], "rapl");
  EXPECT_TRUE(meta["meter"]["sources"]["rapl"]["dropped"].empty());
  EXPECT_EQ(meta["host_power"]["cpu"]["vendor"], "GenuineIntel");  // the fake proc's cpuinfo
  EXPECT_TRUE(meta["host_power"].contains("cpufreq"));

  // An older folder, where such a row was `ok`: analyze leaves it out and says why.
  auto j = runs[0];
  j["status"] = "ok";
  j["error"] = "";
  j["warnings"] = "";
  std::ofstream(out + "/runs.jsonl", std::ios::trunc) << j.dump() << "\n";
  auto a = testing::cli_run({"analyze", out}, t.env());
  EXPECT_NE(
      a.out.find("WARNING: " + out + ": 1 of 1 finished runs have metered time but zero energy"),
      std::string::npos)
      << a.out << a.err;
  auto aj = testing::cli_run({"analyze", out, "--json"}, t.env());
  if (aj.exit_code == 0) {
    const auto analysis = nlohmann::json::parse(aj.out);
    EXPECT_EQ(analysis["runs"]["used"], 0);
    EXPECT_EQ(analysis["runs"]["excluded_zero_energy"], 1);
  }
  EXPECT_NE(aj.err.find("zero energy"), std::string::npos) << aj.err;
}

TEST(LivenessEndToEnd, DroppedDomainsAreNamedInMetaJson) {
  IntelTree t(/*counting=*/true, kDramZones);
  const std::string out = t.fake.root() + "/res";
  auto r = testing::cli_run(small_run(out, "auto", "0.2"), t.env());
  t.fake.writer_stop();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("rapl: dropped dram-0"), std::string::npos) << r.err;
  std::ifstream meta_in(out + "/meta.json");
  const auto meta = nlohmann::json::parse(meta_in);
  ASSERT_EQ(meta["meter"]["sources"]["rapl"]["dropped"].size(), 2u) << meta["meter"].dump();
  EXPECT_EQ(meta["meter"]["sources"]["rapl"]["dropped"][1]["domain"], "dram-1");
  const auto runs = testing::jsonl_of(out + "/runs.jsonl");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "ok");
  EXPECT_GT(runs[0]["energy_j"].get<double>(), 0.0);
  EXPECT_FALSE(runs[0].contains("dram-0"));
}

}  // namespace
}  // namespace greenbench
