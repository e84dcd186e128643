// Test support: the text of a small grid file (grid_yaml.hpp).
#include "grid_yaml.hpp"

namespace greenbench::testing {

QuickGrid tiny_grid() {
  return {.name = "tiny",
          .idle_s = "0.2",
          .pause_s = "0.05",
          .defaults = "train_samples: 600, test_samples: 200, epochs: 2, threads: 1"};
}

std::string quick_grid_yaml(const QuickGrid& grid) {
  std::string experiments = grid.experiments;
  if (!experiments.empty() && experiments.front() == '\n') experiments.erase(0, 1);
  if (experiments.empty()) {
    experiments = "  - workload: mlp\n";
    if (!grid.mlp_set.empty()) experiments += "    set: {" + grid.mlp_set + "}\n";
    experiments += "    grid: {" + grid.mlp_grid + "}\n";
  }
  std::string defaults = "dataset: synthetic";
  if (!grid.defaults.empty()) defaults += ", " + grid.defaults;
  return "name: " + grid.name + "\nmeter: estimate\nidle_baseline_s: " + grid.idle_s +
         "\npause_s: " + grid.pause_s + "\n" + grid.more + "defaults: {" + defaults +
         "}\nexperiments:\n" + experiments;
}

}  // namespace greenbench::testing
