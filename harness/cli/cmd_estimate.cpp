// `greenbench estimate fit RESULTS_DIR... -o MODEL.json [--json]` and
// `greenbench estimate predict MODEL.json (GRID.yaml | --workload NAME [--set K=V]...) [--json]`:
// fits the pre-run estimator with its leave-one-architecture-out report, and predicts joules
// with an interval for configurations that never ran. The model: harness/estimate/estimate_*.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include "cli_command.hpp"
#include "command_config.hpp"
#include "estimate_fit.hpp"
#include "estimate_model.hpp"
#include "file_io.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/grid.hpp"
#include "greenbench/results.hpp"
#include "run_plan.hpp"
#include "set_args.hpp"

namespace greenbench {
namespace {

struct FitArgs {
  std::vector<std::string> dirs;
  std::vector<std::string> holdout;  // folders of architectures the model must not see
  std::string features_csv;          // where to write every run's features, for analysis
  std::string out;
  bool json = false;
};

struct PredictArgs {
  std::string model;
  std::string grid;
  std::string workload;
  std::vector<std::string> sets;
  bool json = false;
};

// The fit's report on the terminal: leave-one-architecture-out accuracy against the baselines,
// then the held-out folders' when there are any.
void fit_print(const EstimateFit& fit, const std::string& out) {
  const CvResult& cv = fit.cv;
  const auto& runs = fit.runs;
  const std::size_t n_arch = fit.n_architectures;
  const nlohmann::json& summary = fit.summary;
  std::cout << fmt::format("{} runs, {} architectures, leave-one-architecture-out:\n", runs.size(),
                           n_arch);
  std::cout << fmt::format("  {:<22} {:>8} {:>10} {:>8} {:>8}\n", "method", "MAPE", "median", "p90",
                           "r2_log");
  auto row = [](const char* name, const Accuracy& acc) {
    std::cout << fmt::format("  {:<22} {:>7.1f}% {:>9.1f}% {:>7.1f}% {:>8.3f}\n", name,
                             100 * acc.mape, 100 * acc.median_ape, 100 * acc.p90_ape, acc.r2_log);
  };
  row("estimator", cv.estimator);
  row("NNLS baseline only", cv.baseline);
  row("TDP x measured time", cv.tdp);
  row("FLOPs-linear", cv.flops);
  row("params-linear", cv.params);
  std::cout << fmt::format("  95% intervals held {:.0f}% of held-out runs; model written to {}\n",
                           100 * cv.coverage, out);
  if (cv.n_unseen > 0)
    std::cout << fmt::format(
        "  {} of {} runs did work (an op kind) that no run of another architecture did, so their "
        "fold could not price it;\n  estimator MAPE on the other {}: {:.1f}% (median {:.1f}%)\n",
        cv.n_unseen, runs.size(), runs.size() - cv.n_unseen, 100 * cv.estimator_seen.mape,
        100 * cv.estimator_seen.median_ape);
  if (summary.contains("holdout")) {
    const auto& h = summary["holdout"];
    std::cout << fmt::format(
        "held-out folders: {} runs of {} architectures ({} runs of architectures also fitted)\n",
        h["n_runs"].get<int>(), h["n_architectures"].get<int>(),
        h["runs_of_seen_architectures"].get<int>());
    auto hrow = [](const char* name, const nlohmann::json& acc) {
      std::cout << fmt::format("  {:<22} {:>7.1f}% {:>9.1f}% {:>7.1f}% {:>8.3f}\n", name,
                               100 * acc["mape"].get<double>(),
                               100 * acc["median_ape"].get<double>(),
                               100 * acc["p90_ape"].get<double>(), acc["r2_log"].get<double>());
    };
    hrow("estimator", h);
    hrow("NNLS baseline only", h["baselines"]["nnls_baseline_only"]);
    hrow("TDP x measured time", h["baselines"]["tdp_time"]);
    hrow("FLOPs-linear", h["baselines"]["flops_linear"]);
    hrow("params-linear", h["baselines"]["params_linear"]);
    std::cout << fmt::format("  95% intervals held {:.0f}%\n",
                             100 * h["interval_coverage"].get<double>());
  }
}

int fit_main(const FitArgs& a) {
  if (a.out.empty()) throw InputError("estimate fit needs -o MODEL.json");
  output_file_check(a.out, "-o");  // before the work: a folder, or no such parent, is exit 2
  if (!a.features_csv.empty()) output_file_check(a.features_csv, "--features-csv");
  const EstimateFit fit = estimate_fit(a.dirs, a.holdout, a.features_csv, tdp_share_w(), std::cerr);
  estimator_model_save(a.out, fit.model, fit.summary);
  if (a.json) {
    std::cout << fit.summary.dump(2) << "\n";
    return 0;
  }
  fit_print(fit, a.out);
  return 0;
}

int predict_main(const PredictArgs& a) {
  const EstimatorModel model = estimator_model_load(a.model);
  std::vector<RunPlan> plans;
  if (!a.grid.empty() && !a.workload.empty())
    throw InputError("estimate predict takes a grid file or --workload, not both");
  if (!a.grid.empty()) {
    plans = grid_plans_load(a.grid);
    for (const auto& p : plans)
      if (p.workload == kCommandWorkload)  // docs/grids.md, "Command workloads"
        throw InputError(
            fmt::format("{}: estimate has no cost model for command runs ({})", a.grid, p.label),
            "", 0, 0, "predict a grid of built-in workloads only");
  } else {
    if (a.workload.empty())
      throw InputError("estimate predict needs GRID.yaml or --workload NAME", "", 0, 0,
                       "e.g. greenbench estimate predict model.json --workload mlp --set epochs=2");
    plans.push_back(run_plan_make(a.workload,
                                  workload_config_complete(a.workload, sets_parse(a.sets)), 0,
                                  {"train", "infer"}));
  }
  nlohmann::json out = {{"runs", nlohmann::json::array()}};
  double total = 0, total_lo = 0, total_hi = 0;
  for (const auto& p : plans) {
    const EnergyPrediction e = model.predict_run(p.workload, p.config, run_phases_of(p.phases));
    total += e.energy_j, total_lo += e.low_j, total_hi += e.high_j;
    if (!e.unseen_features.empty())
      std::cerr << fmt::format(
          "greenbench estimate: warning: {} has work the model never saw in fitting ({}); it "
          "is not priced, so the prediction is low: fit on runs that have it\n",
          p.run_id, fmt::join(e.unseen_features, ", "));
    out["runs"].push_back({{"run_id", p.run_id},
                           {"workload", p.workload},
                           {"predicted_j", e.energy_j},
                           {"low_j", e.low_j},
                           {"high_j", e.high_j},
                           {"baseline_j", e.baseline_j},
                           {"params", e.params},
                           {"flops", e.flops},
                           {"unseen_features", e.unseen_features}});
    if (!a.json)
      std::cout << fmt::format(
          "{} {}: {:.1f} J [{:.1f}, {:.1f}] (95% interval from cross-validation)\n", p.run_id,
          p.workload, e.energy_j, e.low_j, e.high_j);
  }
  out["predicted_j"] = total;
  out["low_j"] = total_lo;  // sums of the bounds: conservative for the total
  out["high_j"] = total_hi;
  if (a.json)
    std::cout << out.dump(2) << "\n";
  else if (plans.size() > 1)
    std::cout << fmt::format("total: {:.1f} J [{:.1f}, {:.1f}]\n", total, total_lo, total_hi);
  return 0;
}

}  // namespace

void cmd_estimate_add(CLI::App& app, CommandAction& action) {
  auto* est = app.add_subcommand("estimate", "Predict a configuration's energy before it runs");
  est->require_subcommand(1);
  auto [fit, fa] =
      command_add<FitArgs>(*est, action, "fit", "Fit the estimator on results folders", fit_main);
  results_dirs_add(*fit, fa->dirs, "dirs", "results folders to learn from");
  out_option_add(*fit, fa->out, "MODEL.json", "the model file to write")->required();
  fit->add_option("--holdout", fa->holdout,
                  "results folders of architectures kept out of the fit, to report on")
      ->take_all()
      ->type_name("DIR");
  fit->add_option("--features-csv", fa->features_csv, "also write every run's features to FILE")
      ->type_name("FILE");
  fit->add_flag("--json", fa->json, "print one JSON object (docs/commands.md, JSON outputs)");
  auto [pred, pa] = command_add<PredictArgs>(
      *est, action, "predict", "Joules with an interval for configurations", predict_main);
  pred->add_option("model", pa->model, "a model from estimate fit")
      ->required()
      ->type_name("MODEL.json");
  grid_option_add(*pred, pa->grid);
  workload_option_add(*pred, pa->workload);
  sets_option_add(*pred, pa->sets);
  pred->add_flag("--json", pa->json, "print JSON");
}

}  // namespace greenbench
