// The pre-run energy estimator: a physically shaped baseline — joules per FLOP by op kind, per
// byte inside and beyond L2, per op call and per step, plus watts x a predicted time, all
// non-negative (NNLS, relative errors) — times a learned correction exp(ridge on shape
// features) fitted to the baseline's log residuals; intervals from cross-validation residual
// quantiles. Leave-one-architecture-out evaluation beside plain baselines on the same folds.
// Not the features (estimate_features.hpp) and not the CLI (cmd_estimate.cpp).
#pragma once

#include <Eigen/Dense>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "estimate_features.hpp"
#include "greenbench/estimator.hpp"

namespace greenbench {

// Non-negative least squares, min ||A x - b|| subject to x >= 0 (Lawson-Hanson active set).
Eigen::VectorXd nnls(const Eigen::MatrixXd& A, const Eigen::VectorXd& b);

// Ridge regression on standardised columns with an unpenalised intercept.
struct Ridge {
  Eigen::VectorXd mean, scale, w;
  double intercept = 0;
  double predict(const std::vector<double>& x) const;
};
Ridge ridge_fit(const std::vector<std::vector<double>>& X, const std::vector<double>& y,
                double lambda);

struct EstimatorModel {
  std::vector<double> time_coef;    // seconds per base feature
  std::vector<double> energy_coef;  // joules per base feature, then watts for predicted time
  Ridge correction;
  double lambda = 0;                          // the correction's ridge penalty (chosen by inner CV)
  double log_resid_lo = 0, log_resid_hi = 0;  // 2.5% / 97.5% of CV log(measured/predicted)
  CacheSizes caches;
  // Base features that were non-zero in some fitted run. A configuration with work in a
  // feature none had (an op kind no fitted architecture used: depthwise convs when no fitted
  // net had one) gets no cost for it, so its prediction is low: unseen() names them.
  std::vector<char> seen;
  std::vector<std::string> unseen(const RunFeatures& f) const;
  double baseline_j(const RunFeatures& f) const;
  double predict_j(const RunFeatures& f) const;
  // A configuration's prediction with its interval, before it runs: what `estimate predict`,
  // `run --dry-run --model` and EnergyModel::predict (include/greenbench/estimator.hpp) give.
  // Throws InputError when the workload gives no cost breakdown.
  EnergyPrediction predict_run(const std::string& workload, const WorkloadConfig& config,
                               RunPhases phases) const;
  nlohmann::json to_json() const;
  static EstimatorModel from_json(const nlohmann::json& j);
};

// Reads a model `estimate fit` wrote. Throws InputError naming the file and the fix.
EstimatorModel estimator_model_load(const std::string& path);
// Writes the model file estimator_model_load reads: the model, and its fit's report under "fit".
void estimator_model_save(const std::string& path, const EstimatorModel& model,
                          const nlohmann::json& fit_summary);

// Fits on `runs` (the correction's penalty by leave-one-architecture-out inside them).
EstimatorModel estimator_fit(const std::vector<RunFeatures>& runs, const CacheSizes& caches);

// Held-out folds: one per architecture, the indices of its runs. Sorted by architecture id.
std::vector<std::vector<std::size_t>> folds_by_arch(const std::vector<RunFeatures>& runs);

// Accuracy of predictions against measurements.
struct Accuracy {
  double mape = 0, median_ape = 0, p90_ape = 0, r2_log = 0;
  nlohmann::json to_json() const;
};
Accuracy accuracy_of(const std::vector<double>& predicted, const std::vector<double>& measured);

// Leave-one-architecture-out: every run predicted by a model fitted without its architecture,
// for the estimator and the plain baselines (tdp_time: TDP share x measured seconds;
// flops_linear: a x total FLOPs; params_linear: a x params x samples seen; `tdp_w` is the TDP
// share of the machine the runs came from).
struct CvResult {
  std::vector<double> predicted, low, high, measured;  // estimator, per run
  std::vector<double> baseline_only;                   // the NNLS baseline without correction
  std::vector<double> tdp_time, flops_linear, params_linear;
  Accuracy estimator, baseline, tdp, flops, params;
  // Runs whose fold's model had not seen one of their features (EstimatorModel::unseen), and
  // the estimator's accuracy on the other runs.
  std::vector<char> unseen;
  std::size_t n_unseen = 0;
  Accuracy estimator_seen;
  double coverage = 0;                        // held-out runs inside their interval
  double log_resid_lo = 0, log_resid_hi = 0;  // 2.5% / 97.5% of log(measured / predicted)
};
CvResult cross_validate(const std::vector<RunFeatures>& runs, const CacheSizes& caches,
                        double tdp_w);

}  // namespace greenbench
