// The profiler's driver: meters blocks of steps through the workload's step_end callbacks,
// decides when training is steady, and projects the run. See profile_run.hpp. Not the
// statistics (profile_stats.cpp) and not the CLI (cmd_profile.cpp).
#include "profile_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <tuple>

#include "knobs.hpp"
#include "stats.hpp"

namespace greenbench {

namespace {

// One phase kind's metering: blocks of steps, sized by time, until a decision is taken.
struct PhaseMeter {
  std::string kind;                // "train" or "infer"
  std::int64_t batch = 1;          // samples per full step
  std::int64_t split = 0;          // samples per pass (epoch or inference pass)
  std::int64_t budget_steps = 0;   // the most steps metered before deciding
  std::int64_t total_samples = 0;  // planned over the whole run
  std::vector<Block> blocks;
  bool decided = false;
  std::int64_t steps_metered = 0;    // steps inside blocks, at the decision
  std::int64_t samples_metered = 0;  // samples inside blocks, at the decision
  double energy_metered_j = 0;       // energy of all blocks, at the decision
  double seconds_metered = 0;
  SteadyState state;
  // The open block.
  bool open = false;
  std::int64_t block_steps = 1, cur_steps = 0, cur_samples = 0;
};

class ProfileObserver final : public PhaseObserver {
 public:
  ProfileObserver(Meter& meter, const ProfileOptions& opt, bool validate, std::string id)
      : meter_(meter), opt_(opt), validate_(validate), id_(std::move(id)) {}

  PhaseMeter train, infer;
  std::vector<std::pair<std::string, double>> phase_energy_j;  // validate: every phase's window
  double phase_seconds = 0;
  nlohmann::json phases = nlohmann::json::array();  // validate: {phase, energy_j, seconds} each

  void phase_begin(const std::string& phase) override {
    cur_ = phase == "train" ? &train : phase == "infer" ? &infer : nullptr;
    step_in_pass_ = 0;
    if (validate_) meter_.begin(id_ + "/phase");
    if (cur_ && !cur_->decided) block_open(*cur_);
  }

  void phase_end(const PhaseResult& r) override {
    if (cur_ && cur_->open) {
      block_close(*cur_);
      // A pass that ended before the decision: decide at the end of the budget or the run.
      if (!cur_->decided && steps_total(*cur_) >= cur_->budget_steps) decide(*cur_);
    }
    if (validate_) {
      const EnergyWindow w = meter_.end(id_ + "/phase");
      phase_energy_j.emplace_back(r.phase, w.total_j);
      phase_seconds += w.duration_s;
      phases.push_back({{"phase", r.phase}, {"energy_j", w.total_j}, {"seconds", w.duration_s}});
    }
    cur_ = nullptr;
  }

  bool step_end(std::int64_t) override {
    step_in_pass_++;
    if (!cur_ || cur_->decided) return true;
    PhaseMeter& p = *cur_;
    p.cur_steps++;
    p.cur_samples += std::min(p.batch, p.split - (step_in_pass_ - 1) * p.batch);
    if (p.cur_steps < p.block_steps) return true;
    block_close(p);
    const std::int64_t used = steps_total(p);
    if (p.kind == "train") {
      const SteadyState st = steady_detect(p.blocks, opt_.steady);
      if (st.steady) {
        const double remaining = double(p.total_samples) - double(samples_total(p));
        const auto part = project_remaining(p.blocks, st, remaining);
        const double total = energy_total(p) + part.mean_j;
        const double half = t_quantile_975(std::max(1.0, part.df)) * std::sqrt(part.var_j2);
        if (total > 0 && half / total <= opt_.precision) decide(p);
      }
    }
    if (!p.decided && used >= p.budget_steps) decide(p);
    if (p.decided) return validate_;  // profiling alone stops the phase here
    block_open(p);
    return true;
  }

  void decide(PhaseMeter& p) {
    if (p.open) block_close(p);
    p.decided = true;
    p.steps_metered = steps_total(p);
    p.samples_metered = samples_total(p);
    p.energy_metered_j = energy_total(p);
    for (const auto& b : p.blocks) p.seconds_metered += b.seconds;
    p.state = steady_detect(p.blocks, opt_.steady);
  }

 private:
  static std::int64_t steps_total(const PhaseMeter& p) {
    std::int64_t n = p.cur_steps;
    for (const auto& b : p.blocks) n += b.steps;
    return n;
  }
  static std::int64_t samples_total(const PhaseMeter& p) {
    std::int64_t n = 0;
    for (const auto& b : p.blocks) n += b.samples;
    return n;
  }
  static double energy_total(const PhaseMeter& p) {
    double j = 0;
    for (const auto& b : p.blocks) j += b.energy_j;
    return j;
  }

