// Test helper: the text of a small grid file (docs/grids.md) for end-to-end tests: the
// `estimate` meter, no idle baseline or pauses unless given, synthetic data, and either one
// `mlp` experiment or the test's own list. What a test varies (samples, epochs, the grid
// itself) stays in the test.
#pragma once

#include <string>

namespace greenbench::testing {

struct QuickGrid {
  std::string name{};
  std::string idle_s = "0", pause_s = "0";
  std::string more{};      // more top-level keys, a line each ("repeats: 1\n")
  std::string defaults{};  // entries of `defaults:` after `dataset: synthetic`
  // The one experiment most tests need, `workload: mlp`: the entries of its `set:` (none when
  // empty) and of its `grid:`.
  std::string mlp_set{}, mlp_grid{};
  // Or the YAML list under `experiments:` (a first newline is dropped), used when not empty.
  std::string experiments{};
};

// The "tiny" grid's settings that several end-to-end tests share: runs of about a second (600
// training samples, 2 epochs, one thread) after a short idle baseline and pauses; no experiments.
QuickGrid tiny_grid();

// name, `meter: estimate`, idle_baseline_s, pause_s, `more`, `defaults: {dataset: synthetic,
// ...}`, `experiments:` and the list.
std::string quick_grid_yaml(const QuickGrid& grid);

}  // namespace greenbench::testing
