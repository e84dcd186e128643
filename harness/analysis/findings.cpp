// Shared parts of the findings: their claims, the JSON form, logs of positive rows, the
// leave-one-group-out log-log predictor, and the list of all five. The findings themselves are in
// finding_*.cpp.
#include "findings.hpp"

#include <cmath>
#include <set>

#include "stats.hpp"

namespace greenbench::analysis {

nlohmann::json Finding::to_json() const {
  return {{"id", id},           {"key", key}, {"claim", claim},    {"verdict", verdict},
          {"summary", summary}, {"n", n},     {"numbers", numbers}};
}

Finding finding_of(int id) {
  static const std::vector<std::pair<std::string, std::string>> kClaims = {
      {"macs_vs_params", "energy tracks MACs and MACs per parameter more than parameter count"},
      {"batch_size", "larger batches lower the energy per training sample"},
      {"inference_share", "over a model's life, inference can outweigh training"},
      {"short_profile", "a short profile (the first epoch) predicts the whole run's energy"},
      {"params_predict_energy", "a model's parameter count predicts its total energy"}};
  const auto& [key, claim] = kClaims.at(size_t(id - 1));
  return {.id = id, .key = key, .claim = claim};
}

std::vector<std::vector<double>> logs_where_positive(
    std::initializer_list<const std::vector<double>*> columns) {
  std::vector<std::vector<double>> logs(columns.size());
  const size_t rows = columns.size() ? (*columns.begin())->size() : 0;
  for (size_t i = 0; i < rows; ++i) {
    bool usable = true;
    for (const auto* c : columns) usable = usable && std::isfinite((*c)[i]) && (*c)[i] > 0;
    if (!usable) continue;
    size_t k = 0;
    for (const auto* c : columns) logs[k++].push_back(std::log((*c)[i]));
  }
  return logs;
}

std::vector<double> loglog_leave_group_out(const std::vector<double>& x,
                                           const std::vector<double>& y,
                                           const std::vector<std::string>& group) {
  const size_t n = x.size();
  std::vector<double> pred(n, NAN);
  auto usable = [&](size_t i) {
    return std::isfinite(x[i]) && std::isfinite(y[i]) && x[i] > 0 && y[i] > 0;
  };
  std::set<std::string> groups;
  for (size_t i = 0; i < n; ++i)
    if (usable(i)) groups.insert(group[i]);
  for (const auto& g : groups) {
    std::vector<double> lx, ly;
    std::set<std::string> others;
    for (size_t i = 0; i < n; ++i)
      if (usable(i) && group[i] != g) {
        lx.push_back(std::log(x[i]));
        ly.push_back(std::log(y[i]));
        others.insert(group[i]);
      }
    if (others.size() < 2) continue;
    const LineFit f = line_fit(lx, ly);
    if (!std::isfinite(f.slope)) continue;
    for (size_t i = 0; i < n; ++i)
      if (usable(i) && group[i] == g) pred[i] = std::exp(f.intercept + f.slope * std::log(x[i]));
  }
  return pred;
}

std::vector<Finding> findings_all(const RunsTable& t, const std::vector<EpochRow>& epochs,
                                  const FindingOptions& o) {
  return {finding_macs_vs_params(t, o), finding_batch_size(t, o), finding_inference_share(t, o),
          finding_short_profile(t, epochs, o), finding_params_predict(t, o)};
}

}  // namespace greenbench::analysis
