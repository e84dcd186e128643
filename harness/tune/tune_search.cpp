// The tuner's search (docs/tuning.md): rounds of profiles with intervals, contenders only after
// the first; with target_accuracy, whole runs in the profiles' order under Zeus's early stop;
// with validate, every configuration run whole for the regret. See tune.hpp.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "profile_run.hpp"
#include "tune.hpp"

namespace greenbench {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The objective's cost and interval from the projections: cost rises with energy and time, so
// the interval's ends are the cost of the ends (no interval end: an unbounded side).
void cost_set(TuneCandidate& c, const TuneCost& cost) {
  auto finite_or = [](double v, double alt) { return std::isfinite(v) ? v : alt; };
  c.cost = cost.of(c.energy_j, c.seconds);
  c.low = cost.of(finite_or(c.low_j, 0), finite_or(c.low_s, 0));
  c.high = cost.of(finite_or(c.high_j, kInf), finite_or(c.high_s, kInf));
}

void profile_into(TuneCandidate& c, Meter& meter, double budget, bool precise_stop,
                  const TuneOptions& opt, TuneResult& res, const TuneLog& log) {
  ProfileOptions po;
  po.budget = std::min(1.0, budget);
  po.systematic = opt.systematic;
  po.host = opt.host;
  if (!precise_stop) po.precision = 0;  // a tie: spend the whole budget on more steps
  const auto r = profile_run(c.plan, meter, po);
  c.energy_j = r.predicted_j, c.low_j = r.low_j, c.high_j = r.high_j;
  c.seconds = r.predicted_s, c.low_s = r.low_s, c.high_s = r.high_s;
  c.rounds++;
  c.too_noisy = r.too_noisy;
  c.projected_j.push_back(r.predicted_j);
  res.spent_j += r.profile_j;
  res.spent_s += r.profile_s;
  log(
      fmt::format("profile {} ({:.1f}% of steps): {:.1f} J [{:.1f}, {:.1f}], {:.2f} s [{:.2f}, "
                  "{:.2f}]",
                  c.plan.label, 100 * r.profiled_fraction, c.energy_j, c.low_j, c.high_j, c.seconds,
                  c.low_s, c.high_s));
}

// Rounds of profiles: all, then those whose interval reaches below the best upper end.
void profile_rounds(std::vector<TuneCandidate>& cands, Meter& meter, const TuneOptions& opt,
                    TuneResult& res, const TuneLog& log, int rounds) {
  std::vector<size_t> live(cands.size());
  for (size_t i = 0; i < live.size(); ++i) live[i] = i;
  double budget = opt.budget;
  for (int round = 1; round <= rounds; ++round, budget *= 2) {
    for (size_t i : live) profile_into(cands[i], meter, budget, round == 1, opt, res, log);
    if (round == 1 && res.cost.objective == TuneObjective::zeus) {
      for (const auto& c : cands)
        res.cost.max_power_w = std::max(res.cost.max_power_w, c.energy_j / c.seconds);
    }
    for (auto& c : cands) cost_set(c, res.cost);
    double best_high = kInf;
    for (size_t i : live) best_high = std::min(best_high, cands[i].high);
    std::vector<size_t> next;
    for (size_t i : live)
      if (cands[i].low <= best_high)
        next.push_back(i);
      else
        cands[i].out_after = round;
    live = next;
    log(fmt::format("round {}: {} contender{} left", round, live.size(),
                    live.size() == 1 ? "" : "s"));
    if (live.size() <= 1) break;
  }
}

// target_accuracy: whole runs, cheapest projection first, each stopped once its cost passes
// beta x the best finished cost (Zeus's early stop).
void zeus_runs(std::vector<TuneCandidate>& cands, Meter& meter, const TuneOptions& opt,
               TuneResult& res, const TuneLog& log) {
  std::sort(cands.begin(), cands.end(),
            [](const TuneCandidate& a, const TuneCandidate& b) { return a.cost < b.cost; });
  double best = kInf;
  for (auto& c : cands) {
    const double target = c.plan.config.at("target_accuracy").get<double>();
    const TuneRun r = tune_run_whole(c.plan, meter, target, res.cost, opt.beta * best);
    res.spent_j += r.energy_j;
    res.spent_s += r.seconds;
    c.run_energy_j = r.energy_j, c.run_s = r.seconds, c.epochs_run = r.epochs;
    c.outcome = r.reached ? "reached" : r.stopped ? "stopped early" : "not reached";
    if (r.reached) best = std::min(best, res.cost.of(r.energy_j, r.seconds));
    log(fmt::format("run {}: {} after {} epoch{}, {:.1f} J, {:.2f} s", c.plan.label, c.outcome,
                    r.epochs, r.epochs == 1 ? "" : "s", r.energy_j, r.seconds));
  }
  for (auto& c : cands) {
    const bool ok = c.outcome == "reached";
    c.cost = ok ? res.cost.of(c.run_energy_j, c.run_s) : kInf;
    c.low = c.high = c.cost;
  }
}

void validate_all(std::vector<TuneCandidate>& cands, Meter& meter, TuneResult& res,
                  const TuneLog& log) {
  res.validated = true;
  double best = kInf;
  for (auto& c : cands) {
    const double target = c.plan.config.value("target_accuracy", kTuneNaN);
    const TuneRun r = tune_run_whole(c.plan, meter, target, res.cost, kInf);
    c.measured_j = r.energy_j, c.measured_s = r.seconds;
    const bool counts = !res.target || r.reached;
    c.measured_cost = counts ? res.cost.of(r.energy_j, r.seconds) : kInf;
    res.grid_j += r.energy_j;
    res.grid_s += r.seconds;
    if (c.measured_cost < best) best = c.measured_cost, res.best_config_id = c.plan.config_id;
    log(fmt::format("validate {}: {:.1f} J, {:.2f} s, cost {:.4g}", c.plan.label, r.energy_j,
                    r.seconds, c.measured_cost));
  }
  if (res.found && std::isfinite(best) && best > 0)
    res.regret = (cands[0].measured_cost - best) / best;
}

// The host's noise as the repeated profiles saw it (docs/tuning.md, "Noise").
void noise_assess(TuneResult& res) {
  std::vector<double> changes, halves;
  for (const auto& c : res.ranking) {
    for (size_t i = 1; i < c.projected_j.size(); ++i)
      if (c.projected_j[i - 1] > 0)
        changes.push_back(std::fabs(c.projected_j[i] / c.projected_j[i - 1] - 1));
    if (c.energy_j > 0 && std::isfinite(c.high_j) && std::isfinite(c.low_j))
      halves.push_back((c.high_j - c.low_j) / 2 / c.energy_j);
  }
  auto median = [](std::vector<double> v) {
    if (v.empty()) return kTuneNaN;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  res.round_change = median(changes);
  res.interval_half_width = median(halves);
  res.host_noisy = res.round_change > res.interval_half_width;
  for (const auto& c : res.ranking) res.host_noisy = res.host_noisy || c.too_noisy;
  // Ties left: contenders whose interval still reaches below the choice's upper end.
  if (res.found && !res.target)
    for (size_t i = 1; i < res.ranking.size(); ++i)
      if (res.ranking[i].out_after == 0 && res.ranking[i].low <= res.ranking[0].high)
        res.tied_with.push_back(res.ranking[i].plan.config_id);
}

}  // namespace

TuneResult tune_search(const std::vector<RunPlan>& plans, Meter& meter, const TuneOptions& opt,
                       const TuneLog& log) {
  TuneResult res;
  res.cost = opt.cost;
  std::vector<TuneCandidate> cands;
  for (const auto& p : plans) {
    TuneCandidate c;
    c.plan = p;
    cands.push_back(std::move(c));
    res.target |= p.config.contains("target_accuracy");
  }
  // With a target the profiles only order the whole runs: one round.
  profile_rounds(cands, meter, opt, res, log, res.target ? 1 : opt.rounds);
  if (res.target) zeus_runs(cands, meter, opt, res, log);
  // Contenders by cost, then the others by the round they dropped out (later is better).
  std::stable_sort(cands.begin(), cands.end(), [](const TuneCandidate& a, const TuneCandidate& b) {
    if ((a.out_after == 0) != (b.out_after == 0)) return a.out_after == 0;
    return a.cost < b.cost;
  });
  res.found = !cands.empty() && std::isfinite(cands[0].cost);
  res.ranking = std::move(cands);
  noise_assess(res);
  if (opt.validate) validate_all(res.ranking, meter, res, log);
  return res;
}

}  // namespace greenbench
