// Run plans and their ids (docs/results.md, run_id and config_id).
#include "run_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace greenbench {

uint64_t hash_fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string config_id_of(const std::string& workload, const WorkloadConfig& config) {
  // nlohmann::json objects keep keys sorted, so dump() is canonical for a given content.
  const std::string text = nlohmann::json{{"workload", workload}, {"config", config}}.dump();
  return fmt::format("{:016x}", hash_fnv1a(text));
}

bool RunPlan::runs(const std::string& phase) const {
  return std::find(phases.begin(), phases.end(), phase) != phases.end();
}

RunPlan run_plan_make(const std::string& workload, const WorkloadConfig& config, int repeat,
                      std::vector<std::string> phases) {
  RunPlan p;
  p.workload = workload;
  p.config = config;
  p.repeat = repeat;
  p.phases = std::move(phases);
  p.config_id = config_id_of(workload, config);
  p.run_id = fmt::format("{}-r{}", p.config_id, repeat);
  return p;
}

}  // namespace greenbench
