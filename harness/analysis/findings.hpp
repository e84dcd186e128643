// The study's claims tested on a results folder, one function each (finding_*.cpp). Every
// finding states its number, its n, and a verdict; with too little data the verdict is
// "not enough data" and `summary` says what is missing. Not the correlation matrices.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "greenbench/results.hpp"
#include "runs_table.hpp"

namespace greenbench::analysis {

inline constexpr const char* kNotEnoughData = "not enough data";

struct Finding {
  int id = 0;
  std::string key;    // "macs_vs_params", ...
  std::string claim;  // the study's claim, in one line
  // "supported", "not supported", "inconclusive", "not enough data", or a statement
  std::string verdict{};
  std::string summary{};  // the number(s), in one or two sentences
  int n = 0;              // cases the number rests on
  nlohmann::json numbers = nlohmann::json::object();
  nlohmann::json to_json() const;
  // This finding with the verdict "not enough data" and `needs` (what it lacks) as its summary.
  Finding not_enough_data(std::string needs) {
    verdict = kNotEnoughData;
    summary = std::move(needs);
    return *this;
  }
};

// Finding `id` (1 to 5) before its numbers: its id, key and claim from the study's list
// (findings.cpp; docs/analysis.md, "Findings").
Finding finding_of(int id);

// The natural logs of `columns`, row by row, over the rows where every column is finite and
// positive: what log-log correlations and fits take.
std::vector<std::vector<double>> logs_where_positive(
    std::initializer_list<const std::vector<double>*> columns);

// "supported" when the data support the claim, "not supported" when they contradict it,
// `otherwise` when they do neither.
inline std::string verdict_of(bool supports, bool contradicts, const char* otherwise) {
  return supports ? "supported" : contradicts ? "not supported" : otherwise;
}

struct FindingOptions {
  double served_inferences = 1e6;  // finding 3: inferences served over the model's life
  int bootstrap_resamples = 2000;
  uint64_t seed = 20240501;
  double profile_good_error = 0.05;  // finding 4: median |error| that counts as "predicts"
  double params_good_mape = 0.25;    // finding 5: leave-one-architecture-out MAPE that counts
};

// (1) Energy tracks MACs and MACs per parameter more than parameter count.
Finding finding_macs_vs_params(const RunsTable& t, const FindingOptions& o);
// (2) How batch size moves energy per training sample (log-log slope per setting).
Finding finding_batch_size(const RunsTable& t, const FindingOptions& o);
// (3) Inference's share of lifetime energy after o.served_inferences, and the break-even count.
Finding finding_inference_share(const RunsTable& t, const FindingOptions& o);
// (4) A short profile predicts the whole run: first (and second) epoch x epochs vs actual.
Finding finding_short_profile(const RunsTable& t, const std::vector<EpochRow>& epochs,
                              const FindingOptions& o);
// (5) Parameters predict total energy: log-log fit on params alone, leave-one-architecture-out.
Finding finding_params_predict(const RunsTable& t, const FindingOptions& o);

std::vector<Finding> findings_all(const RunsTable& t, const std::vector<EpochRow>& epochs,
                                  const FindingOptions& o);

// Leave-one-group-out prediction of y from one predictor by least squares in log-log space:
// for each group, fit log y = a + b log x on the other groups and predict the group's rows.
// Returns the predictions (NaN where x or y is not positive and finite, or fewer than 2 other
// groups' points remain).
std::vector<double> loglog_leave_group_out(const std::vector<double>& x,
                                           const std::vector<double>& y,
                                           const std::vector<std::string>& group);

}  // namespace greenbench::analysis
