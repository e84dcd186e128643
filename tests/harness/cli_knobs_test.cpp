// End-to-end tests of the energy knobs (docs/knobs.md) through the real binary on a fake
// cpufreq + powercap tree (GREENBENCH_SYSFS_ROOT) and the fake NVML (GREENBENCH_NVML_LIBRARY,
// its limits in FAKE_NVML_LIMIT_FILE): every run's value is written before it runs, read back
// into its row, and put back after; kill -9 mid-run leaves the journal, `run` then refuses, and
// `knobs restore` puts the originals back; bad values are exit 2 before any work.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::jsonl_of;
using testing::slurp;

std::vector<int> cpus_allowed() {
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof set, &set);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

// A fake machine: cpufreq for every CPU this process may use (3.0 GHz of 0.8..3.5, powersave),
// two RAPL packages (long term 65 W of at most 95 W, short term 80 W of at most 120 W), one GPU
// at 250 W of 100..300 W, and a state folder for the journal.
struct FakeMachine : testing::TempFolder {
  FakeMachine() : TempFolder("gb_knobs") {
    for (int cpu : cpus_allowed()) {
      const std::string d = "sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpufreq/";
      put(d + "scaling_max_freq", "3000000\n");
      put(d + "cpuinfo_min_freq", "800000\n");
      put(d + "cpuinfo_max_freq", "3500000\n");
      put(d + "scaling_governor", "powersave\n");
      put(d + "scaling_available_governors", "performance powersave\n");
    }
    for (int p : {0, 1}) {
      const std::string d = "sys/class/powercap/intel-rapl:" + std::to_string(p) + "/";
      put(d + "name", "package-" + std::to_string(p) + "\n");
      put(d + "constraint_0_name", "long_term\n");
      put(d + "constraint_0_power_limit_uw", "65000000\n");
      put(d + "constraint_0_max_power_uw", "95000000\n");
      put(d + "constraint_1_name", "short_term\n");
      put(d + "constraint_1_power_limit_uw", "80000000\n");
      put(d + "constraint_1_max_power_uw", "120000000\n");
    }
    put("gpu_limits", "250000 100000 300000\n");
  }
  void put(const std::string& rel, const std::string& text) const {
    fs::create_directories(fs::path(dir + "/" + rel).parent_path());
    std::ofstream(dir + "/" + rel) << text;
  }
  std::string file(const std::string& rel) const { return slurp(dir + "/" + rel); }
  std::string rapl(int p, int c) const {
    return file("sys/class/powercap/intel-rapl:" + std::to_string(p) + "/constraint_" +
                std::to_string(c) + "_power_limit_uw");
  }
  std::string freq(int cpu) const {
    return file("sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpufreq/scaling_max_freq");
  }
  std::map<std::string, std::string> env() const {
    return {{"GREENBENCH_SYSFS_ROOT", dir + "/sys"},
            {"GREENBENCH_STATE_DIR", dir + "/state"},
            {"GREENBENCH_NVML_LIBRARY", FAKE_NVML_LIB},
            {"FAKE_NVML_LIMIT_FILE", dir + "/gpu_limits"}};
  }
  std::string journal() const { return dir + "/state/knobs-journal.json"; }
  // A grid of mlp runs on synthetic data with `knob_lines` under the experiment's grid.
  std::string grid(const std::string& knob_lines, int epochs = 1, int train = 1000,
                   const std::string& hidden = "[32]") const {
    put("grid.yaml",
        "name: knobs\nmeter: estimate\nidle_baseline_s: 0\npause_s: 0\nexperiments:\n"
        "  - workload: mlp\n    set: {dataset: synthetic, hidden: " +
            hidden + ", train_samples: " + std::to_string(train) + ", test_samples: 200, epochs: " +
            std::to_string(epochs) + "}\n    grid:\n" + knob_lines);
    return dir + "/grid.yaml";
  }
};

// A command run (docs/grids.md, "Command workloads") gets its knobs too: the program reads the
// limit in force while it runs; the row records it; the original is back afterwards.
TEST(CliKnobs, CommandRunsRunUnderTheirKnobs) {
  FakeMachine m;
  const std::string limit_file =
      m.dir + "/sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw";
  m.put("grid.yaml",
        "name: knobs-command\nmeter: estimate\nidle_baseline_s: 0\npause_s: 0\nexperiments:\n"
        "  - workload: command\n    command: [sh, -c, 'cat " +
            limit_file + " > " + m.dir +
            "/seen-{tag}', sh]\n    set: {tag: a}\n    grid: {cpu_power_limit_w: [25]}\n");
  auto r = testing::cli_run({"run", m.dir + "/grid.yaml", "--out", m.dir + "/res"}, m.env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(m.file("seen-a"), "25000000");  // in force while the program ran
  const auto rows = jsonl_of(m.dir + "/res/runs.jsonl");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["status"], "ok") << rows[0].dump();
  EXPECT_EQ(rows[0]["knobs"]["cpu_power_limit_w"].get<double>(), 25);
  EXPECT_EQ(m.rapl(0, 0), "65000000");
  EXPECT_FALSE(fs::exists(m.journal()));
}

