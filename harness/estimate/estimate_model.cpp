// The estimator: NNLS baseline, ridge correction, residual intervals, leave-one-architecture-
// out evaluation and baselines. See estimate_model.hpp. Not the features.
// GCC 12 reports false -Wmaybe-uninitialized inside Eigen's AVX-512 packet code under
// -march=native (GCC bug 105593); the whole translation unit instantiates Eigen, so it is off here.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "estimate_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>

#include "gemm_times.hpp"
#include "greenbench/errors.hpp"
#include "stats.hpp"

namespace greenbench {

Eigen::VectorXd nnls(const Eigen::MatrixXd& A, const Eigen::VectorXd& b) {
  const Eigen::Index n = A.cols();
  Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
  std::vector<bool> passive(std::size_t(n), false);
  const double tol = 1e-12 * std::max(1.0, A.cwiseAbs().maxCoeff()) *
                     std::max(1.0, b.cwiseAbs().maxCoeff()) *
                     double(std::max<Eigen::Index>(A.rows(), n));
  // Least squares over the passive set P (other coefficients zero).
  auto solve_passive = [&](const std::vector<bool>& P) {
    std::vector<Eigen::Index> idx;
    for (Eigen::Index j = 0; j < n; j++)
      if (P[std::size_t(j)]) idx.push_back(j);
    Eigen::MatrixXd Ap(A.rows(), Eigen::Index(idx.size()));
    for (std::size_t k = 0; k < idx.size(); k++) Ap.col(Eigen::Index(k)) = A.col(idx[k]);
    Eigen::VectorXd zp = Ap.colPivHouseholderQr().solve(b);
    Eigen::VectorXd z = Eigen::VectorXd::Zero(n);
    for (std::size_t k = 0; k < idx.size(); k++) z(idx[k]) = zp(Eigen::Index(k));
    return z;
  };
  for (int outer = 0; outer < 3 * int(n) + 10; outer++) {
    const Eigen::VectorXd w = A.transpose() * (b - A * x);
    Eigen::Index best = -1;
    double best_w = tol;
    for (Eigen::Index j = 0; j < n; j++)
      if (!passive[std::size_t(j)] && w(j) > best_w) best_w = w(j), best = j;
    if (best < 0) break;
    passive[std::size_t(best)] = true;
    for (int inner = 0; inner < 3 * int(n) + 10; inner++) {
      Eigen::VectorXd z = solve_passive(passive);
      bool feasible = true;
      for (Eigen::Index j = 0; j < n; j++)
        if (passive[std::size_t(j)] && z(j) <= 0) feasible = false;
      if (feasible) {
        x = z;
        break;
      }
      // Step from x toward z as far as feasibility allows, then drop the zeroed coefficients.
      double alpha = 1;
      for (Eigen::Index j = 0; j < n; j++)
        if (passive[std::size_t(j)] && z(j) <= 0) alpha = std::min(alpha, x(j) / (x(j) - z(j)));
      x += alpha * (z - x);
      for (Eigen::Index j = 0; j < n; j++)
        if (passive[std::size_t(j)] && x(j) <= 1e-15 * std::max(1.0, x.cwiseAbs().maxCoeff())) {
          passive[std::size_t(j)] = false;
          x(j) = 0;
        }
    }
  }
  return x;
}

double Ridge::predict(const std::vector<double>& x) const {
  double y = intercept;
  for (Eigen::Index j = 0; j < w.size(); j++) y += w(j) * (x[std::size_t(j)] - mean(j)) / scale(j);
  return y;
}

Ridge ridge_fit(const std::vector<std::vector<double>>& X, const std::vector<double>& y,
                double lambda) {
  Ridge r;
  const Eigen::Index n = Eigen::Index(X.size()), d = X.empty() ? 0 : Eigen::Index(X[0].size());
  r.mean = Eigen::VectorXd::Zero(d);
  r.scale = Eigen::VectorXd::Ones(d);
  r.w = Eigen::VectorXd::Zero(d);
  if (n == 0) return r;
  Eigen::MatrixXd Z(n, d);
  for (Eigen::Index i = 0; i < n; i++)
    for (Eigen::Index j = 0; j < d; j++) Z(i, j) = X[std::size_t(i)][std::size_t(j)];
  r.mean = Z.colwise().mean().transpose();
  for (Eigen::Index j = 0; j < d; j++) {
    const double sd = std::sqrt((Z.col(j).array() - r.mean(j)).square().sum() / double(n));
    r.scale(j) = sd > 1e-12 ? sd : 1.0;
    Z.col(j) = (Z.col(j).array() - r.mean(j)) / r.scale(j);
  }
  Eigen::VectorXd Y(n);
  for (Eigen::Index i = 0; i < n; i++) Y(i) = y[std::size_t(i)];
  r.intercept = Y.mean();
  const Eigen::VectorXd Yc = Y.array() - r.intercept;
  const Eigen::MatrixXd G = Z.transpose() * Z + lambda * Eigen::MatrixXd::Identity(d, d);
  r.w = G.ldlt().solve(Z.transpose() * Yc);
  return r;
}

namespace {

constexpr double kCorrectionClamp = 1.5;                 // |log correction| at most this (x4.5)
const std::vector<double> kLambdas = {1, 10, 100, 1e6};  // 1e6: practically no correction

// NNLS of targets t on features F with relative errors: rows divided by t, columns scaled to
// unit norm for conditioning (then unscaled).
std::vector<double> nnls_relative(const std::vector<std::vector<double>>& F,
                                  const std::vector<double>& t) {
  const Eigen::Index n = Eigen::Index(F.size()), d = Eigen::Index(F.at(0).size());
  Eigen::MatrixXd A(n, d);
  Eigen::VectorXd b = Eigen::VectorXd::Ones(n);
  for (Eigen::Index i = 0; i < n; i++)
    for (Eigen::Index j = 0; j < d; j++)
      A(i, j) = F[std::size_t(i)][std::size_t(j)] / t[std::size_t(i)];
  Eigen::VectorXd norm(d);
  for (Eigen::Index j = 0; j < d; j++) {
    norm(j) = A.col(j).norm();
    if (norm(j) > 0) A.col(j) /= norm(j);
  }
  const Eigen::VectorXd x = nnls(A, b);
  std::vector<double> coef(std::size_t(d), 0.0);
  for (Eigen::Index j = 0; j < d; j++) coef[std::size_t(j)] = norm(j) > 0 ? x(j) / norm(j) : 0.0;
  return coef;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); i++) s += a[i] * b[i];
  return s;
}

