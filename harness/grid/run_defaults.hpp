// The one definition of the run settings and their defaults, shared by grid files
// (grid_file.hpp), the `run` flags (harness/cli/cmd_run.cpp) and the runner
// (harness/run/runner.hpp). docs/grids.md and README.md state them to users.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace greenbench {

inline constexpr const char* kMeterDefault = "auto";  // meter: / --meter
// What meter: and --meter (run, profile, tune, submit; meter --source) accept (docs/meter.md).
inline const std::vector<std::string> kMeterChoices = {"auto", "rapl", "perf",
                                                       "msr",  "nvml", "estimate"};
inline constexpr int kRepeatsDefault = 1;             // repeats: / --repeats
inline constexpr double kIdleBaselineSDefault = 5;    // idle_baseline_s: / --idle-baseline-s
inline constexpr double kPauseSDefault = 2;           // pause_s: / --pause-s
inline constexpr double kCarbonGPerKwhDefault = 475;  // carbon: {intensity_g_per_kwh}
inline constexpr double kPueDefault = 1.0;            // carbon: {pue}

// The settings of a whole grid's runs (docs/grids.md, the run-level keys) that the runner runs
// by. A GridFile and the RunnerOptions are both RunSettings: a grid's settings reach the runner
// by one assignment, and a setting added here reaches both.
struct RunSettings {
  std::string meter = kMeterDefault;
  double idle_baseline_s = kIdleBaselineSDefault;
  double pause_s = kPauseSDefault;
  double carbon_g_per_kwh = kCarbonGPerKwhDefault;
  double pue = kPueDefault;
  nlohmann::json carbon_given = nlohmann::json::object();  // the carbon block as written
};

}  // namespace greenbench
