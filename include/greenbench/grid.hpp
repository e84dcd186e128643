// Grid files (docs/grids.md) for code that plans runs: a GRID.yaml loaded, checked and expanded
// into its runs, the way `greenbench run`, `profile`, `tune` and `estimate predict` read it (the
// same checks, the same run ids). Code: harness/grid/ (library greenbench_grid). Not the runner.
//
// Bad input is an InputError (greenbench/errors.hpp) before anything runs: `file`, `line` and
// `column` (1-based) say where in the grid file the bad key or value is written, `fix` what to
// do, and what() is all of it as one "FILE:LINE:COL: what; fix" line.
//
// For in-tree and add_subdirectory users (link greenbench_grid): `cmake --install` installs
// neither this header nor its library (README.md, "Using greenbench from your own code").
#pragma once

#include <string>
#include <vector>

#include "greenbench/errors.hpp"
#include "greenbench/workload.hpp"

namespace greenbench {

// One planned run: a workload configuration (every key, defaults applied) and a repeat, with the
// ids that name it in results (results/README.md: run_id, config_id).
struct RunPlan {
  std::string workload;  // "mlp", ...; "command" for a command experiment (docs/grids.md)
  WorkloadConfig config;
  std::vector<std::string> phases = {"train", "infer"};
  int repeat = 0;
  std::string config_id;  // the same workload and keys give the same id on any machine
  std::string run_id;     // config_id + "-r" + repeat
  std::string label;      // readable: "mlp hidden=[128] batch_size=32" (grids); "" = the workload
  double expected_s = 0;  // expected seconds, 0 = unknown (grid_plans_load leaves it 0)

  // Whether the plan runs `phase` ("train" or "infer").
  bool runs(const std::string& phase) const;
};

// Every run the grid file at `path` plans (each experiment's configurations x repeats, in run
// order: repeat 0 of every configuration, then repeat 1, ...), each configuration checked
// against its workload, its data set and the memory available. When `meter` is given it
// receives the grid's `meter:` key ("auto" when absent). Throws InputError naming the file,
// line and column of what is wrong.
std::vector<RunPlan> grid_plans_load(const std::string& path, std::string* meter = nullptr);

}  // namespace greenbench
