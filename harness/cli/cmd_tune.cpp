// `greenbench tune GRID.yaml --objective energy|time|edp|zeus [--eta 0.5] [--beta 2]
// [--budget F] [--rounds N] [--out DIR] [--json] [--validate] [--meter SOURCE]`: the grid's
// configuration with the lowest objective, from short profiles (harness/tune/tune.hpp;
// docs/tuning.md). Not the search itself.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "adapt_run.hpp"
#include "blas_core_runs.hpp"
#include "cli_checks.hpp"
#include "cli_command.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/grid.hpp"
#include "greenbench/results.hpp"
#include "host_noise.hpp"
#include "knobs.hpp"
#include "tune.hpp"

namespace greenbench {
namespace {

struct TuneArgs {
  std::string grid, objective = "energy", out, meter = "auto";
  bool meter_given = false, json = false, validate = false;
  double eta = 0.5, beta = 2.0, budget = 0.03, systematic = 0.03;
  int rounds = 3;
};

// The configurations (repeat 0 of each), checked as `run` checks them: exit 2 before any work.
std::vector<RunPlan> tune_plans(const TuneArgs& a, std::string* meter) {
  std::string grid_meter;
  std::vector<RunPlan> plans;
  for (auto& p : grid_plans_load(a.grid, &grid_meter))
    if (p.repeat == 0) plans.push_back(std::move(p));
  *meter = a.meter_given ? a.meter : grid_meter;
  std::vector<nlohmann::json> knobs;
  for (const auto& p : plans) {
    knobs.push_back(knobs_of(p.config));
    if (p.config.contains("target_accuracy") != plans[0].config.contains("target_accuracy"))
      throw InputError(a.grid + ": target_accuracy is set for some configurations, not all", "", 0,
                       0, "set it in defaults, or for every experiment");
    if (p.config.contains("target_accuracy") && !p.runs("infer"))
      throw InputError("target_accuracy needs the infer phase", a.grid, 0, 0,
                       "add infer to phases");
  }
  blas_core_values_check(plans);
  adapt_refuse(plans, "tune");
  for (const auto& p : plans)
    if (p.config.contains("blas_core") && blas_core_plans_here({p}).empty())
      throw InputError("tune: blas_core other than the kernel set in force is not supported", "", 0,
                       0,
                       "tune one kernel set at a time: OPENBLAS_CORETYPE=CORE greenbench tune ...");
  knobs_journal_require_clean();
  knobs_check(knobs, SourcePaths::from_env());
  return plans;
}

std::string interval_text(const TuneCandidate& c) {
  return fmt::format("{:.4g} [{:.4g}, {:.4g}]", c.cost, c.low, c.high);
}

void ranking_print(const TuneResult& r) {
  std::printf("%-4s %-18s %-34s %-7s %s\n", "rank", "config_id", "cost [95%]", "rounds", "run");
  for (size_t i = 0; i < r.ranking.size(); ++i) {
    const auto& c = r.ranking[i];
    std::string note = c.out_after ? fmt::format(" (out after round {})", c.out_after) : "";
    if (!c.outcome.empty()) note += " (" + c.outcome + ")";
    if (r.validated) note += fmt::format(" measured {:.4g}", c.measured_cost);
    std::printf("%-4zu %-18s %-34s %-7d %s%s\n", i + 1, c.plan.config_id.c_str(),
                interval_text(c).c_str(), c.rounds, c.plan.label.c_str(), note.c_str());
  }
  if (r.found)
    std::printf("choice: %s %s (%s %s)\n", r.ranking[0].plan.config_id.c_str(),
                r.ranking[0].plan.label.c_str(), tune_objective_name(r.cost.objective).c_str(),
                interval_text(r.ranking[0]).c_str());
  else
    std::printf("choice: none (no configuration reached target_accuracy)\n");
  if (!r.tied_with.empty()) {
    std::string ids;
    for (const auto& id : r.tied_with) ids += (ids.empty() ? "" : ", ") + id;
    std::printf(
        "tie: %s still overlap%s the choice's interval after %d round%s of more steps; the "
        "choice is the lowest projection, not a measured difference\n",
        ids.c_str(), r.tied_with.size() == 1 ? "s" : "", r.ranking[0].rounds,
        r.ranking[0].rounds == 1 ? "" : "s");
  }
  if (r.host_noisy && !(r.round_change > r.interval_half_width))
    std::printf(
        "note: host too noisy for the budget asked: the profiles' intervals are wide mostly from "
        "the host's slow variability, which more steps do not narrow (docs/profile.md, \"Too "
        "noisy\")\n");
  else if (r.host_noisy)
    std::printf(
        "note: this host is noisier than the intervals say: a configuration's projection "
        "moved by %.0f%% (median) between rounds, its intervals' half-width is %.0f%%; "
        "close configurations are tied by the load, not by what they cost "
        "(docs/tuning.md, \"Noise\")\n",
        100 * r.round_change, 100 * r.interval_half_width);
  std::printf("search spent %.1f J in %.1f s of metered work", r.spent_j, r.spent_s);
  if (r.validated)
    std::printf(
        "; the whole grid: %.1f J in %.1f s (the search: %.1f%% of its energy, %.1f%% of "
        "its time); regret %.2f%% (measured best %s)",
        r.grid_j, r.grid_s, 100 * r.spent_j / r.grid_j, 100 * r.spent_s / r.grid_s, 100 * r.regret,
        r.best_config_id.c_str());
  std::printf("\n");
}

int tune_main(const TuneArgs& a) {
  TuneOptions opt;
  opt.cost.objective = tune_objective_parse(a.objective);
  opt.cost.eta = a.eta;
  opt.beta = a.beta;
  opt.budget = a.budget;
  opt.rounds = a.rounds;
  opt.systematic = a.systematic;
  opt.validate = a.validate;
  opt.host = host_noise_load();  // docs/profile.md, "Host calibration"
  std::string meter_spec;
  const auto plans = tune_plans(a, &meter_spec);
  if (!a.out.empty()) std::filesystem::create_directories(a.out);
  auto opened = sources_open(meter_spec, SourcePaths::from_env());
  for (const auto& note : opened.notes)
    std::fprintf(stderr, "greenbench tune: note: %s\n", note.c_str());
  Meter meter(std::move(opened), MeterOptions{0.1, false});
  meter.start();
  const TuneResult r = tune_search(plans, meter, opt, [](const std::string& line) {
    std::fprintf(stderr, "greenbench tune: %s\n", line.c_str());
  });
  meter.stop();
  nlohmann::json out = r.to_json();
  out["meter_source"] = meter.source_name();
  out["estimated"] = meter.estimated();
  out["budget"] = a.budget;
  if (!a.out.empty()) file_write_atomic(a.out + "/tune.json", out.dump(2) + "\n");
  if (a.json)
    std::cout << out.dump(2) << "\n";
  else
    ranking_print(r);
  return 0;
}

}  // namespace

void cmd_tune_add(CLI::App& app, CommandAction& action) {
  auto [cmd, a] = command_add<TuneArgs>(
      app, action, "tune",
      "Find the grid's configuration with the lowest energy, time, EDP or Zeus cost",
      [](TuneArgs& args, const CLI::App& cmd) {
        args.meter_given = cmd.count("--meter") > 0;
        return tune_main(args);
      });
  grid_option_add(*cmd, a->grid)->required();
  cmd->add_option("--objective", a->objective, "energy | time | edp | zeus (default energy)")
      ->check(CLI::IsMember({"energy", "time", "edp", "zeus"}));
  cmd->add_option("--eta", a->eta, "zeus: weight of energy against time (default 0.5)")
      ->check(number_in(0, 1));
  cmd->add_option("--beta", a->beta,
                  "target_accuracy: stop a run once its cost passes beta x the best (default 2)")
      ->check(number_in(1, 100));
  cmd->add_option("--budget", a->budget,
                  "first round: fraction of each run's steps profiled (default 0.03)")
      ->check(number_in(0, 1, false, true));
  cmd->add_option("--rounds", a->rounds, "profile rounds at most (default 3)")
      ->check(number_in(1, 10, true));
  cmd->add_option("--systematic", a->systematic,
                  "profile intervals' systematic relative sd (default 0.03; docs/profile.md)")
      ->check(number_in(0, 1));
  out_option_add(*cmd, a->out, "DIR", "write tune.json into this folder");
  cmd->add_flag("--json", a->json, "print one JSON object (docs/commands.md)");
  cmd->add_flag("--validate", a->validate,
                "also run every configuration whole and report the regret");
  meter_option_add(*cmd, a->meter);
}

}  // namespace greenbench
