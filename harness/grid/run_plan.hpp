// One planned run: the workload, its configuration and repeat, and the ids that name it in
// results (docs/results.md). Grids expand into these; the runner executes them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "greenbench/workload.hpp"

namespace greenbench {

// One run: a workload configuration (defaults applied) and a repeat number.
struct RunPlan {
  std::string workload;
  WorkloadConfig config;
  std::vector<std::string> phases = {"train", "infer"};
  int repeat = 0;
  std::string config_id;  // config_id_of(workload, config)
  std::string run_id;     // config_id + "-r" + repeat
  std::string label;      // readable: "mlp hidden=[128] batch_size=32" (grids); "" = the workload
  double expected_s = 0;  // expected duration (eta.hpp), 0 = unknown; for the ETA

  // Whether the plan runs `phase` ("train" or "infer"); how the runner, the profiler and the
  // ETA read `phases`.
  bool runs(const std::string& phase) const;
};

// A stable id of a configuration: the same workload and keys give the same id on any machine,
// whatever the key order (hash_fnv1a of the canonical JSON), as 16 hex digits.
std::string config_id_of(const std::string& workload, const WorkloadConfig& config);
RunPlan run_plan_make(const std::string& workload, const WorkloadConfig& config, int repeat,
                      std::vector<std::string> phases);

// FNV-1a 64 of a string: config ids, grid ids and shards.
uint64_t hash_fnv1a(const std::string& text);

}  // namespace greenbench
