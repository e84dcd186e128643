// In-run adaptation (docs/grids.md, "adapt"; docs/knobs.md, "In-run adaptation"), as Zeus's
// power-limit optimizer does it: at the start of a run's training, each value of one knob for
// `steps` training steps, each value's steps metered in windows of their own through the run's
// meter; then the value with the lowest objective per sample (cost_objective.hpp, the tuner's
// objectives) is kept for the rest of the run. The profile's steps are the run's own training:
// they stay in its phases, epoch rows and energy. Not the grid key's parsing (adapt_key.*).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "adapt_key.hpp"
#include "greenbench/meter.hpp"
#include "greenbench/workload.hpp"
#include "knobs.hpp"
#include "run_plan.hpp"

namespace greenbench {

// A plan's adapt spec: none for command runs (a placeholder may be named adapt) or without it.
std::optional<AdaptSpec> adapt_of_plan(const RunPlan& plan);
// Every knob setting a plan makes — its knobs and its adapt values, one {key: value} each — for
// knobs_check before any work.
std::vector<nlohmann::json> knob_settings_of_plan(const RunPlan& plan);
// profile and tune measure one setting per configuration: InputError (exit 2) for a plan with
// adapt, naming `command`.
void adapt_refuse(const std::vector<RunPlan>& plans, const std::string& command);

// One value's share of the profile.
struct AdaptValueProfile {
  nlohmann::json value;     // as asked
  nlohmann::json in_force;  // read back after setting it (threads: the workload's budget)
  int64_t steps = 0, samples = 0;
  int windows = 0;  // metered windows (more than one when an epoch ended inside the profile)
  double energy_j = 0, seconds = 0;
  double objective = std::numeric_limits<double>::quiet_NaN();  // cost of one sample
};

// Fills each value's objective, cost.of(energy_j / samples, seconds / samples), with zeus's P_max
// (cost.max_power_w) the highest average power (energy_j / seconds) among the values; returns
// the index of the lowest (the first of equals), -1 when no value has samples.
int adapt_choose(std::vector<AdaptValueProfile>& values, TuneCost& cost);

// Sits between a workload and the runner's observer (`inner`): forwards every call, and at the
// start of training runs the profile. `session` (hardware knobs; it journals and restores) must
// outlive this observer; nullptr for threads.
class AdaptObserver final : public PhaseObserver {
 public:
  AdaptObserver(PhaseObserver& inner, Meter& meter, std::string window_prefix, AdaptSpec spec,
                Workload& workload, int64_t batch_size, KnobSession* session);
  ~AdaptObserver() override;  // ends an open window (an exception left it), never throws
  AdaptObserver(const AdaptObserver&) = delete;
  AdaptObserver& operator=(const AdaptObserver&) = delete;

  void phase_begin(const std::string& phase) override;
  void phase_end(const PhaseResult& result) override;
  bool step_end(int64_t step) override;

  // The row's adapt_profile column (results/README.md).
  nlohmann::json profile_json() const;
  bool complete() const { return chosen_ >= 0; }
  // The value in force now (the chosen one once complete) and as read back.
  const nlohmann::json& value_now() const { return values_[now_].value; }
  const nlohmann::json& in_force_now() const { return in_force_now_; }

 private:
  void value_apply(size_t index);
  void window_begin();
  void window_end();
  PhaseObserver& inner_;
  Meter& meter_;
  std::string prefix_;
  AdaptSpec spec_;
  Workload& workload_;
  int64_t batch_size_;
  KnobSession* session_;
  std::vector<AdaptValueProfile> values_;
  size_t now_ = 0;            // the value in force
  int chosen_ = -1;           // set when the profile is complete
  bool applied_ = false;      // values_[now_] was set
  bool window_open_ = false;  // a profile window of values_[now_] is open
  bool training_ = false;     // inside a train phase
  std::string window_name_;
  nlohmann::json in_force_now_;
};

}  // namespace greenbench
