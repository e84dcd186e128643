// Finding 4: does a short profile predict the whole run? From epochs.csv, for each finished run
// with >= 2 training epochs: the first epoch's training energy x epochs (carbontracker's
// projection) against the measured training energy, and, with >= 3 epochs, the second
// epoch's (warm-up dropped). Error = predicted / measured - 1.
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

#include "findings.hpp"
#include "greenbench/results.hpp"
#include "stats.hpp"

namespace greenbench::analysis {

Finding finding_short_profile(const RunsTable& t, const std::vector<EpochRow>& epochs,
                              const FindingOptions& o) {
  Finding f = finding_of(4);
  std::set<std::string> ok;
  for (const auto& r : t.rows) ok.insert(field_text(r, "run_id"));
  std::map<std::string, std::map<int, double>> train_j;  // run -> epoch -> joules
  for (const auto& e : epochs)
    if (e.phase == "train" && ok.count(e.run_id)) train_j[e.run_id][e.epoch] += e.energy_j;
  std::vector<double> err_first, err_second;
  nlohmann::json per = nlohmann::json::array();
  for (const auto& [run, by_epoch] : train_j) {
    const int n_epochs = int(by_epoch.size());
    if (n_epochs < 2 || by_epoch.begin()->first != 1) continue;
    double actual = 0;
    for (const auto& [ep, j] : by_epoch) actual += j;
    if (!(actual > 0)) continue;
    const double first = by_epoch.at(1) * n_epochs / actual - 1;
    err_first.push_back(first);
    nlohmann::json row = {{"run_id", run},
                          {"epochs", n_epochs},
                          {"measured_train_j", actual},
                          {"first_epoch_error", first},
                          {"second_epoch_error", nullptr}};
    if (n_epochs >= 3 && by_epoch.count(2)) {
      const double second = by_epoch.at(2) * n_epochs / actual - 1;
      err_second.push_back(second);
      row["second_epoch_error"] = second;
    }
    per.push_back(row);
  }
  f.n = int(err_first.size());
  f.numbers["per_run"] = per;
  if (f.n < 1)
    return f.not_enough_data("needs finished runs with >= 2 training epochs in epochs.csv");
  auto abs_of = [](std::vector<double> v) {
    for (double& x : v) x = std::fabs(x);
    return v;
  };
  const double med1 = median_of(abs_of(err_first)), p90_1 = quantile_of(abs_of(err_first), 0.9),
               bias1 = median_of(err_first);
  f.numbers.update({{"first_epoch_median_abs_error", med1},
                    {"first_epoch_p90_abs_error", p90_1},
                    {"first_epoch_median_error", bias1},
                    {"first_epoch_max_abs_error", quantile_of(abs_of(err_first), 1)},
                    {"second_epoch_n", err_second.size()},
                    {"good_error", o.profile_good_error}});
  std::string second_text;
  double best = med1;
  if (!err_second.empty()) {
    const double med2 = median_of(abs_of(err_second));
    f.numbers.update({{"second_epoch_median_abs_error", med2},
                      {"second_epoch_p90_abs_error", quantile_of(abs_of(err_second), 0.9)}});
    second_text = fmt::format("; second epoch x epochs: median |error| {:.1f}% (n = {})",
                              100 * med2, err_second.size());
    best = std::min(best, med2);
  }
  f.verdict = best <= o.profile_good_error ? "supported" : "not supported";
  f.summary = fmt::format(
      "first epoch x epochs vs measured training energy: median |error| {:.1f}%, p90 {:.1f}%, "
      "median signed error "
      "{:+.1f}% (n = {} runs){}; 'predicts' means median |error| <= {:.0f}%",
      100 * med1, 100 * p90_1, 100 * bias1, f.n, second_text, 100 * o.profile_good_error);
  return f;
}

}  // namespace greenbench::analysis
