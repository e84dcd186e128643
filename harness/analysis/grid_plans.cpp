// grid_plans_load: see grid_plans.hpp. MERGE POINT: replace the body with the grid module's
// load + expand (e.g. `return grid_expand(grid_load(path)).plans;`).
#include "analysis/grid_plans.hpp"

#include "greenbench/errors.hpp"

namespace greenbench::analysis {

std::vector<RunPlan> grid_plans_load(const std::string& path) {
  throw InputError("grid files are not supported by this build yet", path, 0, 0,
                   "use --workload NAME [--set KEY=VALUE]... for one configuration");
}

}  // namespace greenbench::analysis
