// In-run adaptation (docs/grids.md, "adapt"): the profile at the start of training, one value of
// the knob after another, each in metered windows of its own, then the cheapest value kept.
// Not the runner (runner.cpp wires this observer in) and not the key's parsing (adapt_key.cpp).
#include "adapt_run.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "command_config.hpp"
#include "greenbench/errors.hpp"

namespace greenbench {

std::optional<AdaptSpec> adapt_of_plan(const RunPlan& plan) {
  if (plan.workload == kCommandWorkload) return std::nullopt;
  return adapt_of(plan.config);
}

std::vector<nlohmann::json> knob_settings_of_plan(const RunPlan& plan) {
  std::vector<nlohmann::json> out = {knobs_of(plan.config)};
  if (plan.workload != kCommandWorkload)
    for (auto& s : adapt_knob_settings(plan.config)) out.push_back(std::move(s));
  return out;
}

void adapt_refuse(const std::vector<RunPlan>& plans, const std::string& command) {
  for (const auto& p : plans)
    if (adapt_of_plan(p))
      throw InputError(
          fmt::format("{}: run {} has adapt, which {} does not do (it measures one setting per "
                      "configuration)",
                      command, p.label.empty() ? p.run_id : p.label, command),
          "", 0, 0,
          "put the knob's values under grid: to compare them, or use `greenbench run` to adapt");
}

int adapt_choose(std::vector<AdaptValueProfile>& values, TuneCost& cost) {
  cost.max_power_w = 0;
  for (const auto& v : values)
    if (v.seconds > 0) cost.max_power_w = std::max(cost.max_power_w, v.energy_j / v.seconds);
  int best = -1;
  for (size_t i = 0; i < values.size(); ++i) {
    auto& v = values[i];
    if (v.samples <= 0) continue;
    const double n = double(v.samples);
    v.objective = cost.of(v.energy_j / n, v.seconds / n);
    if (best < 0 || v.objective < values[size_t(best)].objective) best = int(i);
  }
  return best;
}

AdaptObserver::AdaptObserver(PhaseObserver& inner, Meter& meter, std::string window_prefix,
                             AdaptSpec spec, Workload& workload, int64_t batch_size,
                             KnobSession* session)
    : inner_(inner),
      meter_(meter),
      prefix_(std::move(window_prefix)),
      spec_(std::move(spec)),
      workload_(workload),
      batch_size_(std::max<int64_t>(batch_size, 1)),
      session_(session) {
  for (const auto& v : spec_.values) {
    AdaptValueProfile p;
    p.value = v;
    values_.push_back(std::move(p));
  }
}

AdaptObserver::~AdaptObserver() {
  if (!window_open_) return;
  try {
    meter_.end(window_name_);
  } catch (...) {
  }
}

void AdaptObserver::phase_begin(const std::string& phase) {
  inner_.phase_begin(phase);
  if (phase != "train" || chosen_ >= 0) return;  // the profile is made of training steps
  if (!applied_) value_apply(now_);
  window_begin();
}

bool AdaptObserver::step_end(int64_t step) {
  const bool go = inner_.step_end(step);
  if (!window_open_) return go;
  AdaptValueProfile& v = values_[now_];
  ++v.steps;  // the phase's step-th batch: batch_size samples, fewer in an epoch's last one
  v.samples +=
      std::clamp<int64_t>(workload_.train_samples() - (step - 1) * batch_size_, 0, batch_size_);
  if (v.steps < spec_.steps) return go;
  window_end();
  if (now_ + 1 < values_.size()) {
    value_apply(now_ + 1);
    window_begin();
    return go;
  }
  chosen_ = adapt_choose(values_, spec_.cost);
  if (chosen_ >= 0 && size_t(chosen_) != now_) value_apply(size_t(chosen_));
  return go;
}

void AdaptObserver::phase_end(const PhaseResult& result) {
  if (window_open_) window_end();  // the epoch ended inside the profile: it goes on next epoch
  inner_.phase_end(result);
}

void AdaptObserver::value_apply(size_t index) {
  now_ = index;
  applied_ = true;
  const nlohmann::json& v = values_[index].value;
  if (spec_.knob == "threads") {
    workload_.threads_set(v.get<int>());
    in_force_now_ = workload_.threads();
  } else {
    // Journalled first, restored after the run with the run's other knobs (docs/knobs.md).
    in_force_now_ = session_->apply({{spec_.knob, v}}).at(spec_.knob);
  }
  if (values_[index].in_force.is_null()) values_[index].in_force = in_force_now_;
}

void AdaptObserver::window_begin() {
  window_name_ = fmt::format("{}/{}.{}", prefix_, now_, values_[now_].windows);
  meter_.begin(window_name_);
  window_open_ = true;
}

void AdaptObserver::window_end() {
  window_open_ = false;
  const EnergyWindow w = meter_.end(window_name_);
  AdaptValueProfile& v = values_[now_];
  v.energy_j += w.total_j;
  v.seconds += w.duration_s;
  ++v.windows;
}

nlohmann::json AdaptObserver::profile_json() const {
  nlohmann::json values = nlohmann::json::array();
  for (const auto& v : values_)
    values.push_back({{"value", v.value},
                      {"in_force", v.in_force},
                      {"steps", v.steps},
                      {"samples", v.samples},
                      {"windows", v.windows},
                      {"energy_j", v.energy_j},
                      {"seconds", v.seconds},
                      {"energy_per_sample_j", v.samples > 0 ? v.energy_j / double(v.samples) : NAN},
                      {"objective", v.objective}});
  return {{"knob", spec_.knob},
          {"objective", tune_objective_name(spec_.cost.objective)},
          {"eta", spec_.cost.eta},
          {"steps", spec_.steps},
          {"max_power_w", complete() ? spec_.cost.max_power_w : NAN},
          {"values", values},
          {"complete", complete()},
          {"chosen", complete() ? values_[size_t(chosen_)].value : nlohmann::json(nullptr)}};
}

}  // namespace greenbench
