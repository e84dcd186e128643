// The one definition of the run settings' defaults, shared by grid files (grid_file.hpp), the
// `run` flags (harness/cli/cmd_run.cpp) and the runner (harness/run/runner.hpp). docs/grids.md
// and README.md state them to users.
#pragma once

namespace greenbench {

inline constexpr const char* kMeterDefault = "auto";  // meter: / --meter
inline constexpr int kRepeatsDefault = 1;             // repeats: / --repeats
inline constexpr double kIdleBaselineSDefault = 5;    // idle_baseline_s: / --idle-baseline-s
inline constexpr double kPauseSDefault = 2;           // pause_s: / --pause-s
inline constexpr double kCarbonGPerKwhDefault = 475;  // carbon: {intensity_g_per_kwh}
inline constexpr double kPueDefault = 1.0;            // carbon: {pue}

}  // namespace greenbench
