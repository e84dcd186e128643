// `greenbench run --workload NAME [--phases train,infer] [--set KEY=VALUE]... [--out DIR]`:
// trains and evaluates one configuration through the runner, metering every phase, and writes
// runs.csv, runs.jsonl, epochs.csv, traces/ and meta.json. Grid files come in harness/grid*.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/meter.hpp"
#include "runner.hpp"
#include "set_args.hpp"

namespace greenbench {
namespace {

struct RunArgs {
  std::string workload;
  std::string phases = "train,infer";
  std::vector<std::string> sets;
  std::string out;
  bool resume = false;
  std::string meter = "auto";
  double idle_baseline_s = 5;
  double pause_s = 2;
  int repeats = 1;
};

std::vector<std::string> phases_parse(const std::string& text) {
  std::vector<std::string> phases;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string p = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (p != "train" && p != "infer")
      throw InputError(fmt::format("--phases: unknown phase '{}'", p), "", 0, 0, "use train, infer or train,infer");
    phases.push_back(p);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return phases;
}

int run_workload(const RunArgs& args) {
  if (args.workload.empty())
    throw InputError("greenbench run needs --workload NAME (grid files are not supported by this build yet)", "",
                     0, 0, "e.g. greenbench run --workload mlp --set hidden=[256,128]");
  if (args.idle_baseline_s < 0 || args.pause_s < 0 || args.repeats < 1)
    throw InputError("--idle-baseline-s and --pause-s must be >= 0, --repeats >= 1");
  const auto phases = phases_parse(args.phases);
  const WorkloadConfig config = workload_config_complete(args.workload, sets_parse(args.sets));
  RunnerOptions opt;
  opt.out_dir = args.out.empty() ? "results/" + args.workload : args.out;
  opt.resume = args.resume;
  opt.meter = args.meter;
  opt.idle_baseline_s = args.idle_baseline_s;
  opt.pause_s = args.pause_s;
  opt.grid_name = args.workload;
  for (const auto& [k, v] : config.items()) opt.key_columns.push_back(k);
  std::vector<RunPlan> plans;
  for (int r = 0; r < args.repeats; ++r) plans.push_back(run_plan_make(args.workload, config, r, phases));
  return runner_run(plans, opt);
}

}  // namespace

void cmd_run_add(CLI::App& app, CommandAction& action) {
  auto* run = app.add_subcommand("run", "Train and evaluate workloads, metering every phase");
  auto args = std::make_shared<RunArgs>();
  run->add_option("--workload", args->workload, "mlp | cnn | vit | lm");
  run->add_option("--phases", args->phases, "train,infer (default), train or infer");
  run->add_option("--set", args->sets, "KEY=VALUE (YAML value), repeatable")->take_all();
  run->add_option("--out", args->out, "results folder (default results/<workload>)");
  run->add_flag("--resume", args->resume, "complete an interrupted folder without repeating finished runs");
  run->add_option("--meter", args->meter, "auto | rapl | perf | msr | nvml | estimate")
      ->check(CLI::IsMember({"auto", "rapl", "perf", "msr", "nvml", "estimate"}));
  run->add_option("--idle-baseline-s", args->idle_baseline_s, "idle power measured before the first run (default 5)");
  run->add_option("--pause-s", args->pause_s, "idle pause between metered phases (default 2)");
  run->add_option("--repeats", args->repeats, "repeats of the configuration (default 1)");
  run->callback([args, &action] { action = [args] { return run_workload(*args); }; });
}

}  // namespace greenbench
