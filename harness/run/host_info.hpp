// Internal: facts about this machine and build for meta.json — host, CPU model, cores, BLAS and
// its version, greenbench version and commit. Not the meter's probe.
#pragma once

#include <nlohmann/json.hpp>

namespace greenbench {
nlohmann::json host_info();
// Now as ISO 8601 UTC ("2026-11-23T09:41:07Z").
std::string time_now_iso();
}  // namespace greenbench
