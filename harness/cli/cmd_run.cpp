// `greenbench run GRID.yaml [--out DIR] [--resume] [--shard I/N] [--filter REGEX] [--meter SOURCE]
// [--dry-run] [--set KEY=VALUE]...` and `greenbench run --workload NAME ...`: checks everything,
// then runs the grid (or one configuration) through the runner, which writes runs.csv,
// runs.jsonl, epochs.csv, traces/ and meta.json. Parsing and expansion live in harness/grid_*.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <optional>
#include <unordered_map>

#include "blas_core_runs.hpp"
#include "cli_checks.hpp"
#include "cli_command.hpp"
#include "command_config.hpp"
#include "estimate_features.hpp"
#include "estimate_model.hpp"
#include "eta.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/meter.hpp"
#include "grid_expand.hpp"
#include "grid_file.hpp"
#include "grid_shard.hpp"
#include "run_defaults.hpp"
#include "runner.hpp"
#include "set_args.hpp"
#include "verbosity.hpp"

namespace greenbench {
namespace {

struct RunArgs {
  std::string grid;
  std::string shard;
  std::string shard_by = "cost";
  std::string filter;
  bool dry_run = false;
  std::string model;  // --model MODEL.json: the dry run also predicts each run's energy
  std::string workload;
  std::string phases = "train,infer";
  std::vector<std::string> sets;
  std::string out;
  bool resume = false;
  std::string meter = kMeterDefault;
  double idle_baseline_s = kIdleBaselineSDefault;
  double pause_s = kPauseSDefault;
  int repeats = kRepeatsDefault;
};

std::vector<std::string> phases_parse(const std::string& text) {
  std::vector<std::string> phases;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string p =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (p != "train" && p != "infer")
      throw InputError(fmt::format("--phases: unknown phase '{}'", p), "", 0, 0,
                       "use train, infer or train,infer");
    phases.push_back(p);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return phases;
}

// The runner's options from a grid's run-level keys (docs/grids.md) and its expansion.
RunnerOptions runner_options(const GridFile& g, const GridExpansion& ex, const std::string& out,
                             bool resume) {
  RunnerOptions opt;
  static_cast<RunSettings&>(opt) = g;  // meter, idle baseline, pauses, carbon
  opt.out_dir = out;
  opt.resume = resume;
  opt.grid_name = g.name;
  opt.grid_text = g.text;
  opt.key_columns = ex.key_columns;
  return opt;
}

// One configuration, checked as a one-experiment grid would be (grid_expand: the workload's
// keys and values, its data set, memory), so that `--workload` and grid files give the same
// exit 2 before any work (docs/grids.md).
int run_workload(const RunArgs& args) {
  // Bad keys, values and data (a missing or truncated file: IDX headers against the gzip
  // trailer's length) are exit 2 here, before the meter, the idle baseline or the results folder.
  const GridExpansion ex = workload_expand(args.workload, sets_parse(args.sets), args.repeats,
                                           phases_parse(args.phases));
  GridFile g;  // a one-experiment grid: the flags in place of the grid-level keys
  g.name = args.workload;
  g.meter = args.meter;
  g.idle_baseline_s = args.idle_baseline_s;
  g.pause_s = args.pause_s;
  const RunnerOptions opt =
      runner_options(g, ex, args.out.empty() ? "results/" + args.workload : args.out, args.resume);
  std::vector<RunPlan> plans;
  for (const auto& run : ex.runs) plans.push_back(run.plan);
  return runner_run_by_blas_core(plans, opt);
}

// run_id -> its index in ex.runs.
std::unordered_map<std::string, size_t> runs_index(const GridExpansion& ex) {
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < ex.runs.size(); ++i) index.emplace(ex.runs[i].plan.run_id, i);
  return index;
}

// Prints the runs, their count and expected time; runs nothing.
// With an estimator model, each run's predicted energy and the total, with 95% intervals from the
// model's cross-validation residuals (docs/estimate.md).
void dry_run_print(const GridFile& g, const GridExpansion& ex, const std::vector<RunPlan>& plans,
                   double gflops, double idle_baseline_s, const EstimatorModel* model) {
  std::printf("%-20s %-12s %10s %12s %10s %s %s\n", "run_id", "workload", "params", "macs/sample",
              "expected", model ? "   predicted J [95%]          " : "", " run");
  double total_s = idle_baseline_s, total_j = 0, total_lo = 0, total_hi = 0;
  int not_predicted = 0, not_priced = 0;
  const auto index = runs_index(ex);
  for (const auto& p : plans) {
    total_s += p.expected_s;
    const auto it = index.find(p.run_id);
    const GridRun* run = it == index.end() ? nullptr : &ex.runs[it->second];
    std::string predicted;
    if (model) {
      try {
        const EnergyPrediction e =
            model->predict_run(p.workload, p.config, run_phases_of(p.phases));
        total_j += e.energy_j, total_lo += e.low_j, total_hi += e.high_j;
        const bool unseen = !e.unseen_features.empty();  // work never seen in fitting: low
        not_priced += unseen;
        predicted = fmt::format("{:>10.1f} [{:.1f}, {:.1f}]{}", e.energy_j, e.low_j, e.high_j,
                                unseen ? " *" : "");
      } catch (const InputError&) {  // the workload gives no cost breakdown (docs/estimate.md)
        predicted = "       n/a (no cost model)";
        ++not_predicted;
      }
      predicted.resize(std::max<size_t>(predicted.size(), 30), ' ');
    }
    std::printf("%-20s %-12s %10lld %12lld %10s %s  %s\n", p.run_id.c_str(), p.workload.c_str(),
                static_cast<long long>(run ? run->size.params : 0),
                static_cast<long long>(run ? run->size.macs_per_sample : 0),
                p.workload == kCommandWorkload ? "?" : duration_text(p.expected_s).c_str(),
                predicted.c_str(), p.label.c_str());
  }
  if (model)
    std::printf(
        "predicted energy: %.1f J [%.1f, %.1f] (estimator model; idle baseline and pauses "
        "not included%s)\n",
        total_j, total_lo, total_hi,
        not_predicted
            ? fmt::format("; {} runs without a cost model not included", not_predicted).c_str()
            : "");
  if (not_priced)
    std::printf(
        "* %d runs have work the model never saw in fitting (greenbench estimate predict "
        "names it): not priced, so their predictions are low\n",
        not_priced);
  std::printf("%zu runs of %zu in grid %s (%lld configurations x %d repeats%s)\n", plans.size(),
              ex.runs.size(), g.name.c_str(), static_cast<long long>(ex.configurations), g.repeats,
              ex.duplicates_dropped
                  ? fmt::format(", {} duplicate runs dropped", ex.duplicates_dropped).c_str()
                  : "");
  std::printf(
      "expected time: %s (this machine: %.1f GFLOP/s sgemm on one thread, workloads at %.0f%% of "
      "it, "
      "plus pauses and the idle baseline)\n",
      duration_text(total_s).c_str(), gflops, kWorkloadEfficiency * 100);
}

int run_grid(const RunArgs& args, const CLI::App& cmd) {
  if (!args.workload.empty())
    throw InputError("give either a grid file or --workload, not both", "", 0, 0,
                     "e.g. greenbench run configs/quick.yaml, or greenbench run --workload mlp");
  if (!args.model.empty() && !args.dry_run)
    throw InputError("--model applies to --dry-run (it predicts; it does not meter)", "", 0, 0,
                     "e.g. greenbench run configs/grid.yaml --dry-run --model model.json");
  GridFile g = grid_file_load(args.grid);
  if (cmd.count("--idle-baseline-s")) g.idle_baseline_s = args.idle_baseline_s;
  if (cmd.count("--pause-s")) g.pause_s = args.pause_s;
  if (cmd.count("--repeats")) g.repeats = args.repeats;
  if (cmd.count("--phases"))
    for (auto& e : g.experiments) e.phases = phases_parse(args.phases);
  if (g.idle_baseline_s < 0 || g.pause_s < 0 || g.repeats < 1)
    throw InputError("--idle-baseline-s and --pause-s must be >= 0, --repeats >= 1");
  int shard_index = 0, shard_count = 1;
  if (!args.shard.empty()) shard_parse(args.shard, shard_index, shard_count);
  const ShardSplit split{shard_by_parse(args.shard_by), g.pause_s};
  GridExpandOptions eo;
  eo.overrides = sets_parse(args.sets);
  const GridExpansion ex = grid_expand(g, eo);
  if (ex.duplicates_dropped && !output_quiet())
    std::fprintf(
        stderr,
        "greenbench run: note: %lld runs repeat an earlier run's configuration; each runs once\n",
        static_cast<long long>(ex.duplicates_dropped));
  std::vector<RunPlan> plans = grid_select(ex, args.filter, shard_index, shard_count, split);
  if (plans.empty() && !args.filter.empty())
    throw InputError(fmt::format("--filter {}: matches none of the {} runs{}", args.filter,
                                 ex.runs.size(), shard_count > 1 ? " in this shard" : ""),
                     "", 0, 0, "use --dry-run to list the runs and their labels");
  const double gflops = sgemm_gflops_measure();
  const auto index = runs_index(ex);
  for (auto& p : plans)
    p.expected_s = run_expected_s(ex.runs[index.at(p.run_id)], gflops, g.pause_s);
  if (args.dry_run) {
    std::optional<EstimatorModel> model;
    if (!args.model.empty()) model = estimator_model_load(args.model);
    dry_run_print(g, ex, plans, gflops, g.idle_baseline_s, model ? &*model : nullptr);
    return 0;
  }
  const std::string out =
      !args.out.empty() ? args.out
      : shard_count > 1 ? fmt::format("results/{}.shard-{}-of-{}", g.name, shard_index, shard_count)
                        : "results/" + g.name;
  RunnerOptions opt = runner_options(g, ex, out, args.resume);
  if (cmd.count("--meter")) opt.meter = args.meter;
  opt.meta_extra = {
      {"grid_id", ex.grid_id},
      {"grid_file", args.grid},
      {"runs_in_grid", ex.runs.size()},
      {"shard", {{"index", shard_index}, {"count", shard_count}, {"by", shard_by_name(split.by)}}},
      {"filter", args.filter},
      {"overrides", eo.overrides}};
  return runner_run_by_blas_core(plans, opt);
}

// `run GRID.yaml` or `run --workload NAME`, with the flags each takes.
int run_main(const RunArgs& args, const CLI::App& cmd) {
  if (!args.grid.empty()) return run_grid(args, cmd);
  if (args.workload.empty())
    throw InputError("greenbench run needs a grid file or --workload NAME", "", 0, 0,
                     "e.g. greenbench run configs/quick.yaml, or greenbench run --workload mlp "
                     "--set hidden=[256,128]");
  if (!args.shard.empty() || !args.filter.empty() || args.dry_run || !args.model.empty() ||
      cmd.count("--shard-by"))
    throw InputError("--shard, --shard-by, --filter, --dry-run and --model apply to grid files", "",
                     0, 0, "e.g. greenbench run configs/grid.yaml --dry-run");
  return run_workload(args);
}

}  // namespace

