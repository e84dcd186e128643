// The keys of a grid experiment: its workload's, then the run keys (docs/grids.md, "Knobs",
// "adapt").
#include "grid_keys.hpp"

#include "adapt_key.hpp"
#include "knobs.hpp"

namespace greenbench {

std::vector<std::string> grid_keys(const std::string& workload) {
  std::vector<std::string> keys = workload_keys(workload);
  for (const auto& k : run_keys()) keys.push_back(k);
  return keys;
}

WorkloadConfig grid_config_complete(const std::string& workload, const WorkloadConfig& config) {
  WorkloadConfig out = workload_config_complete(workload, workload_config_of(config));
  for (const auto& k : run_keys())
    if (config.contains(k)) {
      run_key_check(k, config.at(k));
      out[k] = config.at(k);
    }
  adapt_complete(config, out);  // adapt's fields; threads from its values (docs/grids.md)
  return out;
}

}  // namespace greenbench
