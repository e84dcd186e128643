// The one place `profile` and `estimate predict` turn a GRID.yaml into planned runs, through
// the grid module (grid_file.hpp, grid_expand.hpp): the same checks and ids as `run`.
// Not the parser itself.
#pragma once

#include <string>
#include <vector>

#include "run_plan.hpp"

namespace greenbench::analysis {

// The runs a grid file plans (every configuration x repeat, defaults applied).
// Throws InputError naming the file, line and column for a bad grid.
// When `meter` is given it receives the grid's `meter:` key ("auto" when absent), which every
// command that meters a grid honours unless --meter overrides it (docs/grids.md).
std::vector<RunPlan> grid_plans_load(const std::string& path, std::string* meter = nullptr);

}  // namespace greenbench::analysis