std::vector<double> energy_row(const std::vector<double>& time_coef, const RunFeatures& f) {
  std::vector<double> row = f.base;
  row.push_back(dot(time_coef, f.base));  // predicted seconds: the watts column
  return row;
}

// The baseline (time and energy NNLS) and a correction with a fixed penalty.
EstimatorModel fit_with_lambda(const std::vector<const RunFeatures*>& runs, double lambda,
                               const CacheSizes& caches) {
  EstimatorModel m;
  m.caches = caches;
  m.lambda = lambda;
  std::vector<std::vector<double>> F;
  std::vector<double> t, e;
  for (const auto* r : runs) {
    F.push_back(r->base);
    t.push_back(std::max(r->measured_s, 1e-6));
    e.push_back(r->measured_j);
  }
  m.seen.assign(base_feature_names().size(), 0);
  for (const auto* r : runs)
    for (std::size_t j = 0; j < r->base.size(); j++)
      if (r->base[j] > 0) m.seen[j] = 1;
  m.time_coef = nnls_relative(F, t);
  std::vector<std::vector<double>> Fe;
  for (const auto* r : runs) Fe.push_back(energy_row(m.time_coef, *r));
  m.energy_coef = nnls_relative(Fe, e);
  std::vector<std::vector<double>> X;
  std::vector<double> y;
  for (const auto* r : runs) {
    const double base = m.baseline_j(*r);
    if (!(base > 0)) continue;
    X.push_back(r->shape);
    y.push_back(std::log(r->measured_j / base));
  }
  m.correction = ridge_fit(X, y, lambda);
  return m;
}

std::vector<std::vector<std::size_t>> folds_of(const std::vector<const RunFeatures*>& runs) {
  std::map<std::string, std::vector<std::size_t>> by;
  for (std::size_t i = 0; i < runs.size(); i++) by[runs[i]->arch_id].push_back(i);
  std::vector<std::vector<std::size_t>> folds;
  for (auto& [id, idx] : by) folds.push_back(std::move(idx));
  return folds;
}