void cmd_run_add(CLI::App& app, CommandAction& action) {
  auto [run, args] = command_add<RunArgs>(
      app, action, "run", "Train and evaluate workloads, metering every phase", run_main);
  grid_option_add(*run, args->grid, "grid file (docs/grids.md), e.g. configs/quick.yaml");
  run->add_option("--shard", args->shard, "run shard I (0-based) of N (see --shard-by)")
      ->type_name("I/N");
  run->add_option("--shard-by", args->shard_by,
                  "cost (default: shards of even expected time, from FLOPs) or hash (by run_id: a "
                  "run keeps its shard when the grid changes); docs/grids.md")
      ->type_name("cost|hash");
  run->add_option("--filter", args->filter, "run only runs whose label or run_id matches")
      ->type_name("REGEX");
  run->add_flag("--dry-run", args->dry_run,
                "print the runs, their count and expected time; run nothing");
  run->add_option("--model", args->model,
                  "MODEL.json from `estimate fit`: --dry-run also predicts each run's energy")
      ->type_name("MODEL.json");
  workload_option_add(*run, args->workload,
                      "mlp | cnn | vit | lm (one configuration, no grid file)");
  run->add_option("--phases", args->phases, "train,infer (default), train or infer");
  sets_option_add(*run, args->sets);
  out_option_add(*run, args->out, "DIR",
                 "results folder (default results/<grid name or workload>)");
  run->add_flag("--resume", args->resume,
                "complete an interrupted folder without repeating finished runs");
  meter_option_add(*run, args->meter);
  run->add_option("--idle-baseline-s", args->idle_baseline_s,
                  fmt::format("idle power measured before the first run (default {})",
                              kIdleBaselineSDefault))
      ->check(number_in(0, 3600));
  run->add_option("--pause-s", args->pause_s,
                  fmt::format("idle pause between metered phases (default {})", kPauseSDefault))
      ->check(number_in(0, 600));
  run->add_option("--repeats", args->repeats,
                  fmt::format("repeats of the configuration (default {})", kRepeatsDefault))
      ->check(number_in(1, 1000, true));
}

}  // namespace greenbench
