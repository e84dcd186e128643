// `greenbench profile (GRID.yaml | --workload NAME [--set KEY=VALUE]...) [--budget FRACTION]
// [--validate] [--json] [--out DIR]`: projects each run's whole energy from a short steady
// profile (harness/run/profile_run.hpp). Not the statistics and not grid parsing.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "adapt_run.hpp"
#include "cli_checks.hpp"
#include "cli_command.hpp"
#include "command_config.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/grid.hpp"
#include "greenbench/results.hpp"
#include "grid_expand.hpp"
#include "host_calibrate.hpp"
#include "knobs.hpp"
#include "profile_run.hpp"
#include "set_args.hpp"
#include "verbosity.hpp"

namespace greenbench {
namespace {

struct ProfileArgs {
  std::string grid;
  std::string workload;
  std::vector<std::string> sets;
  double budget = 0.1;
  double systematic = ProfileOptions{}.systematic;
  bool validate = false;
  bool json = false;
  std::string out;
  std::string meter = "auto";
  bool meter_given = false;  // --meter on the command line overrides the grid's `meter:`
  int repeats = 1;
  bool calibrate_host = false;  // measure the host's slow variability first (host_noise.hpp)
  double calibrate_s = 60;
  bool no_host = false;  // ignore the recorded calibration
  double max_half_width = ProfileOptions{}.max_half_width;
};

// The plans, and in *meter the source to use: --meter, else the grid's `meter:`, else auto.
std::vector<RunPlan> plans_of(const ProfileArgs& a, std::string* meter) {
  *meter = a.meter;
  if (!a.grid.empty() && !a.workload.empty())
    throw InputError("profile takes a grid file or --workload, not both", "", 0, 0,
                     "drop one of them");
  if (!a.grid.empty()) {
    std::string grid_meter;
    auto plans = grid_plans_load(a.grid, &grid_meter);
    if (!a.meter_given) *meter = grid_meter;
    for (const auto& p : plans)
      if (p.workload == kCommandWorkload)  // a program's steps are not greenbench's to profile
        throw InputError(fmt::format("{}: profile runs built-in workloads only, and this grid "
                                     "has command runs ({})",
                                     a.grid, p.label),
                         "", 0, 0,
                         "run it with `greenbench run`, or remove its command experiments");
    return plans;
  }
  if (a.workload.empty() && a.calibrate_host) return {};  // calibration only
  if (a.workload.empty())
    throw InputError("profile needs GRID.yaml or --workload NAME", "", 0, 0,
                     "e.g. greenbench profile --workload mlp --set epochs=5");
  // Checked as `run --workload` and grid files are (data set, memory; docs/grids.md).
  std::vector<RunPlan> plans;
  for (const auto& run :
       workload_expand(a.workload, sets_parse(a.sets), a.repeats, {"train", "infer"}).runs)
    plans.push_back(run.plan);
  return plans;
}

// The clear line of docs/profile.md ("Too noisy") for a run whose interval is wide from slow
// variability a larger budget would not narrow.
std::string too_noisy_line(const ProfileRunResult& r, const ProfileArgs& a, const HostNoise& host) {
  const double half = r.predicted_j > 0 ? (r.high_j - r.low_j) / 2 / r.predicted_j : 0;
  const std::string head = fmt::format(
      "greenbench profile: {}: host too noisy for a +-{:.0f}% projection at budget "
      "{:g}: the interval is +-{:.1f}%, ",
      r.run_id, 100 * a.max_half_width, a.budget, 100 * half);
  if (r.slow_share < 0.5)
    return head + fmt::format(
                      "mostly the spread of the profile's blocks ({:.0f}% of the variance is "
                      "slow variability): a larger --budget narrows it",
                      100 * r.slow_share);
  return head + fmt::format(
                    "mostly ({:.0f}% of the variance; {}) the host's slow variability (sd "
                    "{:.1f}% of the projection), which a larger budget does not narrow; run on a "
                    "quieter host, or accept the wider interval",
                    100 * r.slow_share,
                    host.empty() ? "seen as wander in the profile's blocks"
                                 : "host calibration of " + host.measured_at,
                    100 * r.slow_rel_sd);
}

// --calibrate-host: the reference configuration of docs/profile.md for --calibrate-s seconds,
// recorded in the state file.
HostNoise calibrate_host(const ProfileArgs& a, Meter& meter) {
  const auto runs =
      workload_expand("mlp",
                      sets_parse({"hidden=[256]", "batch_size=32", "dataset=synthetic",
                                  "train_samples=60000", "threads=1"}),
                      1, {"train"})
          .runs;
  if (!output_quiet())
    std::fprintf(stderr, "greenbench profile: calibrating the host for %.0f s (%s)\n",
                 a.calibrate_s, runs.at(0).plan.label.c_str());
  HostNoise h = host_calibrate(runs.at(0).plan, meter, a.calibrate_s);
  if (h.empty())
    throw std::runtime_error(
        "the host calibration metered too few blocks; try a longer "
        "--calibrate-s");
  host_noise_save(h);
  if (!output_quiet()) {
    std::string table;
    for (const auto& p : h.points)
      table += fmt::format(" {:.3g} s: {:.2f}%;", p.m, 100 * std::sqrt(p.avar));
    std::fprintf(stderr,
                 "greenbench profile: host's relative Allan deviation by time scale:%s "
                 "wrote %s\n",
                 table.c_str(), host_noise_path().c_str());
  }
  return h;
}

// What CLI11's per-option checks cannot see (exit 2 before any work); --calibrate-s's range is
// its option's check.
void args_check(const ProfileArgs& a) {
  if (!(a.budget > 0 && a.budget <= 1))
    throw InputError(fmt::format("--budget: expected a fraction in (0, 1], got {}", a.budget), "",
                     0, 0, "e.g. --budget 0.1");
  if (!(a.systematic >= 0 && a.systematic < 1))
    throw InputError(
        fmt::format("--systematic: expected a fraction in [0, 1), got {}", a.systematic), "", 0, 0,
        "e.g. --systematic 0.03 (0: the blocks' spread alone)");
  if (a.repeats < 1) throw InputError("--repeats: expected an integer >= 1");
  if (a.calibrate_host && a.no_host)
    throw InputError("--calibrate-host and --no-host-calibration contradict each other", "", 0, 0,
                     "drop one of them");
}

int profile_main(const ProfileArgs& a) {
  args_check(a);
  std::string meter_spec;
  const auto plans = plans_of(a, &meter_spec);
  adapt_refuse(plans, "profile");
  std::vector<nlohmann::json> knobs;  // exit 2 before any work (docs/knobs.md)
  for (const auto& p : plans) knobs.push_back(knobs_of(p.config));
  knobs_journal_require_clean();
  knobs_check(knobs, SourcePaths::from_env());
  // The recorded host calibration (docs/profile.md): a bad file is exit 2 before any work.
  HostNoise host = a.calibrate_host || a.no_host ? HostNoise{} : host_noise_load();
  auto opened = sources_open(meter_spec, SourcePaths::from_env());
  for (const auto& note : opened.notes)
    if (!output_quiet()) std::fprintf(stderr, "greenbench profile: note: %s\n", note.c_str());
  if (!opened.fallback_note.empty())  // a warning: the energy is estimated
    std::fprintf(stderr, "greenbench profile: note: %s\n", opened.fallback_note.c_str());
  Meter meter(std::move(opened), MeterOptions{0.1, false});
  meter.start();
  ProfileOptions opt;
  opt.budget = a.budget;
  opt.systematic = a.systematic;
  opt.validate = a.validate;
  opt.max_half_width = a.max_half_width;
  if (a.calibrate_host) {
    opt.host = calibrate_host(a, meter);
    if (plans.empty()) {
      meter.stop();
      return 0;
    }
  } else {
    opt.host = std::move(host);
  }
  std::vector<ProfileRunResult> results;
  for (std::size_t i = 0; i < plans.size(); i++) {
    if (output_verbose())
      std::fprintf(stderr, "[%zu/%zu] %s %s: profiling\n", i + 1, plans.size(),
                   plans[i].run_id.c_str(), plans[i].workload.c_str());
    results.push_back(profile_run(plans[i], meter, opt));
    const auto& r = results.back();
    std::string line =
        fmt::format("[{}/{}] {} {}: {:.1f} J [{:.1f}, {:.1f}] from {:.1f}% of steps{}", i + 1,
                    plans.size(), r.run_id, r.workload, r.predicted_j, r.low_j, r.high_j,
                    100 * r.profiled_fraction, r.steady ? "" : " (not steady)");
    if (a.validate)
      line += fmt::format("; measured {:.1f} J, error {:+.2f}% (first epoch x epochs {:+.2f}%)",
                          r.measured_j, 100 * r.error, 100 * r.naive_error);
    if (!output_quiet()) std::fprintf(stderr, "%s\n", line.c_str());
    if (r.too_noisy)  // a warning, as the meter's fallback note: shown even with -q
      std::fprintf(stderr, "%s\n", too_noisy_line(r, a, opt.host).c_str());
  }
  meter.stop();
  nlohmann::json report = profile_report_json(results, a.validate);
  report["meter_source"] = meter.source_name();
  report["estimated"] = meter.estimated();
  report["budget"] = a.budget;
  report["systematic"] = a.systematic;
  report["max_half_width"] = a.max_half_width;
  report["host_calibration"] = opt.host.empty() ? nlohmann::json() : opt.host.to_json();
  if (!a.out.empty()) {
    std::filesystem::create_directories(a.out);
    file_write_atomic(a.out + "/profile.json", report.dump(2) + "\n");
  }
  if (a.json) {
    std::cout << report.dump(2) << "\n";
  } else if (a.validate && report.contains("median_abs_error")) {
    std::cout << fmt::format(
        "{} runs: median |error| {:.2f}% (first epoch x epochs: {:.2f}%), 95% intervals hold the "
        "truth in {:.0f}% of runs; median profiled fraction {:.1f}% [{}{}]\n",
        results.size(), 100 * report["median_abs_error"].get<double>(),
        100 * report.value("naive_median_abs_error", NAN),
        100 * report["interval_coverage"].get<double>(),
        100 * report["median_profiled_fraction"].get<double>(), meter.source_name(),
        meter.estimated() ? ", estimated" : "");
  }
  return 0;
}

}  // namespace

void cmd_profile_add(CLI::App& app, CommandAction& action) {
  auto [cmd, args] = command_add<ProfileArgs>(
      app, action, "profile", "Project whole runs' energy from short steady profiles",
      [](ProfileArgs& a, const CLI::App& cmd) {
        a.meter_given = cmd.count("--meter") > 0;
        return profile_main(a);
      });
  grid_option_add(*cmd, args->grid);
  workload_option_add(*cmd, args->workload);
  sets_option_add(*cmd, args->sets);
  cmd->add_option("--budget", args->budget, "most of the planned steps to profile (default 0.1)")
      ->check(number_in(0, 1, false, true));
  cmd->add_option("--systematic", args->systematic,
                  "relative sd of the projected energy beyond the profile's spread, in the "
                  "interval (default 0.03; docs/profile.md)")
      ->check(number_in(0, 1));  // below 1: checked with the other values
  cmd->add_flag("--validate", args->validate, "also run each to the end and report the error");
  cmd->add_flag("--calibrate-host", args->calibrate_host,
                "first measure the host's slow variability and record it (docs/profile.md)");
  cmd->add_option("--calibrate-s", args->calibrate_s,
                  "seconds the host calibration runs (default 60)")
      ->check(number_in(5, 3600))
      ->type_name("S");
  cmd->add_flag("--no-host-calibration", args->no_host, "ignore the recorded host calibration");
  cmd->add_option("--max-half-width", args->max_half_width,
                  "an interval wider than this fraction, mostly from the host's slow "
                  "variability, is reported too noisy (default 0.05)")
      ->check(number_in(0, 1, false, true))
      ->type_name("FRACTION");
  cmd->add_flag("--json", args->json, "print one JSON object (docs/commands.md, JSON outputs)");
  out_option_add(*cmd, args->out, "DIR", "write profile.json into this folder");
  meter_option_add(*cmd, args->meter,
                   "auto | rapl | perf | msr | nvml | estimate (default: the grid's meter:)");
  cmd->add_option("--repeats", args->repeats, "repeats of a --workload configuration (default 1)")
      ->check(number_in(1, 1000, true));
}

}  // namespace greenbench