// The penalty with the lowest leave-one-architecture-out mean |log error| inside `runs`.
double lambda_choose(const std::vector<const RunFeatures*>& runs, const CacheSizes& caches) {
  const auto folds = folds_of(runs);
  if (folds.size() < 3) return kLambdas.back();
  // Per penalty: the mean over held-out architectures of their runs' mean |log error|, and its
  // standard error across them.
  std::vector<double> mean(kLambdas.size()), se(kLambdas.size());
  for (std::size_t l = 0; l < kLambdas.size(); l++) {
    std::vector<double> per_fold;
    for (const auto& fold : folds) {
      std::vector<char> out(runs.size(), 0);
      for (auto i : fold) out[i] = 1;
      std::vector<const RunFeatures*> train;
      for (std::size_t i = 0; i < runs.size(); i++)
        if (!out[i]) train.push_back(runs[i]);
      const EstimatorModel m = fit_with_lambda(train, kLambdas[l], caches);
      double err = 0;
      for (auto i : fold) err += std::fabs(std::log(m.predict_j(*runs[i]) / runs[i]->measured_j));
      per_fold.push_back(err / double(fold.size()));
    }
    mean[l] = mean_of(per_fold);
    double ss = 0;
    for (double e : per_fold) ss += (e - mean[l]) * (e - mean[l]);
    se[l] = std::sqrt(ss / double(per_fold.size() - 1) / double(per_fold.size()));
  }
  // The one-standard-error rule (Hastie, Tibshirani, Friedman): the strongest penalty whose
  // error is within one standard error of the best, since a correction learned from a few
  // architectures extrapolates badly to the one held out (it had raised the
  // leave-one-architecture-out error above the baseline's).
  const std::size_t best = std::size_t(std::min_element(mean.begin(), mean.end()) - mean.begin());
  for (std::size_t l = kLambdas.size(); l-- > 0;)
    if (mean[l] <= mean[best] + se[best]) return kLambdas[l];
  return kLambdas[best];
}

EstimatorModel fit_nested(const std::vector<const RunFeatures*>& runs, const CacheSizes& caches) {
  return fit_with_lambda(runs, lambda_choose(runs, caches), caches);
}

// a minimising sum ((a x_i - y_i) / y_i)^2.
double relative_scale(const std::vector<double>& x, const std::vector<double>& y) {
  double num = 0, den = 0;
  for (std::size_t i = 0; i < x.size(); i++) {
    num += x[i] / y[i];
    den += (x[i] / y[i]) * (x[i] / y[i]);
  }
  return den > 0 ? num / den : 0;
}

}  // namespace

double EstimatorModel::baseline_j(const RunFeatures& f) const {
  return dot(energy_coef, energy_row(time_coef, f));
}

std::vector<std::string> EstimatorModel::unseen(const RunFeatures& f) const {
  std::vector<std::string> out;
  for (std::size_t j = 0; j < f.base.size() && j < seen.size(); j++)
    if (f.base[j] > 0 && !seen[j]) out.push_back(base_feature_names()[j]);
  return out;
}

double EstimatorModel::predict_j(const RunFeatures& f) const {
  const double base = baseline_j(f);
  const double c = std::clamp(correction.predict(f.shape), -kCorrectionClamp, kCorrectionClamp);
  return base * std::exp(c);
}

EnergyPrediction EstimatorModel::predict_run(const std::string& workload,
                                             const WorkloadConfig& config, RunPhases phases) const {
  const RunFeatures f = features_of(workload, config, caches, phases);
  EnergyPrediction p;
  p.energy_j = predict_j(f);
  p.low_j = p.energy_j * std::exp(log_resid_lo);
  p.high_j = p.energy_j * std::exp(log_resid_hi);
  p.baseline_j = baseline_j(f);
  p.flops = f.flops_total;
  p.params = f.params;
  p.unseen_features = unseen(f);
  return p;
}

