// The meter's end-to-end tests' shared steps: `greenbench meter ... --json -- sleep N` through
// the real binary and its JSON read back, energy checked against a known constant power, and
// environments that keep the binary off this machine's own counters. Not a test itself.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "fake_powercap.hpp"
#include "run_cli.hpp"

namespace greenbench::testing {

using Env = std::map<std::string, std::string>;

// One `greenbench meter [--source SOURCE] --json -- sleep SECONDS`: what the binary said, and
// the object it printed (null where it did not exit 0; the test has then failed, with stderr).
struct MeterSleep {
  CliResult run;
  nlohmann::json j;
  double duration_s() const { return j.at("duration_s").get<double>(); }
};
// `source` "" is the default (auto).
MeterSleep meter_sleep(const std::string& source, const std::string& seconds, const Env& env);

// Checks j["energy_j"][domain] against a constant `power_w` over the window's duration, within
// `rel`. For "total", prints the error (the end-to-end figure the docs quote).
void energy_near(const MeterSleep& m, const std::string& domain, double power_w, double rel = 0.01);

// Nothing of this machine under `root`: no msr files, no NVML, no real perf syscalls.
Env env_isolated(const std::string& root);
// env_isolated plus the fake tree's sysfs and proc roots.
Env env_for(const test::FakePowercap& fake);

}  // namespace greenbench::testing
