// Finding 2: how batch size moves energy per training sample. Within each setting (the
// architecture and every training key but batch size, learning rate, seed, epochs and sample
// counts), a least-squares line of log(energy per sample) on log(batch size): the slope is the
// elasticity (-1: energy per sample halves when the batch doubles; 0: no effect).
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

#include "findings.hpp"
#include "stats.hpp"

namespace greenbench::analysis {

Finding finding_batch_size(const RunsTable& t, const FindingOptions&) {
  Finding f = finding_of(2);
  const auto e = t.column("energy_per_train_sample_j"), b = t.column("batch_size");
  const std::vector<std::string> ignore = {"batch_size",  "infer_batch_size", "learning_rate",
                                           "seed",        "epochs",           "train_samples",
                                           "test_samples"};
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < t.rows.size(); ++i)
    if (std::isfinite(e[i]) && e[i] > 0 && std::isfinite(b[i]) && b[i] > 0)
      groups[setting_of(t.rows[i], ignore)].push_back(i);
  std::vector<double> slopes;
  nlohmann::json per = nlohmann::json::array();
  for (const auto& [setting, idx] : groups) {
    std::vector<double> lx, ly;
    std::map<double, std::vector<double>> by_batch;
    for (size_t i : idx) {
      lx.push_back(std::log(b[i]));
      ly.push_back(std::log(e[i]));
      by_batch[b[i]].push_back(e[i]);
    }
    if (by_batch.size() < 2) continue;
    const LineFit fit = line_fit(lx, ly);
    const double e_small = mean_of(by_batch.begin()->second),
                 e_large = mean_of(by_batch.rbegin()->second);
    per.push_back({{"setting", setting},
                   {"architecture", architecture_of(t.rows[idx[0]])},
                   {"n", fit.n},
                   {"batch_sizes", by_batch.size()},
                   {"batch_min", by_batch.begin()->first},
                   {"batch_max", by_batch.rbegin()->first},
                   {"slope_loglog", fit.slope},
                   {"slope_ci95", {fit.slope_ci.low, fit.slope_ci.high}},
                   {"r2", fit.r2},
                   {"energy_per_sample_ratio_max_to_min", e_large / e_small}});
    slopes.push_back(fit.slope);
    f.n += fit.n;
  }
  f.numbers["per_setting"] = per;
  f.numbers["settings"] = slopes.size();
  if (slopes.empty())
    return f.not_enough_data(
        "needs one architecture run at >= 2 batch sizes with everything else equal");
  int negative = 0;
  for (double s : slopes) negative += s < 0;
  const double med = median_of(slopes);
  f.numbers.update({{"median_slope_loglog", med},
                    {"settings_with_negative_slope", negative},
                    {"per_doubling_change", std::pow(2.0, med) - 1}});
  f.verdict = verdict_of(negative == int(slopes.size()), negative == 0, "mixed");
  f.summary = fmt::format(
      "median log-log slope of energy per sample on batch size {:.3f} over {} setting(s): each "
      "doubling of the "
      "batch changes energy per sample by {:+.1f}%; slope negative in {} of {} (n = {} runs)",
      med, slopes.size(), 100 * (std::pow(2.0, med) - 1), negative, slopes.size(), f.n);
  return f;
}

}  // namespace greenbench::analysis
