// Internal: which shard of `--shard I/N` each run of a grid goes to (docs/grids.md, "--shard
// I/N"): by run_id hash, or by cost so that the shards' expected times come out even. Not the
// selection by --filter (grid_expand.hpp) and not the ETA (run/eta.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "grid_expand.hpp"

namespace greenbench {

// The rate shards price runs at: one thread's sgemm GFLOP/s of a typical server core (times
// kWorkloadEfficiency, as the ETA does). Fixed, never measured, so every node computes the same
// split; only the ratio of FLOPs to pauses depends on it.
inline constexpr double kShardReferenceGflops = 100;

// "hash" or "cost"; anything else is an InputError naming --shard-by.
ShardBy shard_by_parse(const std::string& text);
const char* shard_by_name(ShardBy by);

// A run's cost for balancing shards: run_cost_s at kShardReferenceGflops with the grid's pause,
// in whole milliseconds, so sorting and sums are exact integers on every machine.
int64_t run_shard_cost_ms(const GridRun& run, double pause_s);

// The shard (0 .. count-1) of each of `runs`, by position. ShardBy::hash: FNV-1a 64 of run_id
// modulo count. ShardBy::cost: runs in decreasing run_shard_cost_ms (run order breaks ties), each
// into the shard with the least cost so far (then the fewest runs, then the lowest index); every
// run is in exactly one shard and the same runs give the same split on any machine.
// REQUIRES: count >= 1.
std::vector<int> shards_assign(const std::vector<const GridRun*>& runs, int count,
                               const ShardSplit& split);

// Each shard's summed run_shard_cost_ms for an assignment from shards_assign.
std::vector<int64_t> shards_cost_ms(const std::vector<const GridRun*>& runs,
                                    const std::vector<int>& shard, int count, double pause_s);

}  // namespace greenbench
