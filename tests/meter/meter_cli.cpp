// The meter's end-to-end steps of meter_cli.hpp.
#include "meter_cli.hpp"

#include <gtest/gtest.h>

#include <cstdio>

namespace greenbench::testing {

MeterSleep meter_sleep(const std::string& source, const std::string& seconds, const Env& env) {
  std::vector<std::string> args = {"meter"};
  if (!source.empty()) args.insert(args.end(), {"--source", source});
  args.insert(args.end(), {"--json", "--", "sleep", seconds});
  MeterSleep m{cli_run(args, env), nullptr};
  EXPECT_EQ(m.run.exit_code, 0) << m.run.err;
  if (m.run.exit_code == 0) m.j = nlohmann::json::parse(m.run.out);
  return m;
}

void energy_near(const MeterSleep& m, const std::string& domain, double power_w, double rel) {
  ASSERT_TRUE(m.j.is_object()) << "no JSON from meter: " << m.run.err;
  const double truth_j = power_w * m.duration_s();
  const double got_j = m.j.at("energy_j").at(domain).get<double>();
  if (domain == "total")
    std::printf("%s: total %.4f J, truth %.4f J, error %+.4f%%\n",
                ::testing::UnitTest::GetInstance()->current_test_info()->name(), got_j, truth_j,
                100 * (got_j / truth_j - 1));
  EXPECT_NEAR(got_j, truth_j, rel * truth_j) << domain << " in " << m.run.out;
}

Env env_isolated(const std::string& root) {
  return {{"GREENBENCH_DEV_ROOT", root + "/dev-none"},
          {"GREENBENCH_NVML_LIBRARY", root + "/no-libnvidia-ml.so.1"},
          {"GREENBENCH_PERF_EVENTS_ROOT", root + "/perf-events"}};
}

Env env_for(const test::FakePowercap& fake) {
  Env env = env_isolated(fake.root());
  env["GREENBENCH_SYSFS_ROOT"] = fake.sysfs_root();
  env["GREENBENCH_PROC_ROOT"] = fake.proc_root();
  return env;
}

}  // namespace greenbench::testing
