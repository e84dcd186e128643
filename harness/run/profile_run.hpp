// The profiler's driver: trains one planned run only until its energy per step is steady (or
// the step budget is spent), meters a short inference block, and projects the whole run's
// energy with a 95% interval; with `validate` it trains the run to the end and reports the
// error beside the first-epoch x epochs projection. Not the statistics (profile_stats.hpp)
// and not the CLI (cmd_profile.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "greenbench/meter.hpp"
#include "greenbench/results.hpp"
#include "profile_stats.hpp"
#include "runner.hpp"

namespace greenbench {

struct ProfileOptions {
  double budget = 0.1;      // at most this fraction of the planned train (and infer) steps
  bool validate = false;    // also run to the end and report the error
  double block_s = 0.25;    // target seconds per metered block (the meter resolves ~10 ms)
  int target_blocks = 24;   // blocks the budget should hold at least, when steps allow
  double precision = 0.01;  // stop once steady and the 95% half-width is below this fraction
  // Relative sd of the projected energy beyond the blocks' own spread (projection_combine):
  // 3%, the 95th percentile of what 36 validated runs on the development VM needed
  // (bench/profile_validate.py's systematic_needed; docs/profile.md). Machine-specific.
  double systematic = 0.03;
  // The host calibration (host_noise.hpp; empty: none): its slow variability at the profile's
  // and the rest's time scales widens the interval (project_remaining).
  HostNoise host;
  // `too_noisy` when the interval's relative half-width passes this (docs/profile.md).
  double max_half_width = 0.05;
  SteadyOptions steady;
};

struct ProfileRunResult {
  std::string run_id, workload;
  nlohmann::json config;
  double predicted_j = 0, low_j = 0, high_j = 0;
  // The whole run's metered seconds, projected the same way from the blocks' durations.
  double predicted_s = 0, low_s = 0, high_s = 0;
  double profiled_fraction = 0;  // steps profiled / steps planned (train and infer together)
  std::int64_t planned_steps = 0, profiled_steps = 0;
  bool steady = false;  // the training blocks passed the steadiness test
  // Slow variability (docs/profile.md): the blocks showed wander (train or infer); the relative
  // sd of the projection that it and the host calibration add (more steps do not narrow it) and
  // its share of the variance; too_noisy: the interval is wider than max_half_width.
  bool wander = false;
  double slow_rel_sd = 0, slow_share = 0;
  bool too_noisy = false;
  int warmup_blocks = 0, used_blocks = 0, infer_blocks = 0;
  double profile_j = 0, profile_s = 0;  // what profiling itself cost (the metered blocks)
  // With validate: the whole run measured, the relative error of the projection, and the
  // first epoch (train + infer) x epochs projection and its error (carbontracker's method).
  double measured_j = kNaN, error = kNaN;
  double naive_j = kNaN, naive_error = kNaN;
  double measured_s = kNaN;
  nlohmann::json phases;  // with validate: every metered phase in order {phase, energy_j, seconds}
  nlohmann::json to_json() const;
};

// Profiles one run on `meter` (started). Throws what workload_make throws (InputError for
// bad data files).
ProfileRunResult profile_run(const RunPlan& plan, Meter& meter, const ProfileOptions& options);

// The `profile --json` object of docs/commands.md, plus per-run and summary fields readers may
// ignore.
nlohmann::json profile_report_json(const std::vector<ProfileRunResult>& runs, bool validate);

}  // namespace greenbench
