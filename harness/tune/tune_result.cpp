// The tuner's JSON (docs/commands.md, "tune --json"; docs/tuning.md).
#include <fmt/format.h>

#include <cmath>

#include "greenbench/errors.hpp"
#include "tune.hpp"

namespace greenbench {

namespace {

nlohmann::json num(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json TuneResult::to_json() const {
  nlohmann::json ranked = nlohmann::json::array();
  for (const auto& c : ranking) {
    nlohmann::json r = {{"config_id", c.plan.config_id},
                        {"workload", c.plan.workload},
                        {"label", c.plan.label},
                        {"keys", c.plan.config},
                        {"cost", num(c.cost)},
                        {"low", num(c.low)},
                        {"high", num(c.high)},
                        {"energy_j", num(c.energy_j)},
                        {"low_j", num(c.low_j)},
                        {"high_j", num(c.high_j)},
                        {"seconds", num(c.seconds)},
                        {"low_s", num(c.low_s)},
                        {"high_s", num(c.high_s)},
                        {"rounds", c.rounds},
                        {"out_after_round",
                         c.out_after > 0 ? nlohmann::json(c.out_after) : nlohmann::json(nullptr)}};
    if (target)
      r.update({{"outcome", c.outcome},
                {"run_energy_j", num(c.run_energy_j)},
                {"run_s", num(c.run_s)},
                {"epochs_run", c.epochs_run}});
    if (validated)
      r.update({{"measured_j", num(c.measured_j)},
                {"measured_s", num(c.measured_s)},
                {"measured_cost", num(c.measured_cost)}});
    ranked.push_back(std::move(r));
  }
  nlohmann::json out = {
      {"objective", tune_objective_name(cost.objective)},
      {"eta", cost.eta},
      {"max_power_w", num(cost.max_power_w)},
      {"best", found ? ranked[0] : nlohmann::json(nullptr)},
      {"ranking", ranked},
      {"spent_j", spent_j},
      {"spent_s", spent_s},
      {"round_change", num(round_change)},
      {"interval_half_width", num(interval_half_width)},
      {"host_noisy", host_noisy},
      {"tied_with", tied_with},
  };
  if (validated)
    out.update({{"grid_j", grid_j},
                {"grid_s", grid_s},
                {"spent_fraction_j", grid_j > 0 ? nlohmann::json(spent_j / grid_j) : nullptr},
                {"spent_fraction_s", grid_s > 0 ? nlohmann::json(spent_s / grid_s) : nullptr},
                {"measured_best_config_id", best_config_id},
                {"regret", num(regret)}});
  return out;
}

}  // namespace greenbench
