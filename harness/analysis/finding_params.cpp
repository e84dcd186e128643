// Finding 5: do parameters predict total energy? log(energy_j) = a + b log(params), fitted
// with every run of one architecture held out and tested on it (leave-one-architecture-out),
// beside the same fit on MACs per sample and on the run's total training MACs
// (macs_per_sample x train_samples x epochs) as predictors. APE = |predicted/measured - 1|.
#include <fmt/format.h>

#include <cmath>
#include <set>

#include "findings.hpp"
#include "stats.hpp"

namespace greenbench::analysis {
namespace {

struct LoaoScore {
  int n = 0;
  double mape = NAN, median_ape = NAN, p90_ape = NAN;
  nlohmann::json to_json() const {
    return {{"n", n}, {"mape", mape}, {"median_ape", median_ape}, {"p90_ape", p90_ape}};
  }
};

LoaoScore loao_score(const std::vector<double>& x, const std::vector<double>& y,
                     const std::vector<std::string>& arch) {
  const auto pred = loglog_leave_group_out(x, y, arch);
  std::vector<double> ape;
  for (size_t i = 0; i < y.size(); ++i)
    if (std::isfinite(pred[i])) ape.push_back(std::fabs(pred[i] / y[i] - 1));
  LoaoScore s;
  s.n = int(ape.size());
  if (s.n == 0) return s;
  s.mape = mean_of(ape);
  s.median_ape = median_of(ape);
  s.p90_ape = quantile_of(ape, 0.9);
  return s;
}

}  // namespace

Finding finding_params_predict(const RunsTable& t, const FindingOptions& o) {
  Finding f = finding_of(5);
  const auto e = t.column("energy_j"), p = t.column("params"), m = t.column("macs_per_sample"),
             ns = t.column("train_samples"), ep = t.column("epochs");
  std::vector<double> total_macs(e.size(), NAN);
  std::vector<std::string> arch;
  std::set<std::string> archs;
  for (size_t i = 0; i < e.size(); ++i) {
    arch.push_back(architecture_of(t.rows[i]));
    const double epochs = std::isfinite(ep[i]) ? ep[i] : 1;
    total_macs[i] = m[i] * ns[i] * epochs;
    if (std::isfinite(e[i]) && e[i] > 0 && std::isfinite(p[i]) && p[i] > 0) archs.insert(arch[i]);
  }
  f.numbers["n_architectures"] = archs.size();
  if (archs.size() < 3)
    return f.not_enough_data(
        fmt::format("leave-one-architecture-out needs >= 3 architectures; has {}", archs.size()));
  const LoaoScore sp = loao_score(p, e, arch), sm = loao_score(m, e, arch),
                  st = loao_score(total_macs, e, arch);
  f.n = sp.n;
  const auto logs = logs_where_positive({&p, &e});
  const LineFit all = line_fit(logs[0], logs[1]);
  f.numbers.update({{"params", sp.to_json()},
                    {"macs_per_sample", sm.to_json()},
                    {"training_macs", st.to_json()},
                    {"loglog_slope_params", all.slope},
                    {"r2_log_params", all.r2},
                    {"good_mape", o.params_good_mape}});
  if (sp.n == 0) return f.not_enough_data("no architecture could be predicted from the others");
  f.verdict = sp.mape <= o.params_good_mape ? "supported" : "not supported";
  f.summary = fmt::format(
      "log-log fit of energy on parameters alone, leave-one-architecture-out: MAPE {:.1f}%, median "
      "{:.1f}%, p90 "
      "{:.1f}% (n = {} runs, {} architectures; in-sample R^2 of logs {:.2f}); on MACs per sample: "
      "MAPE {:.1f}%; on "
      "training MACs (MACs x samples x epochs): MAPE {:.1f}%; 'predicts' means MAPE <= {:.0f}%",
      100 * sp.mape, 100 * sp.median_ape, 100 * sp.p90_ape, sp.n, archs.size(), all.r2,
      100 * sm.mape, 100 * st.mape, 100 * o.params_good_mape);
  return f;
}

}  // namespace greenbench::analysis