  void block_open(PhaseMeter& p) {
    meter_.begin(id_ + "/block");
    p.open = true;
    p.cur_steps = p.cur_samples = 0;
    // Block sizes: the first block is one step (warm-up, dropped); then sized by the last
    // block's step time to ~block_s, but small enough that the budget holds target_blocks.
    if (p.blocks.empty()) {
      p.block_steps = 1;
    } else if (p.blocks.size() <= 2) {
      const Block& last = p.blocks.back();
      const double step_s = last.seconds / double(std::max<std::int64_t>(1, last.steps));
      const std::int64_t by_time = step_s > 0 ? std::int64_t(std::ceil(opt_.block_s / step_s)) : 1;
      const std::int64_t by_budget =
          std::max<std::int64_t>(1, p.budget_steps / std::max(1, opt_.target_blocks));
      p.block_steps = std::max<std::int64_t>(1, std::min(by_time, by_budget));
    }
    // Never past the budget.
    p.block_steps =
        std::max<std::int64_t>(1, std::min(p.block_steps, p.budget_steps - steps_total(p)));
  }

  void block_close(PhaseMeter& p) {
    const EnergyWindow w = meter_.end(id_ + "/block");
    p.open = false;
    if (p.cur_steps == 0) return;  // a block opened at the end of a pass: nothing ran in it
    p.blocks.push_back(Block{p.cur_steps, p.cur_samples, w.total_j, w.duration_s});
    p.cur_steps = p.cur_samples = 0;
  }

