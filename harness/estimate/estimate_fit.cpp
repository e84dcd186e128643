// The estimator's fit and hold-out evaluation (docs/estimate.md); the model is estimate_model.*.
#include "estimate_fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <set>

#include "energy_check.hpp"
#include "gemm_times.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/meter.hpp"
#include "greenbench/results.hpp"

namespace greenbench {
namespace {

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
                    const std::vector<std::string>& holdout, const CacheSizes& caches) {
  std::string text = "set,run_id,workload,arch_id,measured_j,measured_s";
  for (const auto& n : base_feature_names()) text += "," + n;
  for (const auto& n : shape_feature_names()) text += "," + n;
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
  for (const auto& d : holdout) rows(runs_load(d, caches), "holdout");
  file_write_atomic(path, text);
}

}  // namespace

nlohmann::json holdout_evaluate(const std::vector<std::string>& dirs,
                                const std::vector<RunFeatures>& train, const EstimatorModel& model,
                                double tdp_w) {
  std::vector<RunFeatures> runs;
  for (const auto& d : dirs) {
    auto r = runs_load(d, model.caches);
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
  nlohmann::json j = accuracy_of(pred, meas).to_json();
  j["n_runs"] = runs.size();
  j["n_architectures"] = archs.size();
  j["runs_of_seen_architectures"] = overlap;
  j["interval_coverage"] = double(covered) / double(runs.size());
  j["baselines"] = {{"nnls_baseline_only", accuracy_of(base, meas).to_json()},
                    {"tdp_time", accuracy_of(tdp, meas).to_json()},
                    {"flops_linear", accuracy_of(flops, meas).to_json()},
                    {"params_linear", accuracy_of(params, meas).to_json()}};
  return j;
}

namespace {

// The runs to fit on, their features read after the sgemm table has been timed three times.
std::vector<RunFeatures> fit_runs_load(const std::vector<std::string>& dirs,
                                       const std::vector<std::string>& holdout,
                                       const CacheSizes& caches, std::ostream& notes) {
  // Features twice: the first pass fills the sgemm table (with the --holdout folders' shapes,
  // none of their measurements), which two more sweeps refine (fastest of three, spread over
  // the fit) before the features are read from them.
  // Each folder is read once; zero or flagged energies are said first, and zero ones are not
  // fitted on (energy_check.hpp).
  std::vector<ResultsFolder> fitted;
  int zero_energy_runs = 0;
  for (const auto& d : dirs) {
    fitted.push_back(results_folder_read(d));
    for (const auto& p : energy_problems(fitted.back().runs, d))
      notes << "greenbench estimate: warning: " << p << "\n";
    for (const auto& r : fitted.back().runs) zero_energy_runs += energy_unusable(r) ? 1 : 0;
  }
  for (const auto& f : fitted) {
    for (const auto& note : f.notes) notes << "greenbench estimate: note: " << note << "\n";
    runs_load(f, caches);  // fills the sgemm table
  }
  for (const auto& d : holdout) runs_load(d, caches);  // shapes only, none of their measurements
  notes << fmt::format(
      "greenbench estimate: timing {} sgemm shapes twice more on this "
      "machine (the fastest of three is kept)\n",
      gemm_times().size());
  gemm_times().remeasure(2);
  std::vector<RunFeatures> runs;
  for (const auto& f : fitted) {
    auto r = runs_load(f, caches);
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
                     dirs.empty() ? "" : dirs[0], 0, 0,
                     "run more configurations with `greenbench run`");
  return runs;
}

}  // namespace

double tdp_share_w() {
  const EstimateParams p = estimate_params_detect(SourcePaths::from_env());
  return p.tdp_w * double(p.visible_threads) / double(std::max(1, p.package_threads));
}

EstimateFit estimate_fit(const std::vector<std::string>& dirs,
                         const std::vector<std::string>& holdout, const std::string& features_csv,
                         double tdp_w, std::ostream& notes) {
  const auto caches = cache_sizes_read(SourcePaths::from_env().sysfs_root);
  std::vector<RunFeatures> runs = fit_runs_load(dirs, holdout, caches, notes);
  if (!features_csv.empty()) features_write(features_csv, runs, holdout, caches);
  EstimateFit fit;
  fit.cv = cross_validate(runs, caches, tdp_w);
  const CvResult& cv = fit.cv;
  fit.model = estimator_fit(runs, caches);
  fit.model.log_resid_lo = cv.log_resid_lo;
  fit.model.log_resid_hi = cv.log_resid_hi;
  const std::size_t n_arch = folds_by_arch(runs).size();

  fit.summary = {{"cv", "leave-architecture-out"},
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
                 {"folders", dirs}};

  predictions_write(runs, cv.predicted, cv.low, cv.high);
  if (!holdout.empty()) fit.summary["holdout"] = holdout_evaluate(holdout, runs, fit.model, tdp_w);
  fit.n_architectures = n_arch;
  fit.runs = std::move(runs);
  return fit;
}

}  // namespace greenbench
