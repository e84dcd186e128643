// Finding 3: inference's share of lifetime energy. A model trained once for energy_train_j and
// then serving N inferences at energy_per_infer_sample_j (measured on the test pass, at the
// run's infer_batch_size) spends N*e_inf/(E_train + N*e_inf) of its lifetime energy on
// inference; the break-even count E_train/e_inf is where inference equals training.
#include <fmt/format.h>

#include <cmath>

#include "findings.hpp"
#include "stats.hpp"

namespace greenbench::analysis {

Finding finding_inference_share(const RunsTable& t, const FindingOptions& o) {
  Finding f = finding_of(3);
  const double N = o.served_inferences;
  const auto et = t.column("energy_train_j"), ei = t.column("energy_per_infer_sample_j");
  std::vector<double> share, breakeven;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    if (!(std::isfinite(et[i]) && et[i] > 0 && std::isfinite(ei[i]) && ei[i] > 0)) continue;
    share.push_back(N * ei[i] / (et[i] + N * ei[i]));
    breakeven.push_back(et[i] / ei[i]);
  }
  f.n = int(share.size());
  f.numbers["served_inferences"] = N;
  if (f.n < 1) return f.not_enough_data("needs runs with both a training and an inference phase");
  const double med_share = median_of(share), med_be = median_of(breakeven);
  int majority = 0;
  for (double s : share) majority += s > 0.5;
  f.numbers.update({{"median_inference_share", med_share},
                    {"min_inference_share", quantile_of(share, 0)},
                    {"max_inference_share", quantile_of(share, 1)},
                    {"median_breakeven_inferences", med_be},
                    {"min_breakeven_inferences", quantile_of(breakeven, 0)},
                    {"max_breakeven_inferences", quantile_of(breakeven, 1)},
                    {"runs_where_inference_dominates", majority}});
  f.verdict = majority * 2 > f.n ? "inference dominates" : "training dominates";
  f.summary = fmt::format(
      "after {:.3g} served inferences, inference is {:.1f}% of lifetime energy (median; range "
      "{:.1f}% to {:.1f}%); "
      "inference equals training after {:.3g} inferences (median; range {:.3g} to {:.3g}); "
      "inference dominates in "
      "{} of {} runs",
      N, 100 * med_share, 100 * quantile_of(share, 0), 100 * quantile_of(share, 1), med_be,
      quantile_of(breakeven, 0), quantile_of(breakeven, 1), majority, f.n);
  return f;
}

}  // namespace greenbench::analysis
