// Internal: the plausibility check of one window (meter/plausibility.cpp), called by the
// sampler at each window's end. Not public API.
#pragma once

#include <string>
#include <vector>

#include "greenbench/meter.hpp"

namespace greenbench::detail {

// Warnings for domains whose implied power over `w` is outside `b`; `modelled[i]` marks
// counters of the estimate (never judged). `busy_cpus`: average busy CPUs over the window,
// NaN when unknown (no floor check then).
std::vector<std::string> window_plausibility_check(const EnergyWindow& w,
                                                   const std::vector<CounterSpec>& specs,
                                                   const std::vector<bool>& modelled,
                                                   const PlausibilityBounds& b, double busy_cpus);

}  // namespace greenbench::detail
