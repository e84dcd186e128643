// Internal: the host's power configuration for meta.json's `host_power` (docs/meter.md): kernel,
// CPU identity and microcode, cpufreq policies, boost, SMT, RAPL power limits, compiler and
// flags, thread settings. Read through the sysfs and proc roots, so fake trees test it. Not the
// meter's probe and not the BLAS facts (host_info.cpp).
#pragma once

#include <nlohmann/json.hpp>

#include "greenbench/meter.hpp"

namespace greenbench {

// What is readable; an unreadable fact is null, never guessed.
nlohmann::json host_power_info(const SourcePaths& paths);

}  // namespace greenbench
