// `greenbench bench --workload NAME [--set KEY=VALUE]... [--steps N] [--json]`: times training
// and inference steps of one workload on a fixed batch (medians after warm-up) and reports
// GFLOP/s from its shapes, also as a fraction of this machine's sgemm roof
// (docs/workloads.md#greenbench-bench). Not metered (no energy) and not a grid run.
#include <fmt/format.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>

#include "cli_checks.hpp"
#include "cli_command.hpp"
#include "greenbench/blas_core.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/kernel_timing.hpp"
#include "greenbench/workload.hpp"
#include "set_args.hpp"

namespace greenbench {
namespace {

struct BenchArgs {
  std::string workload;
  std::vector<std::string> sets;
  int steps = 20;
  bool json = false;
};

constexpr int kWarmupSteps = 3;

// Bench defaults: synthetic data of Fashion-MNIST's shape unless a dataset is named, and only
// as many samples as one batch needs (data values do not change step times).
nlohmann::json bench_config(const std::string& workload, nlohmann::json config) {
  if (!config.contains("dataset")) config["dataset"] = "synthetic";
  if (config["dataset"] == "synthetic") {
    const auto full = workload_config_complete(workload, config);
    const auto bs = full.at("batch_size").get<std::int64_t>();
    const auto ibs = full.at("infer_batch_size").get<std::int64_t>();
    if (!config.contains("train_samples")) config["train_samples"] = std::max(bs, ibs);
    if (!config.contains("test_samples")) config["test_samples"] = ibs;
  }
  return workload_config_complete(workload, config);
}

template <typename F>
double median_ms(F&& step, int steps) {
  for (int i = 0; i < kWarmupSteps; i++) step();
  std::vector<double> ms;
  for (int i = 0; i < steps; i++) {
    const auto t0 = std::chrono::steady_clock::now();
    step();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return steps % 2 ? ms[steps / 2] : 0.5 * (ms[steps / 2 - 1] + ms[steps / 2]);
}

// The process's peak resident set (data set, arena, OpenBLAS buffers), from getrusage.
std::int64_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return std::int64_t(ru.ru_maxrss) * 1024;  // Linux reports KiB
}

int bench_run(const BenchArgs& args) {
  if (args.steps < 1)
    throw InputError(fmt::format("--steps: expected a positive integer, got {}", args.steps));
  const auto config = bench_config(args.workload, sets_parse(args.sets));
  // The roof first: the workload sets OpenBLAS's threads for itself when it is made.
  const double roof_gflops = sgemm_roof_gflops(config.at("threads").get<int>());
  const std::string blas_core = blas_core_state().core;
  auto w = workload_make(args.workload, config);
  const double train_ms = median_ms([&] { w->bench_train_step(); }, args.steps);
  const double infer_ms = median_ms([&] { w->bench_infer_step(); }, args.steps);
  const double train_gflops = w->bench_train_flops() / (train_ms * 1e6);
  const double infer_gflops = w->bench_infer_flops() / (infer_ms * 1e6);
  if (args.json) {
    const nlohmann::json out = {{"workload", args.workload},
                                {"params", w->params()},
                                {"macs_per_sample", w->macs_per_sample()},
                                {"batch_size", config.at("batch_size")},
                                {"infer_batch_size", config.at("infer_batch_size")},
                                {"threads", config.at("threads")},
                                {"train_step_ms", train_ms},
                                {"infer_step_ms", infer_ms},
                                {"train_gflops", train_gflops},
                                {"infer_gflops", infer_gflops},
                                {"blas_core", blas_core},
                                {"roof_gflops", roof_gflops},
                                {"train_roof_fraction", train_gflops / roof_gflops},
                                {"infer_roof_fraction", infer_gflops / roof_gflops},
                                {"steps", args.steps},
                                {"memory_bytes", w->memory_bytes()},
                                {"peak_rss_bytes", peak_rss_bytes()},
                                {"config", config}};
    std::cout << out.dump() << std::endl;
  } else {
    std::cout << fmt::format("{} ({} params, {} MACs/sample, {} MB arena), threads {}\n",
                             args.workload, w->params(), w->macs_per_sample(),
                             w->memory_bytes() / 1000000, config.at("threads").get<int>());
    std::cout << fmt::format(
        "  train step (batch {:>4}): {:9.3f} ms  {:8.2f} GFLOP/s  {:5.1f}% of roof\n",
        config.at("batch_size").get<int>(), train_ms, train_gflops,
        100 * train_gflops / roof_gflops);
    std::cout << fmt::format(
        "  infer step (batch {:>4}): {:9.3f} ms  {:8.2f} GFLOP/s  {:5.1f}% of roof\n",
        config.at("infer_batch_size").get<int>(), infer_ms, infer_gflops,
        100 * infer_gflops / roof_gflops);
    std::cout << fmt::format(
        "  roof: {:.2f} GFLOP/s, the fastest large square sgemm on {} thread(s), OpenBLAS {} "
        "kernels\n",
        roof_gflops, config.at("threads").get<int>(), blas_core);
    std::cout << fmt::format("  medians of {} steps after {} warm-up steps; peak RSS {} MB\n",
                             args.steps, kWarmupSteps, peak_rss_bytes() / 1000000);
  }
  return 0;
}

}  // namespace

void cmd_bench_add(CLI::App& app, CommandAction& action) {
  auto [bench, args] = command_add<BenchArgs>(
      app, action, "bench", "Time training and inference steps of one workload", bench_run);
  workload_option_add(*bench, args->workload, "workload name (mlp, cnn, ...)")->required();
  sets_option_add(*bench, args->sets);
  bench->add_option("--steps", args->steps, "timed steps per phase after warm-up (default 20)")
      ->check(number_in(1, 100000, true));
  bench->add_flag("--json", args->json, "print one JSON object on stdout");
}

}  // namespace greenbench