nlohmann::json EstimatorModel::to_json() const {
  auto vec = [](const Eigen::VectorXd& v) {
    return std::vector<double>(v.data(), v.data() + v.size());
  };
  nlohmann::json j;
  j["schema"] = "greenbench-estimator-1";
  j["base_features"] = base_feature_names();
  j["shape_features"] = shape_feature_names();
  j["time_coef_s"] = time_coef;
  j["energy_coef_j"] = energy_coef;
  j["correction"] = {{"mean", vec(correction.mean)},
                     {"scale", vec(correction.scale)},
                     {"w", vec(correction.w)},
                     {"intercept", correction.intercept},
                     {"lambda", lambda}};
  j["log_resid_lo"] = log_resid_lo;
  j["log_resid_hi"] = log_resid_hi;
  j["caches"] = caches.to_json();
  j["gemm_seconds"] = gemm_times().to_json();  // the timed shapes the features read
  std::vector<std::string> seen_names;
  for (std::size_t i = 0; i < seen.size(); i++)
    if (seen[i]) seen_names.push_back(base_feature_names()[i]);
  j["features_seen"] = seen_names;
  return j;
}

EstimatorModel EstimatorModel::from_json(const nlohmann::json& j) {
  if (j.value("schema", "") != "greenbench-estimator-1")
    throw InputError("not a greenbench estimator model (schema greenbench-estimator-1)");
  if (j.at("base_features").get<std::vector<std::string>>() != base_feature_names() ||
      j.at("shape_features").get<std::vector<std::string>>() != shape_feature_names())
    throw InputError("the model was fitted with other features than this build computes", "", 0, 0,
                     "fit it again with `greenbench estimate fit`");
  EstimatorModel m;
  m.time_coef = j.at("time_coef_s").get<std::vector<double>>();
  m.energy_coef = j.at("energy_coef_j").get<std::vector<double>>();
  auto vec = [](const nlohmann::json& a) {
    const auto v = a.get<std::vector<double>>();
    return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(v.data(), Eigen::Index(v.size())));
  };
  const auto& c = j.at("correction");
  m.correction.mean = vec(c.at("mean"));
  m.correction.scale = vec(c.at("scale"));
  m.correction.w = vec(c.at("w"));
  m.correction.intercept = c.at("intercept").get<double>();
  m.lambda = c.at("lambda").get<double>();
  m.log_resid_lo = j.at("log_resid_lo").get<double>();
  m.log_resid_hi = j.at("log_resid_hi").get<double>();
  m.caches = CacheSizes::from_json(j.at("caches"));
  const auto seen_names = j.value("features_seen", std::vector<std::string>(base_feature_names()));
  for (const auto& name : base_feature_names())
    m.seen.push_back(std::find(seen_names.begin(), seen_names.end(), name) != seen_names.end());
  // The fit's sgemm timings, so predictions read the table the coefficients were fitted on
  // (shapes it lacks are measured when asked for).
  gemm_times().merge_json(j.value("gemm_seconds", nlohmann::json::object()));
  return m;
}

std::vector<std::vector<std::size_t>> folds_by_arch(const std::vector<RunFeatures>& runs) {
  std::vector<const RunFeatures*> p;
  for (const auto& r : runs) p.push_back(&r);
  return folds_of(p);
}

nlohmann::json Accuracy::to_json() const {
  return {{"mape", mape}, {"median_ape", median_ape}, {"p90_ape", p90_ape}, {"r2_log", r2_log}};
}

Accuracy accuracy_of(const std::vector<double>& pred, const std::vector<double>& meas) {
  Accuracy a;
  if (pred.empty()) return a;
  std::vector<double> ape, lm;
  double ss_res = 0;
  for (std::size_t i = 0; i < pred.size(); i++) {
    ape.push_back(std::fabs(pred[i] - meas[i]) / meas[i]);
    const double lp = std::log(std::max(pred[i], 1e-300)), l = std::log(meas[i]);
    ss_res += (lp - l) * (lp - l);
    lm.push_back(l);
  }
  a.mape = mean_of(ape);
  a.median_ape = median_of(ape);
  a.p90_ape = quantile_of(ape, 0.9);
  const double m = mean_of(lm);
  double ss_tot = 0;
  for (double l : lm) ss_tot += (l - m) * (l - m);
  a.r2_log = ss_tot > 0 ? 1 - ss_res / ss_tot : 0;
  return a;
}

EstimatorModel estimator_fit(const std::vector<RunFeatures>& runs, const CacheSizes& caches) {
  if (runs.size() < 2) throw InputError("estimate fit needs at least 2 finished runs");
  std::vector<const RunFeatures*> p;
  for (const auto& r : runs) p.push_back(&r);
  return fit_nested(p, caches);
}

