// grid_plans_load (include/greenbench/grid.hpp): the grid module's load + expand, every run kept
// (no filter, no shard), each plan with its phases, repeat and stable ids.
#include "greenbench/grid.hpp"
#include "grid_expand.hpp"
#include "grid_file.hpp"

namespace greenbench {

std::vector<RunPlan> grid_plans_load(const std::string& path, std::string* meter) {
  const GridFile g = grid_file_load(path);
  if (meter) *meter = g.meter;
  const GridExpansion ex = grid_expand(g, GridExpandOptions{});
  std::vector<RunPlan> plans;
  plans.reserve(ex.runs.size());
  for (const GridRun& r : ex.runs) plans.push_back(r.plan);
  return plans;
}

}  // namespace greenbench
