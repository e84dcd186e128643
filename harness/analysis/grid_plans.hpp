// The one place `profile` and `estimate predict` turn a GRID.yaml into planned runs, through
// the grid module (grid_file.hpp, grid_expand.hpp): the same checks and ids as `run`.
// Not the parser itself.
#pragma once

#include <string>
#include <vector>

#include "runner.hpp"

namespace greenbench::analysis {

// The runs a grid file plans (every configuration x repeat, defaults applied).
// Throws InputError naming the file, line and column for a bad grid.
std::vector<RunPlan> grid_plans_load(const std::string& path);

}  // namespace greenbench::analysis
