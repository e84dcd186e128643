// The runner: executes planned runs one by one — idle baseline, then per run each epoch's
// training pass and the inference pass after it, each metered separately with a pause between
// — and hands every finished run to the results writer. Not grid parsing or expansion.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "greenbench/workload.hpp"
#include "run_defaults.hpp"
#include "run_plan.hpp"

namespace greenbench {

// The run settings (a grid's, or `run --workload`'s flags), where the results go, and what
// meta.json records.
struct RunnerOptions : RunSettings {
  std::string out_dir;
  bool resume = false;
  double meter_interval_s = 0.1;
  std::string grid_name;
  std::string grid_text;                 // the grid file as given ("" for --workload runs)
  std::vector<std::string> key_columns;  // the union of workload keys over all runs
  nlohmann::json meta_extra =
      nlohmann::json::object();  // more meta.json keys (grid_id, shard, filter)
};

// Runs every plan not already finished in out_dir. Returns the exit code: 0 when every run
// ended ok or diverged, 1 when one failed, 130 when interrupted (Ctrl-C / SIGTERM).
int runner_run(const std::vector<RunPlan>& plans, const RunnerOptions& options);

}  // namespace greenbench
