// Internal: the ids of planned runs (results/README.md, run_id and config_id) and the one FNV-1a.
// RunPlan itself is public (include/greenbench/grid.hpp). Grids expand into plans; the runner
// executes them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "greenbench/grid.hpp"
#include "greenbench/workload.hpp"

namespace greenbench {

// A stable id of a configuration: the same workload and keys give the same id on any machine,
// whatever the key order (hash_fnv1a of the canonical JSON), as 16 hex digits.
std::string config_id_of(const std::string& workload, const WorkloadConfig& config);
RunPlan run_plan_make(const std::string& workload, const WorkloadConfig& config, int repeat,
                      std::vector<std::string> phases);

// FNV-1a 64 of a string: config ids, grid ids and shards.
uint64_t hash_fnv1a(const std::string& text);

}  // namespace greenbench
