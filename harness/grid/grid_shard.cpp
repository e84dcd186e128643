// Runs to shards, by hash or by cost (longest processing time first). See grid_shard.hpp.
#include "grid_shard.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "greenbench/errors.hpp"
#include "run_cost.hpp"

namespace greenbench {

ShardBy shard_by_parse(const std::string& text) {
  if (text == "cost") return ShardBy::cost;
  if (text == "hash") return ShardBy::hash;
  throw InputError(fmt::format("--shard-by {}: expected cost or hash", text), "", 0, 0,
                   "use --shard-by cost (even expected times, the default) or --shard-by hash "
                   "(a run keeps its shard when the grid changes)");
}

const char* shard_by_name(ShardBy by) {
  return by == ShardBy::cost ? "cost" : "hash";
}

int64_t run_shard_cost_ms(const GridRun& run, double pause_s) {
  return std::llround(run_cost_s(run, kShardReferenceGflops, pause_s) * 1000);
}

std::vector<int> shards_assign(const std::vector<const GridRun*>& runs, int count,
                               const ShardSplit& split) {
  std::vector<int> shard(runs.size(), 0);
  if (count <= 1) return shard;
  if (split.by == ShardBy::hash) {
    for (size_t i = 0; i < runs.size(); ++i)
      shard[i] = int(hash_fnv1a(runs[i]->plan.run_id) % uint64_t(count));
    return shard;
  }
  std::vector<int64_t> cost(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) cost[i] = run_shard_cost_ms(*runs[i], split.pause_s);
  std::vector<size_t> order(runs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return cost[a] > cost[b]; });
  // (cost so far, runs so far) per shard: among equal costs the shard with fewer runs, so runs
  // of no expected cost spread out instead of piling into one shard.
  std::vector<std::pair<int64_t, int64_t>> load(size_t(count), {0, 0});
  for (size_t i : order) {
    const auto least = std::min_element(load.begin(), load.end());  // the first of equal loads
    shard[i] = int(least - load.begin());
    least->first += cost[i];
    least->second += 1;
  }
  return shard;
}

std::vector<int64_t> shards_cost_ms(const std::vector<const GridRun*>& runs,
                                    const std::vector<int>& shard, int count, double pause_s) {
  std::vector<int64_t> load(size_t(std::max(count, 1)), 0);
  for (size_t i = 0; i < runs.size(); ++i)
    load[size_t(shard[i])] += run_shard_cost_ms(*runs[i], pause_s);
  return load;
}

}  // namespace greenbench
