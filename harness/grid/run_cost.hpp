// Internal: what one run of a grid costs in work and time, from its FLOPs (workload_size) and
// pauses only: deterministic, the same on every machine. The ETA (run/eta.hpp) prices it at this
// machine's measured sgemm rate; shards (grid_shard.hpp) at a fixed reference rate.
// Not a prediction of energy (that is `estimate`).
#pragma once

#include "grid_expand.hpp"

namespace greenbench {

// The fraction of the sgemm rate the workloads reach in a training or inference pass (measured
// with `greenbench bench` on mlp and cnn: about 0.35-0.6 of one core's sgemm rate).
inline constexpr double kWorkloadEfficiency = 0.45;

// FLOPs of every metered pass of the run: epochs x (train_samples x train FLOPs/sample, plus
// test_samples x infer FLOPs/sample when it infers), or one inference pass (docs/grids.md).
double run_flops(const GridRun& run);

// Metered passes followed by a pause: one per training pass and one per inference pass after
// it; an inference-only run has none.
int run_paused_passes(const GridRun& run);

// Expected seconds of one run: run_flops over gflops_1thread * kWorkloadEfficiency * threads,
// plus pause_s after each paused pass; 0 for a command run (docs/workloads.md: its cost is
// unknown until it has run).
double run_cost_s(const GridRun& run, double gflops_1thread, double pause_s);

}  // namespace greenbench
