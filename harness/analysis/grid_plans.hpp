// The one place `profile` and `estimate predict` turn a GRID.yaml into planned runs. This
// build's grid parser lives on another branch: until it is merged, grid_plans_load says so
// (exit 2); at merge its body becomes one call to the grid expansion. Not the parser itself.
#pragma once

#include <string>
#include <vector>

#include "runner.hpp"

namespace greenbench::analysis {

// The runs a grid file plans (every configuration x repeat, defaults applied).
// Throws InputError naming the file for a bad grid, or while unsupported.
std::vector<RunPlan> grid_plans_load(const std::string& path);

}  // namespace greenbench::analysis
