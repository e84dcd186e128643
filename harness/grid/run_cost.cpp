// A run's work and expected time from its FLOPs and pauses. See run_cost.hpp. No timing here.
#include "run_cost.hpp"

#include <algorithm>

#include "command_config.hpp"

namespace greenbench {

double run_flops(const GridRun& run) {
  const auto& p = run.plan;
  const bool train = p.runs("train"), infer = p.runs("infer");
  const double train_flops = double(run.size.train_samples) * run.size.train_flops_per_sample;
  const double infer_flops = double(run.size.test_samples) * run.size.infer_flops_per_sample;
  if (train) return p.config.value("epochs", 1) * (train_flops + (infer ? infer_flops : 0));
  return infer ? infer_flops : 0;
}

int run_paused_passes(const GridRun& run) {
  const auto& p = run.plan;
  if (!p.runs("train")) return 0;  // an inference-only run has no pause after it
  return p.config.value("epochs", 1) * (p.runs("infer") ? 2 : 1);
}

double run_cost_s(const GridRun& run, double gflops_1thread, double pause_s) {
  if (run.plan.workload == kCommandWorkload) return 0;  // unknown until the program has run
  const int threads = std::max(1, run.plan.config.value("threads", 1));
  const double rate = std::max(gflops_1thread, 0.1) * 1e9 * kWorkloadEfficiency * threads;
  return run_flops(run) / rate + run_paused_passes(run) * pause_s;
}

}  // namespace greenbench