TEST(CliKnobs, GridSetsEachRunsLimitsRecordsThemAndRestores) {
  FakeMachine m;
  const std::string g = m.grid(
      "      cpu_power_limit_w: [20, 30]\n      cpu_max_freq_khz: [2000000]\n"
      "      cpu_governor: [performance]\n");
  auto r = testing::cli_run({"run", g, "--out", m.dir + "/res"}, m.env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = jsonl_of(m.dir + "/res/runs.jsonl");
  ASSERT_EQ(rows.size(), 2u);
  std::set<double> limits;
  for (const auto& row : rows) {
    ASSERT_TRUE(row["knobs"].is_object()) << row.dump();
    // The value read back from the files while the run ran, in the key's units.
    EXPECT_EQ(row["knobs"]["cpu_power_limit_w"].get<double>(),
              row["cpu_power_limit_w"].get<double>());
    EXPECT_EQ(row["knobs"]["cpu_max_freq_khz"], 2000000);
    EXPECT_EQ(row["knobs"]["cpu_governor"], "performance");
    limits.insert(row["knobs"]["cpu_power_limit_w"].get<double>());
  }
  EXPECT_EQ(limits, (std::set<double>{20, 30}));
  // Every file holds its original again; no journal is left.
  EXPECT_EQ(m.rapl(0, 0), "65000000");
  EXPECT_EQ(m.rapl(1, 0), "65000000");
  EXPECT_EQ(m.rapl(0, 1), "80000000\n");  // never touched: the short-term constraint
  for (int cpu : cpus_allowed()) EXPECT_EQ(m.freq(cpu), "3000000");
  EXPECT_FALSE(fs::exists(m.journal()));
  // runs.csv has the key columns and the knobs column.
  EXPECT_NE(slurp(m.dir + "/res/runs.csv").find("cpu_power_limit_w"), std::string::npos);
}

TEST(CliKnobs, GpuPowerLimitThroughTheFakeNvml) {
  FakeMachine m;
  const std::string g = m.grid("      gpu_power_limit_w: [150, 200.5]\n");
  auto r = testing::cli_run({"run", g, "--out", m.dir + "/res"}, m.env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<double> seen;
  for (const auto& row : jsonl_of(m.dir + "/res/runs.jsonl"))
    seen.insert(row["knobs"]["gpu_power_limit_w"].get<double>());
  EXPECT_EQ(seen, (std::set<double>{150, 200.5}));
  EXPECT_EQ(m.file("gpu_limits"), "250000 100000 300000\n");
  EXPECT_FALSE(fs::exists(m.journal()));
}

// Waits until `pred` holds, up to 60 s.
template <typename Pred>
bool wait_for(Pred pred) {
  for (int i = 0; i < 600; ++i) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(CliKnobs, KillNineMidRunThenRestorePutsOriginalsBack) {
  FakeMachine m;
  const std::string g = m.grid(
      "      cpu_power_limit_w: [20]\n      gpu_power_limit_w: [150]\n"
      "      cpu_max_freq_khz: [1500000]\n",
      50, 20000, "[512]");  // ~10 s: still running when it is killed
  const int pid = testing::cli_spawn({"run", g, "--out", m.dir + "/res"}, m.env(), m.dir + "/out",
                                     m.dir + "/err");
  ASSERT_TRUE(wait_for([&] {
    // The run's knobs in force: it is inside the run (stderr says nothing this early when the
    // meter is named and there is no idle baseline).
    return m.rapl(0, 0) == "20000000" && m.file("gpu_limits").rfind("150000 ", 0) == 0;
  })) << slurp(m.dir + "/err");
  kill(pid, SIGKILL);
  EXPECT_EQ(testing::cli_wait(pid), 128 + SIGKILL);
  // Left changed, and the journal says so.
  EXPECT_EQ(m.rapl(0, 0), "20000000");
  for (int cpu : cpus_allowed()) EXPECT_EQ(m.freq(cpu), "1500000");
  ASSERT_TRUE(fs::exists(m.journal()));
  // `run` refuses, before any work, saying how to restore.
  auto refused = testing::cli_run({"run", g, "--out", m.dir + "/res2"}, m.env());
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("greenbench knobs restore"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(m.dir + "/res2"));
  // Restore puts every original back and removes the journal.
  auto restored = testing::cli_run({"knobs", "restore"}, m.env());
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(m.rapl(0, 0), "65000000");
  EXPECT_EQ(m.rapl(1, 0), "65000000");
  for (int cpu : cpus_allowed()) EXPECT_EQ(m.freq(cpu), "3000000");
  EXPECT_EQ(m.file("gpu_limits"), "250000 100000 300000\n");
  EXPECT_FALSE(fs::exists(m.journal()));
  // Restoring again has nothing to do.
  auto again = testing::cli_run({"knobs", "restore"}, m.env());
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("nothing to restore"), std::string::npos);
}

TEST(CliKnobs, RestoreWaitsForALiveRunAndCtrlCRestores) {
  FakeMachine m;
  const std::string g = m.grid("      cpu_power_limit_w: [20]\n", 50, 20000, "[512]");
  const int pid = testing::cli_spawn({"run", g, "--out", m.dir + "/res"}, m.env(), m.dir + "/out",
                                     m.dir + "/err");
  ASSERT_TRUE(wait_for([&] { return m.rapl(0, 0) == "20000000"; })) << slurp(m.dir + "/err");
  // The run still holds the knobs: restore refuses, changing nothing.
  auto busy = testing::cli_run({"knobs", "restore"}, m.env());
  EXPECT_EQ(busy.exit_code, 2) << busy.err;
  EXPECT_NE(busy.err.find("still runs"), std::string::npos) << busy.err;
  EXPECT_EQ(m.rapl(0, 0), "20000000");
  // Ctrl-C: the run ends as interrupted and puts the original back itself.
  kill(pid, SIGINT);
  EXPECT_EQ(testing::cli_wait(pid), 128 + SIGINT);
  EXPECT_EQ(m.rapl(0, 0), "65000000");
  EXPECT_FALSE(fs::exists(m.journal()));
  const auto rows = jsonl_of(m.dir + "/res/runs.jsonl");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["status"], "interrupted");
  EXPECT_EQ(rows[0]["knobs"]["cpu_power_limit_w"], 20.0);
}

TEST(CliKnobs, ImpossibleValuesAreExitTwoBeforeAnyWork) {
  FakeMachine m;
  struct Case {
    std::string lines, says;
  } cases[] = {
      {"      cpu_power_limit_w: [500]\n", "constraint_0_max_power_uw"},
      {"      cpu_power_limit_w: [500]\n", "out of range"},
      {"      cpu_max_freq_khz: [100]\n", "scaling_max_freq"},
      {"      cpu_governor: [ondemand]\n", "performance, powersave"},
      {"      gpu_power_limit_w: [400]\n", "100 .. 300"},
  };
  for (const auto& c : cases) {
    auto r = testing::cli_run({"run", m.grid(c.lines), "--out", m.dir + "/res"}, m.env());
    EXPECT_EQ(r.exit_code, 2) << c.lines;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.lines << r.err;
    EXPECT_FALSE(fs::exists(m.dir + "/res")) << c.lines;
  }
  // A machine without the knob: nothing to set, named.
  auto env = m.env();
  env["GREENBENCH_SYSFS_ROOT"] = m.dir + "/empty";
  auto r = testing::cli_run(
      {"run", m.grid("      cpu_power_limit_w: [20]\n"), "--out", m.dir + "/res"}, env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no RAPL package zone"), std::string::npos) << r.err;
  // A GPU whose driver refuses: its reason and the fix.
  env = m.env();
  env["FAKE_NVML_LIMIT_READONLY"] = "1";
  r = testing::cli_run({"run", m.grid("      gpu_power_limit_w: [200]\n"), "--out", m.dir + "/res"},
                       env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Insufficient Permissions"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("root"), std::string::npos) << r.err;
  // Type and range checks of the grid file itself, at the value's position.
  r = testing::cli_run({"run", m.grid("      cpu_power_limit_w: [-3]\n"), "--out", m.dir + "/res"},
                       m.env());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("grid.yaml:9:"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(m.journal()));
  EXPECT_EQ(m.rapl(0, 0), "65000000\n");
}

TEST(CliKnobs, AFileTheUserCannotWriteIsExitTwoNamingItAndTheFix) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to drop to nobody";
  FakeMachine m;
  fs::permissions(m.dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
  const std::string g = m.grid("      cpu_power_limit_w: [20]\n");
  // The tree is root's, 0644: nobody reads it but cannot open the limit for writing.
  auto r = testing::cli_run({"run", g, "--out", m.dir + "/res"}, m.env(), "nobody");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("intel-rapl:0/constraint_0_power_limit_uw"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Permission denied"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("run greenbench as root"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(m.dir + "/res"));
  EXPECT_EQ(m.rapl(0, 0), "65000000\n");
}

TEST(CliKnobs, ShowListsEachKnobItsValueAndWhyNot) {
  FakeMachine m;
  auto r = testing::cli_run({"knobs", "show", "--json"}, m.env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  int packages = 0, gpus = 0, cpus = 0;
  for (const auto& k : j["knobs"]) {
    if (k["key"] == "cpu_power_limit_w") {
      ++packages;
      EXPECT_EQ(k["value"], 65.0);
      EXPECT_EQ(k["max"], 95.0);
      EXPECT_EQ(k["settable"], true);
    }
    if (k["key"] == "gpu_power_limit_w") {
      ++gpus;
      EXPECT_EQ(k["value"], 250.0);
      EXPECT_EQ(k["min"], 100.0);
    }
    if (k["key"] == "cpu_governor") {
      ++cpus;
      EXPECT_EQ(k["value"], "powersave");
    }
  }
  EXPECT_EQ(packages, 2);
  EXPECT_EQ(gpus, 1);
  EXPECT_EQ(cpus, static_cast<int>(cpus_allowed().size()));
  // An NVML whose writes are refused, and no sysfs: not settable, and why.
  auto env = m.env();
  env["FAKE_NVML_LIMIT_READONLY"] = "1";
  env["GREENBENCH_SYSFS_ROOT"] = m.dir + "/empty";
  r = testing::cli_run({"knobs", "show", "--json"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& k : nlohmann::json::parse(r.out)["knobs"]) {
    if (k["key"] == "blas_core") continue;
    EXPECT_EQ(k["settable"], false) << k.dump();
    EXPECT_FALSE(k["why_not"].get<std::string>().empty()) << k.dump();
  }
  // The table form names the journal.
  r = testing::cli_run({"knobs", "show"}, m.env());
  EXPECT_NE(r.out.find("journal: " + m.dir + "/state/knobs-journal.json"), std::string::npos)
      << r.out;
}

// Starts `run` in the background on a grid of one mlp [512] run on `m` that adapts
// cpu_power_limit_w over [20, 30] W, `steps` training steps each; returns its pid.
int adapt_power_run(const FakeMachine& m, int train_samples, int epochs, int steps) {
  m.put("grid.yaml",
        fmt::format("name: adapt\nmeter: estimate\nidle_baseline_s: 0\npause_s: 0\nexperiments:\n"
                    "  - workload: mlp\n    set: {{dataset: synthetic, hidden: [512], batch_size: "
                    "32, train_samples: {}, test_samples: 200, epochs: {},\n"
                    "          adapt: {{knob: cpu_power_limit_w, values: [20, 30], steps: {}}}}}\n",
                    train_samples, epochs, steps));
  return testing::cli_spawn({"run", m.dir + "/grid.yaml", "--out", m.dir + "/res"}, m.env(),
                            m.dir + "/out", m.dir + "/err");
}

// In-run adaptation of a power limit (docs/grids.md, "adapt"): each value is in the fake powercap
// files while its profile window runs (seen by polling them every 2 ms, in profile order, and
// read back into the profile), the row records the profile and the chosen value, and after the
// run the originals are back. Each value's window is 500 steps of mlp [512] (0.3 s or more).
TEST(CliKnobs, AdaptWritesEachPowerLimitDuringItsWindowAndRestores) {
  FakeMachine m;
  const int pid = adapt_power_run(m, 32000, 1, 500);
  auto seen = [&](const std::string& uw) {  // both packages at `uw`, within 60 s
    for (int i = 0; i < 30000; ++i) {
      if (m.rapl(0, 0) == uw && m.rapl(1, 0) == uw) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  };
  // Each value in force in turn while the run trains.
  EXPECT_TRUE(seen("20000000")) << slurp(m.dir + "/err");
  EXPECT_TRUE(seen("30000000")) << slurp(m.dir + "/err");
  ASSERT_EQ(testing::cli_wait(pid), 0) << slurp(m.dir + "/err");
  const auto rows = jsonl_of(m.dir + "/res/runs.jsonl");
  ASSERT_EQ(rows.size(), 1u);
  const auto& row = rows[0];
  EXPECT_EQ(row["status"], "ok") << row.dump();
  const auto& p = row["adapt_profile"];
  ASSERT_TRUE(p.is_object()) << row.dump();
  EXPECT_EQ(p["knob"], "cpu_power_limit_w");
  ASSERT_EQ(p["values"].size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& v = p["values"][i];
    EXPECT_EQ(v["value"].get<double>(), i == 0 ? 20 : 30);
    EXPECT_EQ(v["in_force"].get<double>(), i == 0 ? 20 : 30);  // read back from the files
    EXPECT_EQ(v["steps"], 500);
    EXPECT_GT(v["energy_j"].get<double>(), 0);
  }
  ASSERT_EQ(p["complete"], true);
  const double chosen = p["chosen"].get<double>();
  EXPECT_TRUE(chosen == 20 || chosen == 30);
  // The knob's own column and the knobs column hold the value kept for the rest of the run.
  EXPECT_EQ(row["cpu_power_limit_w"].get<double>(), chosen);
  EXPECT_EQ(row["knobs"]["cpu_power_limit_w"].get<double>(), chosen);
  EXPECT_NE(slurp(m.dir + "/res/runs.csv").find(",cpu_power_limit_w,"), std::string::npos);
  // Every original is back; no journal is left.
  EXPECT_EQ(m.rapl(0, 0), "65000000");
  EXPECT_EQ(m.rapl(1, 0), "65000000");
  EXPECT_FALSE(fs::exists(m.journal()));
}

// kill -9 inside the profile leaves the value being profiled and the journal; `knobs restore`
// puts the original back, as after any run.
TEST(CliKnobs, AdaptKilledMidProfileIsRestoredFromTheJournal) {
  FakeMachine m;
  const int pid = adapt_power_run(m, 20000, 20, 5000);
  ASSERT_TRUE(wait_for([&] { return m.rapl(0, 0) == "20000000"; })) << slurp(m.dir + "/err");
  kill(pid, SIGKILL);
  EXPECT_EQ(testing::cli_wait(pid), 128 + SIGKILL);
  EXPECT_EQ(m.rapl(0, 0), "20000000");
  ASSERT_TRUE(fs::exists(m.journal()));
  auto restored = testing::cli_run({"knobs", "restore"}, m.env());
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(m.rapl(0, 0), "65000000");
  EXPECT_EQ(m.rapl(1, 0), "65000000");
  EXPECT_FALSE(fs::exists(m.journal()));
}

// The GPU power limit through the fake NVML, and a value this machine cannot take: exit 2
// before any work, naming the value and the range.
TEST(CliKnobs, AdaptGpuPowerLimitOnTheFakeNvmlAndRangeChecks) {
  FakeMachine m;
  auto grid = [&](const std::string& values) {
    m.put("grid.yaml",
          "name: adapt\nmeter: estimate\nidle_baseline_s: 0\npause_s: 0\nexperiments:\n"
          "  - workload: mlp\n    set: {dataset: synthetic, hidden: [32], train_samples: 2000, "
          "test_samples: 200, batch_size: 32,\n"
          "          adapt: {knob: gpu_power_limit_w, values: " +
              values + ", steps: 5, objective: zeus, eta: 0.5}}\n");
    return m.dir + "/grid.yaml";
  };
  auto bad = testing::cli_run({"run", grid("[150, 400]"), "--out", m.dir + "/bad"}, m.env());
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("gpu_power_limit_w: 400 is out of range"), std::string::npos) << bad.err;
  EXPECT_FALSE(fs::exists(m.dir + "/bad"));
  EXPECT_EQ(m.file("gpu_limits"), "250000 100000 300000\n");

  auto r = testing::cli_run({"run", grid("[150, 200]"), "--out", m.dir + "/res"}, m.env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto row = jsonl_of(m.dir + "/res/runs.jsonl").at(0);
  const auto& p = row["adapt_profile"];
  ASSERT_EQ(p["values"].size(), 2u) << row.dump();
  EXPECT_EQ(p["values"][0]["in_force"].get<double>(), 150);  // read back through NVML
  EXPECT_EQ(p["values"][1]["in_force"].get<double>(), 200);
  EXPECT_EQ(p["objective"], "zeus");
  EXPECT_EQ(row["gpu_power_limit_w"], p["chosen"]);
  EXPECT_EQ(row["knobs"]["gpu_power_limit_w"], p["chosen"]);
  EXPECT_EQ(m.file("gpu_limits"), "250000 100000 300000\n");
  EXPECT_FALSE(fs::exists(m.journal()));
}

}  // namespace
}  // namespace greenbench