  Meter& meter_;
  const ProfileOptions& opt_;
  bool validate_;
  std::string id_;
  PhaseMeter* cur_ = nullptr;
  std::int64_t step_in_pass_ = 0;
};

// --validate: what the whole run measured, the projection's error against it, and the naive
// projection's (epoch 1 x epochs) for comparison.
void validation_fill(ProfileRunResult& res, const ProfileObserver& obs, int epochs) {
  res.measured_j = 0;
  double first_epoch_j = 0;
  int train_seen = 0;
  for (const auto& [phase, j] : obs.phase_energy_j) {
    res.measured_j += j;
    if (phase == "train") train_seen++;
    if (train_seen <= 1) first_epoch_j += j;  // epoch 1's train pass and the pass after it
  }
  res.measured_s = obs.phase_seconds;
  res.phases = obs.phases;
  res.error = res.measured_j > 0 ? (res.predicted_j - res.measured_j) / res.measured_j : kNaN;
  res.naive_j = first_epoch_j * std::max(1, epochs);
  res.naive_error = res.measured_j > 0 ? (res.naive_j - res.measured_j) / res.measured_j : kNaN;
}

// Seconds still to come: the same batch-means projection over the blocks' durations.
PartProjection time_remaining(const PhaseMeter& p, double remaining_samples,
                              const HostNoise* host) {
  std::vector<Block> blocks = p.blocks;
  for (auto& b : blocks) b.energy_j = b.seconds;
  return project_remaining(blocks, p.state, remaining_samples, host);
}

// The slow-variability fields of the result from the energy parts (docs/profile.md).
void noise_fill(ProfileRunResult& res, const std::vector<PartProjection>& parts, double max_half) {
  double slow = 0, var = 0;
  for (const auto& p : parts) {
    slow += p.slow_var_j2, var += p.var_j2;
    res.wander = res.wander || p.wander;
  }
  res.slow_rel_sd =
      res.predicted_j > 0 && std::isfinite(slow) ? std::sqrt(slow) / res.predicted_j : 0;
  const double half = res.predicted_j > 0 ? (res.high_j - res.low_j) / 2 / res.predicted_j : 0;
  res.slow_share = std::isfinite(var) && var > 0 ? slow / var : 0;
  res.too_noisy = std::isfinite(var) && half > max_half;
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

}  // namespace

ProfileRunResult profile_run(const RunPlan& plan, Meter& meter, const ProfileOptions& opt) {
  ProfileRunResult res;
  res.run_id = plan.run_id;
  res.workload = plan.workload;
  res.config = plan.config;
  const auto knobs = knobs_apply_for(plan.config);  // restored when it goes (docs/knobs.md)
  auto workload = workload_make(plan.workload, workload_config_of(plan.config));
  const bool train = plan.runs("train");
  const bool infer = plan.runs("infer");
  const int epochs = train ? plan.config.value("epochs", 1) : 0;
  const std::int64_t B = plan.config.value("batch_size", 64);
  const std::int64_t Bi = plan.config.value("infer_batch_size", B);
  const std::int64_t n_train = workload->train_samples(), n_test = workload->test_samples();
  const int infer_passes = infer ? (train ? epochs : 1) : 0;

  ProfileObserver obs(meter, opt, opt.validate, plan.run_id);
  obs.train.kind = "train";
  obs.train.batch = B;
  obs.train.split = n_train;
  const std::int64_t train_steps = std::int64_t(epochs) * workload->steps_per_epoch();
  obs.train.budget_steps =
      std::max<std::int64_t>(1, std::int64_t(opt.budget * double(train_steps)));
  obs.train.total_samples = std::int64_t(epochs) * n_train;
  obs.infer.kind = "infer";
  obs.infer.batch = Bi;
  obs.infer.split = n_test;
  const std::int64_t infer_steps = std::int64_t(infer_passes) * ceil_div(n_test, Bi);
  obs.infer.budget_steps =
      std::max<std::int64_t>(1, std::int64_t(opt.budget * double(infer_steps)));
  obs.infer.total_samples = std::int64_t(infer_passes) * n_test;
  res.planned_steps = train_steps + infer_steps;

  if (opt.validate) {
    for (int e = 1; e <= epochs; e++) {
      workload->train_epoch(e, obs);
      if (infer) workload->infer(obs);
    }
    if (!train && infer) workload->infer(obs);
  } else {
    for (int e = 1; e <= epochs && !obs.train.decided; e++) workload->train_epoch(e, obs);
    if (infer) workload->infer(obs);
  }
  if (train && !obs.train.decided) obs.decide(obs.train);
  if (infer && !obs.infer.decided) obs.decide(obs.infer);

  std::vector<PartProjection> parts, time_parts;
  double measured_j = 0;
  for (PhaseMeter* p : {&obs.train, &obs.infer}) {
    if (p->total_samples == 0) continue;
    measured_j += p->energy_metered_j;
    res.profile_j += p->energy_metered_j;
    res.profile_s += p->seconds_metered;
    res.profiled_steps += p->steps_metered;
    const double remaining = double(p->total_samples - p->samples_metered);
    parts.push_back(project_remaining(p->blocks, p->state, remaining, &opt.host));
    time_parts.push_back(time_remaining(*p, remaining, &opt.host));
  }
  const Projection pr = projection_combine(measured_j, parts, opt.systematic);
  res.predicted_j = pr.predicted_j;
  res.low_j = pr.low_j;
  res.high_j = pr.high_j;
  const Projection ps = projection_combine(res.profile_s, time_parts, opt.systematic);
  std::tie(res.predicted_s, res.low_s, res.high_s) = std::tie(ps.predicted_j, ps.low_j, ps.high_j);
  res.profiled_fraction =
      res.planned_steps > 0 ? double(res.profiled_steps) / double(res.planned_steps) : 0;
  res.steady = obs.train.state.steady;
  res.warmup_blocks = obs.train.state.warmup_blocks;
  res.used_blocks = obs.train.state.used_blocks;
  res.infer_blocks = int(obs.infer.blocks.size());
  noise_fill(res, parts, opt.max_half_width);
  if (opt.validate) validation_fill(res, obs, epochs);
  return res;
}

nlohmann::json ProfileRunResult::to_json() const {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json j = {{"run_id", run_id},
                      {"workload", workload},
                      {"predicted_j", predicted_j},
                      {"low_j", num(low_j)},
                      {"high_j", num(high_j)},
                      {"predicted_s", predicted_s},
                      {"low_s", num(low_s)},
                      {"high_s", num(high_s)},
                      {"profiled_fraction", profiled_fraction},
                      {"planned_steps", planned_steps},
                      {"profiled_steps", profiled_steps},
                      {"steady", steady},
                      {"warmup_blocks", warmup_blocks},
                      {"used_blocks", used_blocks},
                      {"infer_blocks", infer_blocks},
                      {"profile_j", profile_j},
                      {"profile_s", profile_s},
                      {"wander", wander},
                      {"slow_rel_sd", slow_rel_sd},
                      {"slow_share", slow_share},
                      {"too_noisy", too_noisy},
                      {"config", config}};
  if (std::isfinite(measured_j)) {
    j["measured_j"] = measured_j;
    j["measured_s"] = num(measured_s);
    j["error"] = num(error);
    j["naive_j"] = num(naive_j);
    j["naive_error"] = num(naive_error);
    j["phases"] = phases;
  }
  return j;
}

nlohmann::json profile_report_json(const std::vector<ProfileRunResult>& runs, bool validate) {
  nlohmann::json out = {{"runs", nlohmann::json::array()}};
  std::vector<double> abs_err, naive_abs_err, fractions, halves;
  int covered = 0, with_truth = 0, too_noisy = 0;
  for (const auto& r : runs) {
    out["runs"].push_back(r.to_json());
    fractions.push_back(r.profiled_fraction);
    too_noisy += r.too_noisy ? 1 : 0;
    if (r.predicted_j > 0) halves.push_back((r.high_j - r.low_j) / 2 / r.predicted_j);
    if (!validate || !std::isfinite(r.error)) continue;
    with_truth++;
    abs_err.push_back(std::fabs(r.error));
    if (std::isfinite(r.naive_error)) naive_abs_err.push_back(std::fabs(r.naive_error));
    if (r.low_j <= r.measured_j && r.measured_j <= r.high_j) covered++;
  }
  if (!fractions.empty()) out["median_profiled_fraction"] = median_of(fractions);
  out["too_noisy_runs"] = too_noisy;
  if (!halves.empty()) {  // infinite (unbounded intervals) prints as null
    const double h = median_of(halves);
    out["median_rel_half_width"] = std::isfinite(h) ? nlohmann::json(h) : nlohmann::json();
  }
  if (validate && with_truth > 0) {
    out["median_abs_error"] = median_of(abs_err);
    out["interval_coverage"] = double(covered) / double(with_truth);
    out["p90_abs_error"] = quantile_of(abs_err, 0.9);
    if (!naive_abs_err.empty()) out["naive_median_abs_error"] = median_of(naive_abs_err);
  }
  return out;
}

}  // namespace greenbench
