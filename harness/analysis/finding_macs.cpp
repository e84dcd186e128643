// Finding 1: does energy track MACs (and MACs per parameter) more than parameter count?
// Spearman correlations of energy per training sample with each, Fisher-z intervals, Williams'
// t on the difference, and a bootstrap interval of rho(MACs) - rho(params). Energy per sample,
// not per run, so that data-set size and epochs do not drown the model's cost.
#include <fmt/format.h>

#include <cmath>
#include <set>

#include "findings.hpp"
#include "stats.hpp"

namespace greenbench::analysis {

namespace {

// The trained runs with finite energy per sample, MACs and parameters: the finding's data.
struct MacsData {
  std::vector<double> e, m, p, mp;  // J per training sample, MACs per sample, params, MACs/param
  std::set<std::string> archs;
  std::set<double> distinct_params, distinct_macs;
};

MacsData macs_data_of(const RunsTable& t) {
  const auto e_all = t.column("energy_per_train_sample_j"), m_all = t.column("macs_per_sample"),
             p_all = t.column("params"), mp_all = t.column("macs_param");
  const auto arch_all = [&] {
    std::vector<std::string> a;
    for (const auto& r : t.rows) a.push_back(architecture_of(r));
    return a;
  }();
  MacsData d;
  for (size_t i = 0; i < e_all.size(); ++i) {
    if (!(std::isfinite(e_all[i]) && std::isfinite(m_all[i]) && std::isfinite(p_all[i]) &&
          p_all[i] > 0))
      continue;
    d.e.push_back(e_all[i]);
    d.m.push_back(m_all[i]);
    d.p.push_back(p_all[i]);
    d.mp.push_back(std::isfinite(mp_all[i]) ? mp_all[i] : m_all[i] / p_all[i]);
    d.archs.insert(arch_all[i]);
    d.distinct_params.insert(p_all[i]);
    d.distinct_macs.insert(m_all[i]);
  }
  return d;
}

}  // namespace

Finding finding_macs_vs_params(const RunsTable& t, const FindingOptions& o) {
  Finding f = finding_of(1);
  const MacsData data = macs_data_of(t);
  const auto &e = data.e, &m = data.m, &p = data.p, &mp = data.mp;
  const auto& archs = data.archs;
  const auto &distinct_params = data.distinct_params, &distinct_macs = data.distinct_macs;
  f.n = int(e.size());
  f.numbers["target"] = "energy_per_train_sample_j";
  f.numbers["n_architectures"] = archs.size();
  if (f.n < 5 || distinct_params.size() < 3 || distinct_macs.size() < 3)
    return f.not_enough_data(fmt::format(
        "needs >= 5 trained runs over >= 3 distinct parameter counts and MAC counts; has {} runs, "
        "{} and {}",
        f.n, distinct_params.size(), distinct_macs.size()));
  const double rho_m = spearman(e, m), rho_p = spearman(e, p), rho_mp = spearman(e, mp),
               rho_mk = spearman(m, p);
  const auto ci_m = correlation_interval(rho_m, f.n, 0.95, 1.06),
             ci_p = correlation_interval(rho_p, f.n, 0.95, 1.06),
             ci_mp = correlation_interval(rho_mp, f.n, 0.95, 1.06);
  const auto cmp = correlations_compare(rho_m, rho_p, rho_mk, f.n);
  auto diff_of = [&](const std::vector<int>& idx) {
    std::vector<double> be, bm, bp;
    for (int i : idx) {
      be.push_back(e[i]);
      bm.push_back(m[i]);
      bp.push_back(p[i]);
    }
    return spearman(be, bm) - spearman(be, bp);
  };
  const auto boot = bootstrap_interval(f.n, diff_of, o.bootstrap_resamples, o.seed);
  const double diff = rho_m - rho_p;
  auto ci_json = [](Interval i) { return nlohmann::json::array({i.low, i.high}); };
  f.numbers.update({{"spearman_macs", rho_m},
                    {"spearman_macs_ci95", ci_json(ci_m)},
                    {"spearman_params", rho_p},
                    {"spearman_params_ci95", ci_json(ci_p)},
                    {"spearman_macs_param", rho_mp},
                    {"spearman_macs_param_ci95", ci_json(ci_mp)},
                    {"spearman_macs_vs_params", rho_mk},
                    {"difference", diff},
                    {"difference_bootstrap_ci95", ci_json(boot)},
                    {"bootstrap_resamples", o.bootstrap_resamples},
                    {"williams_t", cmp.t},
                    {"williams_p", cmp.p},
                    {"pearson_log_macs", NAN},
                    {"pearson_log_params", NAN}});
  const auto logs = logs_where_positive({&e, &m, &p});  // p > 0 already
  f.numbers["pearson_log_macs"] = pearson(logs[0], logs[1]);
  f.numbers["pearson_log_params"] = pearson(logs[0], logs[2]);
  f.verdict = verdict_of(diff > 0 && boot.low > 0, diff < 0 && boot.high < 0, "inconclusive");
  f.summary = fmt::format(
      "energy per training sample vs MACs: Spearman {:.2f} [{:.2f}, {:.2f}]; vs parameters {:.2f} "
      "[{:.2f}, {:.2f}]; "
      "vs MACs per parameter {:.2f}; difference {:+.2f}, bootstrap 95% CI [{:.2f}, {:.2f}], "
      "Williams p = {:.3g} "
      "(n = {} runs, {} architectures)",
      rho_m, ci_m.low, ci_m.high, rho_p, ci_p.low, ci_p.high, rho_mp, diff, boot.low, boot.high,
      cmp.p, f.n, archs.size());
  return f;
}

}  // namespace greenbench::analysis