CvResult cross_validate(const std::vector<RunFeatures>& runs, const CacheSizes& caches,
                        double tdp_w) {
  CvResult cv;
  const std::size_t n = runs.size();
  cv.predicted.assign(n, 0);
  cv.baseline_only.assign(n, 0);
  cv.flops_linear.assign(n, 0);
  cv.params_linear.assign(n, 0);
  cv.unseen.assign(n, 0);
  for (const auto& r : runs) {
    cv.measured.push_back(r.measured_j);
    cv.tdp_time.push_back(tdp_w * r.measured_s);
  }
  const auto folds = folds_by_arch(runs);
  if (folds.size() < 2)
    throw InputError("leave-one-architecture-out needs runs of at least 2 architectures");
  for (const auto& fold : folds) {
    std::vector<char> out(n, 0);
    for (auto i : fold) out[i] = 1;
    std::vector<const RunFeatures*> train;
    std::vector<double> fx, px, y;
    for (std::size_t i = 0; i < n; i++) {
      if (out[i]) continue;
      train.push_back(&runs[i]);
      fx.push_back(runs[i].flops_total);
      px.push_back(double(runs[i].params) * runs[i].samples_seen);
      y.push_back(runs[i].measured_j);
    }
    const EstimatorModel m = fit_nested(train, caches);
    const double a_f = relative_scale(fx, y), a_p = relative_scale(px, y);
    for (auto i : fold) {
      cv.unseen[i] = !m.unseen(runs[i]).empty();
      cv.predicted[i] = m.predict_j(runs[i]);
      cv.baseline_only[i] = m.baseline_j(runs[i]);
      cv.flops_linear[i] = a_f * runs[i].flops_total;
      cv.params_linear[i] = a_p * double(runs[i].params) * runs[i].samples_seen;
    }
  }
  std::vector<double> log_resid;
  for (std::size_t i = 0; i < n; i++)
    log_resid.push_back(std::log(cv.measured[i] / cv.predicted[i]));
  const double lo = quantile_of(log_resid, 0.025), hi = quantile_of(log_resid, 0.975);
  cv.log_resid_lo = lo;
  cv.log_resid_hi = hi;
  int covered = 0;
  for (std::size_t i = 0; i < n; i++) {
    cv.low.push_back(cv.predicted[i] * std::exp(lo));
    cv.high.push_back(cv.predicted[i] * std::exp(hi));
    if (cv.low[i] <= cv.measured[i] && cv.measured[i] <= cv.high[i]) covered++;
  }
  cv.coverage = double(covered) / double(n);
  cv.estimator = accuracy_of(cv.predicted, cv.measured);
  std::vector<double> seen_pred, seen_meas;
  for (std::size_t i = 0; i < n; i++) {
    if (cv.unseen[i]) {
      cv.n_unseen++;
      continue;
    }
    seen_pred.push_back(cv.predicted[i]);
    seen_meas.push_back(cv.measured[i]);
  }
  if (!seen_pred.empty()) cv.estimator_seen = accuracy_of(seen_pred, seen_meas);
  cv.baseline = accuracy_of(cv.baseline_only, cv.measured);
  cv.tdp = accuracy_of(cv.tdp_time, cv.measured);
  cv.flops = accuracy_of(cv.flops_linear, cv.measured);
  cv.params = accuracy_of(cv.params_linear, cv.measured);
  return cv;
}

namespace {
nlohmann::json model_read(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw InputError("cannot read the model", path, 0, 0, "run `greenbench estimate fit` first");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(fmt::format("not JSON: {}", e.what()), path, 0, 0, "");
  }
}
}  // namespace

void estimator_model_save(const std::string& path, const EstimatorModel& model,
                          const nlohmann::json& fit_summary) {
  nlohmann::json j = model.to_json();
  j["fit"] = fit_summary;
  file_write_atomic(path, j.dump(2) + "\n");
}

EstimatorModel estimator_model_load(const std::string& path) {
  try {
    return EstimatorModel::from_json(model_read(path));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(fmt::format("not an estimator model: {}", e.what()), path, 0, 0,
                     "run `greenbench estimate fit` to make one");
  } catch (const InputError& e) {
    if (!e.file.empty()) throw;
    throw InputError(e.what(), path, 0, 0, "");
  }
}

}  // namespace greenbench
