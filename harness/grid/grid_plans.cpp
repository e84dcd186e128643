// grid_plans_load: see grid_plans.hpp. The grid module's load + expand, every run kept (no
// filter, no shard), each plan with its phases, repeat and stable ids.
#include "grid_plans.hpp"

#include "grid_expand.hpp"
#include "grid_file.hpp"

namespace greenbench::analysis {

std::vector<RunPlan> grid_plans_load(const std::string& path, std::string* meter) {
  const GridFile g = grid_file_load(path);
  if (meter) *meter = g.meter;
  const GridExpansion ex = grid_expand(g, GridExpandOptions{});
  std::vector<RunPlan> plans;
  plans.reserve(ex.runs.size());
  for (const GridRun& r : ex.runs) plans.push_back(r.plan);
  return plans;
}

}  // namespace greenbench::analysis
