// `greenbench estimate fit RESULTS_DIR... -o MODEL.json [--json]` and
// `greenbench estimate predict MODEL.json (GRID.yaml | --workload NAME [--set K=V]...) [--json]`:
// fits the pre-run estimator with its leave-one-architecture-out report, and predicts joules
// with an interval for configurations that never ran. The model: harness/analysis/estimate_*.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

#include "energy_check.hpp"
#include "estimate_model.hpp"
#include "gemm_times.hpp"
#include "grid_plans.hpp"
#include "commands.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/meter.hpp"
#include "greenbench/results.hpp"
#include "file_io.hpp"
#include "set_args.hpp"

namespace greenbench {
namespace {

using analysis::RunFeatures;

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

// The TDP share of this machine the plain TDP x time baseline charges: the estimate source's
// table entry scaled to the CPUs this OS sees.
double tdp_share_w() {
  const EstimateParams p = estimate_params_detect(SourcePaths::from_env());
  return p.tdp_w * double(p.visible_threads) / double(std::max(1, p.package_threads));
}

void predictions_write(const std::vector<RunFeatures>& runs, const std::vector<double>& predicted,
                       const std::vector<double>& low, const std::vector<double>& high) {
  std::set<std::string> folders;
  for (const auto& r : runs) folders.insert(r.folder);
  for (const auto& dir : folders) {
    std::string text = "run_id,predicted_j,low_j,high_j,measured_j\n";
    for (std::size_t i = 0; i < runs.size(); i++)
      if (runs[i].folder == dir)
        text += fmt::format("{},{:.6g},{:.6g},{:.6g},{:.6g}\n", runs[i].run_id, predicted[i],
                            low[i], high[i], runs[i].measured_j);
    file_write_atomic(dir + "/estimate_predictions.csv", text);
  }
}

// One CSV row per run: folder set (fit / holdout), ids, measurements, then every feature.
void features_write(const std::string& path, const std::vector<RunFeatures>& runs,
                    const std::vector<std::string>& holdout, const analysis::CacheSizes& caches) {
  std::string text = "set,run_id,workload,arch_id,measured_j,measured_s";
  for (const auto& n : analysis::base_feature_names()) text += "," + n;
  for (const auto& n : analysis::shape_feature_names()) text += "," + n;
  text += "\n";
  auto rows = [&text](const std::vector<RunFeatures>& rs, const char* set) {
    for (const auto& r : rs) {
      std::string id = r.arch_id;
      for (char& c : id)
        if (c == '"' || c == ',') c = ' ';
      text += fmt::format("{},{},{},{},{},{}", set, r.run_id, r.workload, id, r.measured_j,
                          r.measured_s);
      for (double v : r.base) text += fmt::format(",{}", v);
      for (double v : r.shape) text += fmt::format(",{}", v);
      text += "\n";
    }
  };
  rows(runs, "fit");
  for (const auto& d : holdout) rows(analysis::runs_load(d, caches), "holdout");
  file_write_atomic(path, text);
}

// The fitted model on folders of architectures it never saw: accuracy, interval coverage and
// the plain baselines fitted on all the training runs. Writes each folder's predictions.
nlohmann::json holdout_evaluate(const std::vector<std::string>& dirs,
                                const std::vector<RunFeatures>& train,
                                const analysis::EstimatorModel& model, double tdp_w) {
  std::vector<RunFeatures> runs;
  for (const auto& d : dirs) {
    auto r = analysis::runs_load(d, model.caches);
    runs.insert(runs.end(), r.begin(), r.end());
  }
  std::set<std::string> seen;
  for (const auto& r : train) seen.insert(r.arch_id);
  std::size_t overlap = 0;
  for (const auto& r : runs) overlap += seen.count(r.arch_id);
  if (runs.empty()) throw InputError("--holdout folders hold no finished runs", dirs[0], 0, 0, "");
  // Plain baselines on all the training runs.
  double nf = 0, df = 0, np = 0, dp = 0;
  for (const auto& r : train) {
    const double xf = r.flops_total / r.measured_j,
                 xp = double(r.params) * r.samples_seen / r.measured_j;
    nf += xf, df += xf * xf, np += xp, dp += xp * xp;
  }
  std::vector<double> pred, lo, hi, meas, base, tdp, flops, params;
  int covered = 0;
  for (const auto& r : runs) {
    const double j = model.predict_j(r);
    pred.push_back(j);
    lo.push_back(j * std::exp(model.log_resid_lo));
    hi.push_back(j * std::exp(model.log_resid_hi));
    meas.push_back(r.measured_j);
    base.push_back(model.baseline_j(r));
    tdp.push_back(tdp_w * r.measured_s);
    flops.push_back(nf / df * r.flops_total);
    params.push_back(np / dp * double(r.params) * r.samples_seen);
    if (lo.back() <= r.measured_j && r.measured_j <= hi.back()) covered++;
  }
  predictions_write(runs, pred, lo, hi);
  std::set<std::string> archs;
  for (const auto& r : runs) archs.insert(r.arch_id);
  nlohmann::json j = analysis::accuracy_of(pred, meas).to_json();
  j["n_runs"] = runs.size();
  j["n_architectures"] = archs.size();
  j["runs_of_seen_architectures"] = overlap;
  j["interval_coverage"] = double(covered) / double(runs.size());
  j["baselines"] = {{"nnls_baseline_only", analysis::accuracy_of(base, meas).to_json()},
                    {"tdp_time", analysis::accuracy_of(tdp, meas).to_json()},
                    {"flops_linear", analysis::accuracy_of(flops, meas).to_json()},
                    {"params_linear", analysis::accuracy_of(params, meas).to_json()}};
  return j;
}

int fit_main(const FitArgs& a) {
  if (a.out.empty()) throw InputError("estimate fit needs -o MODEL.json");
  output_file_check(a.out, "-o");  // before the work: a folder, or no such parent, is exit 2
  if (!a.features_csv.empty()) output_file_check(a.features_csv, "--features-csv");
  const auto caches = analysis::cache_sizes_read(SourcePaths::from_env().sysfs_root);
  // Features twice: the first pass fills the sgemm table (with the --holdout folders' shapes,
  // none of their measurements), which two more sweeps refine (fastest of three, spread over
  // the fit) before the features are read from them.
  std::vector<RunFeatures> runs;
  // Zero or flagged energies are said first; zero ones are not fitted on (energy_check.hpp).
  int zero_energy_runs = 0;
  for (const auto& d : a.dirs) {
    const ResultsFolder folder = results_folder_read(d);
    for (const auto& p : analysis::energy_problems(folder.runs, d))
      std::cerr << "greenbench estimate: warning: " << p << "\n";
    for (const auto& r : folder.runs) zero_energy_runs += analysis::energy_unusable(r) ? 1 : 0;
  }
  for (const auto& d : a.dirs) analysis::runs_load(d, caches);
  for (const auto& d : a.holdout) analysis::runs_load(d, caches);  // shapes only
  std::cerr << fmt::format(
      "greenbench estimate: timing {} sgemm shapes twice more on this "
      "machine (the fastest of three is kept)\n",
      analysis::gemm_times().size());
  analysis::gemm_times().remeasure(2);
  for (const auto& d : a.dirs) {
    auto r = analysis::runs_load(d, caches);
    runs.insert(runs.end(), r.begin(), r.end());
  }
  if (runs.size() < 4)
    throw InputError(fmt::format("estimate fit found {} finished runs with energy; it needs at "
                                 "least 4 of at least 2 architectures{}",
                                 runs.size(),
                                 zero_energy_runs > 0
                                     ? fmt::format(" ({} more have zero energy: their meter did "
                                                   "not count)",
                                                   zero_energy_runs)
                                     : std::string()),
                     a.dirs.empty() ? "" : a.dirs[0], 0, 0,
                     "run more configurations with `greenbench run`");
  if (!a.features_csv.empty()) features_write(a.features_csv, runs, a.holdout, caches);
  const double tdp_w = tdp_share_w();
  const analysis::CvResult cv = analysis::cross_validate(runs, caches, tdp_w);
  analysis::EstimatorModel model = analysis::estimator_fit(runs, caches);
  model.log_resid_lo = cv.log_resid_lo;
  model.log_resid_hi = cv.log_resid_hi;
  const std::size_t n_arch = analysis::folds_by_arch(runs).size();

  nlohmann::json summary = {{"cv", "leave-architecture-out"},
                            {"n_runs", runs.size()},
                            {"n_architectures", n_arch},
                            {"mape", cv.estimator.mape},
                            {"median_ape", cv.estimator.median_ape},
                            {"p90_ape", cv.estimator.p90_ape},
                            {"r2_log", cv.estimator.r2_log},
                            {"interval_coverage", cv.coverage},
                            {"runs_with_unseen_features", cv.n_unseen},
                            {"mape_without_them", cv.estimator_seen.mape},
                            {"baselines",
                             {{"nnls_baseline_only", cv.baseline.to_json()},
                              {"tdp_time", cv.tdp.to_json()},
                              {"flops_linear", cv.flops.to_json()},
                              {"params_linear", cv.params.to_json()}}},
                            {"tdp_share_w", tdp_w},
                            {"caches", caches.to_json()},
                            {"folders", a.dirs}};
  predictions_write(runs, cv.predicted, cv.low, cv.high);
  if (!a.holdout.empty()) summary["holdout"] = holdout_evaluate(a.holdout, runs, model, tdp_w);
  nlohmann::json model_json = model.to_json();
  model_json["fit"] = summary;
  file_write_atomic(a.out, model_json.dump(2) + "\n");
  if (a.json) {
    std::cout << summary.dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format("{} runs, {} architectures, leave-one-architecture-out:\n", runs.size(),
                           n_arch);
  std::cout << fmt::format("  {:<22} {:>8} {:>10} {:>8} {:>8}\n", "method", "MAPE", "median", "p90",
                           "r2_log");
  auto row = [](const char* name, const analysis::Accuracy& acc) {
    std::cout << fmt::format("  {:<22} {:>7.1f}% {:>9.1f}% {:>7.1f}% {:>8.3f}\n", name,
                             100 * acc.mape, 100 * acc.median_ape, 100 * acc.p90_ape, acc.r2_log);
  };
  row("estimator", cv.estimator);
  row("NNLS baseline only", cv.baseline);
  row("TDP x measured time", cv.tdp);
  row("FLOPs-linear", cv.flops);
  row("params-linear", cv.params);
  std::cout << fmt::format("  95% intervals held {:.0f}% of held-out runs; model written to {}\n",
                           100 * cv.coverage, a.out);
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
  return 0;
}

int predict_main(const PredictArgs& a) {
  const analysis::EstimatorModel model = analysis::estimator_model_load(a.model);
  std::vector<RunPlan> plans;
  if (!a.grid.empty() && !a.workload.empty())
    throw InputError("estimate predict takes a grid file or --workload, not both");
  if (!a.grid.empty()) {
    plans = analysis::grid_plans_load(a.grid);
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
    const RunFeatures f = analysis::features_of(p.workload, p.config, model.caches,
                                                analysis::run_phases_of(p.phases));
    const double j = model.predict_j(f);
    const double lo = j * std::exp(model.log_resid_lo), hi = j * std::exp(model.log_resid_hi);
    total += j, total_lo += lo, total_hi += hi;
    const auto unseen = model.unseen(f);
    if (!unseen.empty())
      std::cerr << fmt::format(
          "greenbench estimate: warning: {} has work the model never saw in fitting ({}); it "
          "is not priced, so the prediction is low: fit on runs that have it\n",
          p.run_id, fmt::join(unseen, ", "));
    out["runs"].push_back({{"run_id", p.run_id},
                           {"workload", p.workload},
                           {"predicted_j", j},
                           {"low_j", lo},
                           {"high_j", hi},
                           {"baseline_j", model.baseline_j(f)},
                           {"params", f.params},
                           {"flops", f.flops_total},
                           {"unseen_features", unseen}});
    if (!a.json)
      std::cout << fmt::format(
          "{} {}: {:.1f} J [{:.1f}, {:.1f}] (95% interval from cross-validation)\n", p.run_id,
          p.workload, j, lo, hi);
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
  auto fa = std::make_shared<FitArgs>();
  auto* fit = est->add_subcommand("fit", "Fit the estimator on results folders");
  fit->add_option("dirs", fa->dirs, "RESULTS_DIR...")->required();
  fit->add_option("-o,--out", fa->out, "MODEL.json")->required();
  fit->add_option("--holdout", fa->holdout,
                  "results folders of architectures kept out of the fit, to report on")
      ->take_all();
  fit->add_option("--features-csv", fa->features_csv, "also write every run's features to FILE");
  fit->add_flag("--json", fa->json, "print the SPEC §1 JSON object");
  fit->callback([fa, &action] { action = [fa] { return fit_main(*fa); }; });
  auto pa = std::make_shared<PredictArgs>();
  auto* pred = est->add_subcommand("predict", "Joules with an interval for configurations");
  pred->add_option("model", pa->model, "MODEL.json")->required();
  pred->add_option("grid", pa->grid, "GRID.yaml");
  pred->add_option("--workload", pa->workload, "one configuration instead of a grid");
  pred->add_option("--set", pa->sets, "KEY=VALUE (YAML value), repeatable")->take_all();
  pred->add_flag("--json", pa->json, "print JSON");
  pred->callback([pa, &action] { action = [pa] { return predict_main(*pa); }; });
}

}  // namespace greenbench
