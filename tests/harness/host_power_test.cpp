// meta.json's host_power (harness/run/host_power.cpp) against a fake sysfs/proc tree: kernel, CPU
// identity and microcode, cpufreq policies, boost, SMT and RAPL limits read as written there;
// unreadable facts null, never guessed.
#include "host_power.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

struct Tree {
  std::string root = testing::temp_dir_make("gb_host_power");
  ~Tree() { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories(fs::path(root + "/" + rel).parent_path());
    std::ofstream(root + "/" + rel) << text;
  }
  SourcePaths paths() const {
    return SourcePaths{root + "/sys", root + "/proc", root + "/dev", "", ""};
  }
};

TEST(HostPower, ReadsTheFakeTreesPowerConfiguration) {
  Tree t;
  t.write("proc/cpuinfo",
          "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\n"
          "model name\t: Intel(R) Xeon(R) Platinum 8580\nstepping\t: 2\nmicrocode\t: 0x21000240\n\n"
          "processor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 207\n"
          "stepping\t: 9\nmicrocode\t: 0xdead\n");
  t.write("proc/sys/kernel/osrelease", "6.8.0-45-generic\n");
  const std::string cf = "sys/devices/system/cpu/cpufreq/";
  t.write(cf + "policy0/scaling_governor", "performance\n");
  t.write(cf + "policy0/scaling_min_freq", "800000\n");
  t.write(cf + "policy0/scaling_max_freq", "3800000\n");
  t.write(cf + "policy0/scaling_driver", "intel_pstate\n");
  t.write(cf + "policy1/scaling_governor", "powersave\n");
  t.write(cf + "policy1/scaling_max_freq", "2000000\n");
  t.write("sys/devices/system/cpu/intel_pstate/no_turbo", "1\n");
  t.write("sys/devices/system/cpu/smt/active", "1\n");
  t.write("sys/devices/system/cpu/smt/control", "on\n");
  t.write("sys/class/powercap/intel-rapl:0/name", "package-0\n");
  t.write("sys/class/powercap/intel-rapl:0/enabled", "1\n");
  t.write("sys/class/powercap/intel-rapl:0/constraint_0_name", "long_term\n");
  t.write("sys/class/powercap/intel-rapl:0/constraint_0_power_limit_uw", "350000000\n");
  t.write("sys/class/powercap/intel-rapl:0/constraint_0_time_window_us", "999424\n");
  t.write("sys/class/powercap/intel-rapl:0/constraint_1_name", "short_term\n");
  t.write("sys/class/powercap/intel-rapl:0/constraint_1_power_limit_uw", "420000000\n");

  const auto h = host_power_info(t.paths());
  EXPECT_EQ(h["kernel"]["release"], "6.8.0-45-generic");
  EXPECT_EQ(h["cpu"]["vendor"], "GenuineIntel");
  EXPECT_EQ(h["cpu"]["family"], 6);
  EXPECT_EQ(h["cpu"]["model"], 207);
  EXPECT_EQ(h["cpu"]["stepping"], 2);  // the first processor's
  EXPECT_EQ(h["cpu"]["microcode"], "0x21000240");
  ASSERT_EQ(h["cpufreq"].size(), 2u);
  EXPECT_EQ(h["cpufreq"][0]["policy"], "policy0");
  EXPECT_EQ(h["cpufreq"][0]["governor"], "performance");
  EXPECT_EQ(h["cpufreq"][0]["min_khz"], 800000);
  EXPECT_EQ(h["cpufreq"][0]["max_khz"], 3800000);
  EXPECT_EQ(h["cpufreq"][1]["governor"], "powersave");
  EXPECT_TRUE(h["cpufreq"][1]["min_khz"].is_null());
  EXPECT_EQ(h["boost"]["enabled"], false);  // no_turbo = 1
  EXPECT_EQ(h["smt"]["active"], 1);
  EXPECT_EQ(h["smt"]["control"], "on");
  ASSERT_EQ(h["rapl_limits"].size(), 1u);
  EXPECT_EQ(h["rapl_limits"][0]["name"], "package-0");
  ASSERT_EQ(h["rapl_limits"][0]["constraints"].size(), 2u);
  EXPECT_EQ(h["rapl_limits"][0]["constraints"][0]["power_limit_uw"], 350000000);
  EXPECT_EQ(h["rapl_limits"][0]["constraints"][1]["name"], "short_term");
  EXPECT_FALSE(h["build"]["compiler"].get<std::string>().empty());
  EXPECT_NE(h["build"]["flags"].get<std::string>().find("-Wall"), std::string::npos)
      << h["build"].dump();
}

TEST(HostPower, AnEmptyTreeGivesNullsNotGuesses) {
  Tree t;
  const auto h = host_power_info(t.paths());
  EXPECT_TRUE(h["kernel"]["release"].is_null());
  EXPECT_TRUE(h["cpu"]["microcode"].is_null());
  EXPECT_TRUE(h["cpufreq"].empty());
  EXPECT_TRUE(h["boost"]["enabled"].is_null());
  EXPECT_TRUE(h["smt"]["active"].is_null());
  EXPECT_TRUE(h["rapl_limits"].empty());
}

}  // namespace
}  // namespace greenbench
