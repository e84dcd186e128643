// The tuner (docs/tuning.md): finds the configuration of a grid with the lowest objective —
// energy, time, energy-delay product, or Zeus's cost eta E + (1 - eta) P_max T — without running
// the whole grid: short profiles (profile_run's projections with 95% intervals) of every
// configuration, then only the contenders (intervals overlapping the best's) again with twice
// the steps; with target_accuracy, whole runs in the profiles' order with Zeus's early stop
// (a run stops once its cost passes beta x the best finished cost). Not the CLI (cmd_tune.cpp).
#pragma once

#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cost_objective.hpp"  // TuneObjective, TuneCost (shared with adapt)
#include "greenbench/meter.hpp"
#include "host_noise.hpp"
#include "run_plan.hpp"

namespace greenbench {

struct TuneOptions {
  TuneCost cost;
  double budget = 0.03;      // the first round profiles this fraction of each run's steps
  int rounds = 3;            // at most; each later round doubles the contenders' budget
  double beta = 2.0;         // Zeus's early stop (target_accuracy)
  double systematic = 0.03;  // profile intervals' systematic term (docs/profile.md)
  bool validate = false;     // also run every configuration whole and report the regret
  HostNoise host;            // the host calibration the profiles' intervals carry (profile.md)
};

inline constexpr double kTuneNaN = std::numeric_limits<double>::quiet_NaN();

struct TuneCandidate {
  RunPlan plan;
  // The last profile's projection of the whole run and the objective's cost with its interval.
  double energy_j = kTuneNaN, low_j = kTuneNaN, high_j = kTuneNaN;
  double seconds = kTuneNaN, low_s = kTuneNaN, high_s = kTuneNaN;
  double cost = kTuneNaN, low = kTuneNaN, high = kTuneNaN;
  int rounds = 0;                   // profiles taken
  std::vector<double> projected_j;  // each profile's projected energy, in round order
  int out_after = 0;       // the round after which it was no contender (0: a contender to the end)
  bool too_noisy = false;  // the last profile's interval was wide from the host's slow noise
  // target_accuracy: the whole run's outcome ("reached", "not reached", "stopped early": its
  // cost passed beta x the best; "" when not run) and what it used.
  std::string outcome;
  double run_energy_j = kTuneNaN, run_s = kTuneNaN;
  int epochs_run = 0;
  // --validate: the whole run measured (to the target where there is one) and its cost.
  double measured_j = kTuneNaN, measured_s = kTuneNaN, measured_cost = kTuneNaN;
};

struct TuneResult {
  std::vector<TuneCandidate> ranking;  // lowest cost first; ranking[0] is the choice
  bool found = false;                  // false: no configuration reached target_accuracy
  double spent_j = 0, spent_s = 0;     // the search's metered joules and seconds
  TuneCost cost;
  bool target = false;  // the grid has target_accuracy
  // The host's own noise, seen by profiling one configuration again: the median relative change
  // of its projected energy between successive rounds (NaN with no second profile), against the
  // median relative half-width of the intervals; noisy when the change is the larger.
  double round_change = kTuneNaN, interval_half_width = kTuneNaN;
  bool host_noisy = false;
  // Contenders whose intervals still overlap the choice's after the last round: ties that more
  // steps did not resolve (their config_ids; the choice is then the lowest projection only).
  std::vector<std::string> tied_with;
  // --validate
  bool validated = false;
  double grid_j = 0, grid_s = 0;  // the whole grid, every configuration run whole
  std::string best_config_id;     // the measured best
  double regret = kTuneNaN;       // (measured cost of the choice - best) / best
  // The `tune --json` object (docs/commands.md); `keys` is each configuration's every key.
  nlohmann::json to_json() const;
};

// One line per profile or run, for stderr.
using TuneLog = std::function<void(const std::string&)>;

// Searches `plans` (one per configuration) on `meter` (started). Throws what workload_make throws.
TuneResult tune_search(const std::vector<RunPlan>& plans, Meter& meter, const TuneOptions& options,
                       const TuneLog& log);

// One whole run, metered phase by phase, epoch by epoch: stops once the test accuracy reaches
// `target` (NaN: no target) or, at an epoch's end, once cost.of(energy, seconds) passes
// `cost_cap` (infinity: none).
struct TuneRun {
  double energy_j = 0, seconds = 0;
  int epochs = 0;
  bool reached = false, stopped = false;
};
TuneRun tune_run_whole(const RunPlan& plan, Meter& meter, double target, const TuneCost& cost,
                       double cost_cap);

}  // namespace greenbench
