// Internal: a parsed grid file expanded into runs (RunPlans with stable ids), checked per run
// against its workload, sized, and selected by --filter and --shard. Not parsing
// (grid_file.hpp), not timing (eta.hpp) and not running (runner.hpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "greenbench/workload.hpp"
#include "grid_file.hpp"
#include "run_plan.hpp"

namespace greenbench {

// At most this many runs (configurations x repeats) in one grid; more is an input error.
inline constexpr int64_t kGridMaxRuns = 100000;

struct GridRun {
  RunPlan plan;  // plan.label: "mlp hidden=[128] batch_size=32" (+ " repeat=1" when repeats > 1)
  int experiment = 0;  // 1-based
  WorkloadSize size;   // from shapes (workload_size)
};

struct GridExpansion {
  std::vector<GridRun> runs;       // every run, in run order (see grid_expand)
  int64_t configurations = 0;      // distinct configurations
  int64_t duplicates_dropped = 0;  // runs equal to an earlier one (two experiments overlapping)
  std::vector<std::string> key_columns;  // the union of workload keys over all runs, sorted
  std::string grid_id;                   // hash of every run_id: equal grids have equal ids
};

struct GridExpandOptions {
  nlohmann::json overrides = nlohmann::json::object();  // --set KEY=VALUE, highest precedence
  // More runs than this is an InputError, found before any run is built.
  int64_t max_runs = kGridMaxRuns;
  // The largest run must fit in MemAvailable ($GREENBENCH_PROC_ROOT/meminfo).
  bool check_memory = true;
};

// Expands `grid` into runs. Each experiment's configurations are the cartesian product of its
// grid lists, the last key varying fastest; a run's keys are, by increasing precedence: the
// grid's defaults, the experiment's set, its grid values, the overrides (defaults and overrides
// apply to each experiment whose workload has the key). Order: repeat 0 of every experiment's
// configurations in file order, then repeat 1, and so on. Checks every configuration with
// workload_config_complete, its data set, and memory; errors name the file position of the key
// that caused them. Throws InputError.
GridExpansion grid_expand(const GridFile& grid, const GridExpandOptions& options);

// `--workload NAME --set KEY=VALUE...` (run, profile) as a one-experiment grid with no file:
// expanded and checked exactly as grid_expand checks a grid file (values, data set, memory),
// errors naming the --set key (docs/grids.md). Throws InputError.
GridExpansion workload_expand(const std::string& workload, const nlohmann::json& overrides,
                              int repeats, const std::vector<std::string>& phases);

// The longest --filter pattern.
inline constexpr size_t kFilterMaxBytes = 1000;

// How --shard splits the selected runs (docs/grids.md, "--shard I/N"): `hash` puts a run in
// the shard its FNV-1a hash of run_id gives modulo N (a run keeps its shard when the grid
// changes); `cost` balances the shards' expected times (grid_shard.hpp: largest run first
// into the least loaded shard, from FLOPs and pauses, the same on every machine).
enum class ShardBy { hash, cost };
struct ShardSplit {
  ShardBy by = ShardBy::hash;
  double pause_s = 0;  // the grid's pause_s, part of a run's cost
};

// The runs --filter and --shard select, in run order. `filter` (an RE2 pattern, matched in
// linear time; "" = all) is searched in each run's label and run_id. Shard `index` of `count`
// (0-based) holds the filtered runs `split` gives it: every run is in exactly one shard. Throws
// InputError for a bad regex or shard.
std::vector<RunPlan> grid_select(const GridExpansion& expansion, const std::string& filter,
                                 int shard_index, int shard_count, const ShardSplit& split = {});

// Parses "I/N" (0 <= I < N). Throws InputError.
void shard_parse(const std::string& text, int& index, int& count);

}  // namespace greenbench
