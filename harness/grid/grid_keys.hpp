// Internal: the keys a grid accepts for an experiment — its workload's keys plus the run keys
// (the knobs and target_accuracy, knobs/knobs.hpp; docs/grids.md, "Knobs") — and a run's
// configuration completed: the workload's part by the workload, the run keys checked here.
#pragma once

#include <string>
#include <vector>

#include "greenbench/workload.hpp"

namespace greenbench {

// workload_keys(workload) followed by run_keys().
std::vector<std::string> grid_keys(const std::string& workload);
// workload_config_complete over the workload's keys, with the run keys checked and kept as
// given. Throws InputError "KEY: ..." as workload_config_complete does.
WorkloadConfig grid_config_complete(const std::string& workload, const WorkloadConfig& config);

}  // namespace greenbench
