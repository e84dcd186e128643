// The runner: idle baseline, then each run's epochs (training pass, pause, inference pass,
// pause), every phase metered on its own, then one durable row per run. Ctrl-C, SIGTERM and
// SIGHUP end the run in flight as `interrupted`; NaN losses end it as `diverged`; exceptions as
// `failed`.
// Not grid parsing (harness/grid*.cpp) and not the workloads.
#include "runner.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <strings.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "adapt_run.hpp"
#include "command_config.hpp"
#include "command_workload.hpp"
#include "greenbench/blas_core.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/meter.hpp"
#include "greenbench/results.hpp"
#include "host_info.hpp"
#include "knobs.hpp"
#include "progress.hpp"
#include "verbosity.hpp"

namespace greenbench {
namespace {

std::atomic<int> g_stop_signal{0};

void stop_handler(int sig) {
  g_stop_signal.store(sig);
}

// While it lives, SIGINT, SIGTERM and SIGHUP (a closed terminal or ssh session) stop the grid
// after the current step (README.md, "Signals"); restore() or the destructor puts the old
// handlers back. SIGXFSZ stays ignored: a file-size limit then fails the write (EFBIG, exit 1,
// rows intact) like a full disk does.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction sa {};
    sa.sa_handler = stop_handler;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &sa, &old_[i]);
    signal(SIGXFSZ, SIG_IGN);
    g_stop_signal.store(0);
  }
  ~StopSignals() { restore(); }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  void restore() {
    if (restored_) return;
    for (size_t i = 0; i < kSignals.size(); ++i) sigaction(kSignals[i], &old_[i], nullptr);
    restored_ = true;
  }

 private:
  static constexpr std::array<int, 3> kSignals = {SIGINT, SIGTERM, SIGHUP};
  std::array<struct sigaction, 3> old_{};
  bool restored_ = false;
};

// Feeds meter windows and epoch rows from the workload's phase announcements.
class MeteredObserver final : public PhaseObserver {
 public:
  MeteredObserver(Meter& meter, const std::string& run_id) : meter_(meter), run_id_(run_id) {}
  void phase_begin(const std::string& phase) override { meter_.begin(window_name(phase)); }
  void phase_end(const PhaseResult& r) override { record(meter_.end(window_name(r.phase)), r); }
  // One metered phase: its epoch row (at `epoch`), its result, the meter's flags.
  void record(const EnergyWindow& w, const PhaseResult& r) {
    rows.push_back({.run_id = run_id_,
                    .epoch = epoch,
                    .phase = r.phase,
                    .seconds = w.duration_s,
                    .energy_j = w.total_j,
                    .samples = r.samples,
                    .loss = r.loss,
                    .accuracy = r.accuracy,
                    .tokens = r.tokens,
                    .energy_model_j = w.model_j});
    results.push_back(r);
    if (w.estimated) estimated = true;
    // One entry per domain and kind of flag (the first window's words, then how many windows).
    for (const auto& text : w.warnings) {
      const std::string kind = text.find("stopped advancing") != std::string::npos ? "stuck"
                               : text.find("ceiling") != std::string::npos         ? "ceiling"
                                                                                   : "floor";
      const std::string key = text.substr(0, text.find(':')) + "/" + kind;
      auto it = std::find_if(warnings.begin(), warnings.end(),
                             [&](const auto& x) { return x.key == key; });
      if (it == warnings.end())
        warnings.push_back({key, text, 1});
      else
        ++it->windows;
    }
  }
  bool step_end(int64_t) override { return g_stop_signal.load() == 0; }

  int epoch = 0;
  std::vector<EpochRow> rows;
  std::vector<PhaseResult> results;
  bool estimated = false;
  struct Flag {
    std::string key, text;
    int windows;
  };
  std::vector<Flag> warnings;  // the meter's, over this run's windows

 private:
  std::string window_name(const std::string& phase) const {
    return run_id_ + "/" + std::to_string(epoch) + "/" + phase;
  }
  Meter& meter_;
  std::string run_id_;
};

void pause_for(double seconds) {
  if (seconds > 0 && g_stop_signal.load() == 0)
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

void sums_fill(RunRecord& rec, const MeteredObserver& obs, double idle_power_w,
               const RunnerOptions& opt) {
  // energy_infer_j covers every inference phase (infer; for lm also prefill and decode);
  // per-sample figures use the phase that processes samples, per-token the decode phase.
  int64_t train_samples_done = 0, infer_samples_done = 0, tokens_generated = 0;
  double infer_phase_j = 0, decode_j = 0;
  rec.energy_model_j = obs.rows.empty() ? kNaN : 0.0;
  for (const auto& row : obs.rows) rec.energy_model_j += row.energy_model_j;  // NaN if any is
  for (const auto& f : obs.warnings)
    rec.warnings.push_back(f.windows > 1 ? fmt::format("{} (in {} windows)", f.text, f.windows)
                                         : f.text);
  for (const auto& row : obs.rows) {
    if (row.phase == "train") {
      rec.train_s += row.seconds;
      rec.energy_train_j += row.energy_j;
      train_samples_done += row.samples;
      continue;
    }
    rec.infer_s += row.seconds;
    rec.energy_infer_j += row.energy_j;
    if (row.phase == "infer") {
      infer_samples_done += row.samples;
      infer_phase_j += row.energy_j;
    } else if (row.phase == "decode") {
      tokens_generated += row.tokens;
      decode_j += row.energy_j;
    }
  }
  for (const auto& r : obs.results) {
    if (r.phase == "train") rec.final_train_loss = r.loss;
    if (r.phase == "infer") {
      rec.test_loss = r.loss;
      rec.test_accuracy = r.accuracy;
    }
  }
  rec.energy_j = rec.energy_train_j + rec.energy_infer_j;
  const double seconds = rec.train_s + rec.infer_s;
  rec.idle_power_w = idle_power_w;
  rec.energy_dynamic_j =
      rec.energy_j - (std::isfinite(idle_power_w) ? idle_power_w * seconds : 0.0);
  rec.avg_power_w = seconds > 0 ? rec.energy_j / seconds : kNaN;
  rec.energy_per_train_sample_j =
      train_samples_done > 0 ? rec.energy_train_j / double(train_samples_done) : kNaN;
  rec.energy_per_infer_sample_j =
      infer_samples_done > 0 ? infer_phase_j / double(infer_samples_done) : kNaN;
  rec.energy_per_token_j = tokens_generated > 0 ? decode_j / double(tokens_generated) : kNaN;
  rec.co2_g = carbon_g(rec.energy_j, opt.carbon_g_per_kwh, opt.pue);
  // Metered time without energy is no measurement (docs/meter.md): never `ok`.
  if (seconds > 0 && !(rec.energy_j > 0) && (rec.status == "ok" || rec.status == "diverged")) {
    rec.error = fmt::format(
        "metered {:.3f} s but the meter recorded {} J ({}): its counters did not count; nothing "
        "here is a measurement. Run `greenbench meter probe`, or use --meter estimate",
        seconds, rec.energy_j, rec.meter_source);
    rec.status = "no_energy";
  }
}

// meta.json as a run starts (results/README.md): the host, the meter, the grid, the carbon
// factors; the idle power and the end are added later.
nlohmann::json meta_start(Meter& meter, const RunnerOptions& opt, size_t runs_planned,
                          const std::string& fallback_note,
                          const std::vector<std::string>& meter_notes) {
  nlohmann::json meta = host_info();
  meta["schema_version"] = kResultsSchemaVersion;
  meta["meter"] = {{"source", meter.source_name()},
                   {"estimated", meter.estimated()},
                   {"sources", meter.describe()},
                   {"note", fallback_note},
                   {"notes", meter_notes}};
  meta["grid_name"] = opt.grid_name;
  meta["grid"] = opt.grid_text;
  meta["carbon"] = {
      {"intensity_g_per_kwh", opt.carbon_g_per_kwh}, {"pue", opt.pue}, {"given", opt.carbon_given}};
  meta["start_time"] = time_now_iso();
  meta["runs_planned"] = runs_planned;
  for (const auto& [k, v] : opt.meta_extra.items()) meta[k] = v;
  return meta;
}

// With a target accuracy (docs/grids.md, "target_accuracy"): whether the last inference pass
// reached it; if so, the row's time and energy to accuracy are every metered phase so far.
bool target_reached_mark(RunRecord& rec, const MeteredObserver& obs, double target) {
  if (!std::isfinite(target) || obs.results.empty()) return false;
  const PhaseResult& last = obs.results.back();
  if (last.phase != "infer" || !(last.accuracy >= target)) return false;
  rec.target_reached = true;
  rec.time_to_accuracy_s = 0;
  rec.energy_to_accuracy_j = 0;
  for (const auto& row : obs.rows) {
    rec.time_to_accuracy_s += row.seconds;
    rec.energy_to_accuracy_j += row.energy_j;
  }
  return true;
}

// A run's row before it runs: its identity, its keys and the meter.
RunRecord record_start(const RunPlan& plan, const Meter& meter) {
  return {.run_id = plan.run_id,
          .config_id = plan.config_id,
          .repeat = plan.repeat,
          .workload = plan.workload,
          .config = plan.config,
          .meter_source = meter.source_name(),
          .estimated = meter.estimated()};
}

// A command run (docs/grids.md, "Command workloads"): the program's phase windows become epoch
// rows through `obs`, the keys it reported the row's columns, its window protocol problems
// warnings. Status: ok, failed (exit code, signal, timeout; or it could not start),
// interrupted.
void command_phases_run(const RunPlan& plan, Meter& meter, const RunnerOptions& opt,
                        MeteredObserver& obs, RunRecord& rec) {
  CommandRunOptions copt;
  copt.logs_dir = opt.out_dir + "/logs";
  copt.stop_requested = [] { return g_stop_signal.load() != 0; };
  const CommandRunResult r = command_workload_run(plan, meter, copt);
  for (const auto& ph : r.phases) {
    obs.epoch = ph.epoch;
    obs.record(ph.energy, ph.result);
  }
  rec.status = r.status;
  rec.error = r.error;
  rec.params = r.params;
  rec.macs_per_sample = r.macs_per_sample;
  rec.train_samples = r.train_samples;
  rec.test_samples = r.test_samples;
  for (const auto& p : r.problems) rec.warnings.push_back("window protocol: " + p);
}

// With `adapt` (docs/grids.md): the profile's record, and the value in force after it (the
// chosen one) in the knob's own column and, for a hardware knob, in `knobs`.
void adapt_record(const AdaptObserver& adapt, const AdaptSpec& spec, RunRecord& rec) {
  rec.adapt_profile = adapt.profile_json();
  rec.config[spec.knob] = adapt.value_now();
  if (spec.knob == "threads") return;
  if (!rec.knobs.is_object()) rec.knobs = nlohmann::json::object();
  rec.knobs[spec.knob] = adapt.in_force_now();
}

// A built-in workload's epochs, each training pass and the inference pass after it metered by
// `obs` (through the adapt profile when the run has one; `session` sets its hardware knob), until
// `epochs` or target_accuracy. Status: ok, diverged, interrupted.
void workload_phases_run(const RunPlan& plan, Meter& meter, const RunnerOptions& opt,
                         MeteredObserver& obs, RunRecord& rec, KnobSession* session) {
  const bool train = plan.runs("train");
  const bool infer = plan.runs("infer");
  const double target = plan.config.value("target_accuracy", kNaN);
  if (std::isfinite(target)) rec.target_reached = false;
  auto workload = workload_make(plan.workload, workload_config_of(plan.config));
  const auto spec = adapt_of_plan(plan);
  std::optional<AdaptObserver> adapt;
  if (spec)
    adapt.emplace(obs, meter, plan.run_id + "/adapt", *spec, *workload,
                  plan.config.value("batch_size", 1), session);
  PhaseObserver& observer = adapt ? static_cast<PhaseObserver&>(*adapt) : obs;
  rec.params = workload->params();
  rec.macs_per_sample = workload->macs_per_sample();
  rec.train_samples = workload->train_samples();
  rec.test_samples = workload->test_samples();
  const int epochs = train ? plan.config.value("epochs", 1) : 0;
  auto diverged = [&] {
    for (const auto& r : obs.results)
      if (r.diverged) return true;
    return false;
  };
  for (int e = 1; e <= epochs && !diverged() && g_stop_signal.load() == 0; ++e) {
    obs.epoch = e;
    workload->train_epoch(e, observer);
    pause_for(opt.pause_s);
    if (infer && !diverged() && g_stop_signal.load() == 0) {
      workload->infer(observer);
      pause_for(opt.pause_s);
      if (target_reached_mark(rec, obs, target)) break;
    }
  }
  if (!train && infer) {
    obs.epoch = 0;
    workload->infer(observer);
  }
  if (adapt) adapt_record(*adapt, *spec, rec);
  if (g_stop_signal.load() != 0)
    rec.status = "interrupted";
  else if (diverged())
    rec.status = "diverged";
}

// One run with its knobs set (docs/knobs.md), then the row's sums. Status as its phases say, or
// failed (an exception, its text in error), or no_energy (sums_fill).
RunRecord run_one(const RunPlan& plan, Meter& meter, const RunnerOptions& opt, double idle_power_w,
                  MeteredObserver& obs) {
  RunRecord rec = record_start(plan, meter);
  try {
    // Knobs before the first metered phase, read back; restored when `knobs` goes. adapt's
    // hardware knob goes through the same session (one journal, restored with the others).
    auto knobs = knobs_apply_for(plan.config, &rec.knobs);
    if (plan.config.contains("blas_core")) rec.knobs["blas_core"] = blas_core_name();
    if (const auto a = adapt_of_plan(plan); a && a->knob != "threads" && !knobs)
      knobs = std::make_unique<KnobSession>(SourcePaths::from_env());
    if (plan.workload == kCommandWorkload)
      command_phases_run(plan, meter, opt, obs, rec);
    else
      workload_phases_run(plan, meter, opt, obs, rec, knobs.get());
  } catch (const std::exception& e) {
    rec.status = "failed";
    rec.error = e.what();
  }
  rec.estimated = rec.estimated || obs.estimated;
  sums_fill(rec, obs, idle_power_w, opt);
  return rec;
}

// What the grid is about to do (-v), then the idle baseline before the first run: its power,
// NaN when there is none (docs/grids.md).
double idle_baseline_measure(Meter& meter, const RunnerOptions& opt, size_t runs) {
  say(Verbosity::verbose, "greenbench run: %zu runs into %s, meter %s every %.3f s\n", runs,
      opt.out_dir.c_str(), meter.source_name().c_str(), opt.meter_interval_s);
  if (opt.idle_baseline_s <= 0 || runs == 0) return kNaN;
  say(Verbosity::normal, "greenbench run: measuring idle power for %.1f s\n", opt.idle_baseline_s);
  const double idle_power_w = meter.idle_power_measure_w(opt.idle_baseline_s);
  say(Verbosity::normal, "greenbench run: idle power %.2f W (%s)\n", idle_power_w,
      meter.source_name().c_str());
  return idle_power_w;
}

// Exit 2 before any work (docs/knobs.md): knobs left changed by a killed run (the journal),
// target_accuracy without the infer phase, a blas_core that is not the one in force or whose
// sgemm is wrong, a knob value this machine cannot take.
void plans_check(const std::vector<RunPlan>& plans) {
  knobs_journal_require_clean();
  std::vector<nlohmann::json> knobs;
  bool blas_checked = false;
  for (const auto& p : plans) {
    for (auto& k : knob_settings_of_plan(p)) knobs.push_back(std::move(k));  // adapt's too
    if (p.config.contains("target_accuracy") && !p.runs("infer"))
      throw InputError(fmt::format("run {}: target_accuracy needs the infer phase (the test "
                                   "accuracy is measured there)",
                                   p.run_id),
                       "", 0, 0, "add infer to phases, or remove target_accuracy");
    if (p.config.contains("blas_core") &&
        strcasecmp(p.config.at("blas_core").get<std::string>().c_str(), blas_core_name().c_str()) !=
            0)
      throw InputError(
          fmt::format("run {}: blas_core {} is not the kernel set in force ({}): "
                      "OpenBLAS did not load it",
                      p.run_id, p.config.at("blas_core").get<std::string>(), blas_core_name()),
          "", 0, 0, "use a kernel set `greenbench meter probe` lists as supported");
    if (p.config.contains("blas_core") && !blas_checked) {
      blas_checked = true;
      if (const std::string problem = blas_sgemm_check(); !problem.empty())
        throw InputError(
            fmt::format("blas_core {}: its sgemm is wrong ({})", blas_core_name(), problem), "", 0,
            0, "remove this kernel set from the grid");
    }
  }
  knobs_check(knobs, SourcePaths::from_env());
}

}  // namespace

int runner_run(const std::vector<RunPlan>& plans, const RunnerOptions& opt) {
  namespace fs = std::filesystem;
  // A closed pipe on stdout or stderr (`greenbench run ... 2>&1 | head -1`) only loses the
  // progress lines, never the work (README.md, "Signals"): writes fail with EPIPE instead of
  // killing the process. It stays ignored after the grid too, so that the last message cannot
  // turn the exit code into 141.
  signal(SIGPIPE, SIG_IGN);
  plans_check(plans);  // knobs, targets: exit 2 before anything (docs/knobs.md)
  // The meter first: a named source that cannot be read, or does not count, is exit 2 before
  // the results folder is touched.
  auto opened = sources_open(opt.meter, SourcePaths::from_env());
  for (const auto& note : opened.notes)
    say(Verbosity::normal, "greenbench run: note: %s\n", note.c_str());
  if (!opened.fallback_note.empty())  // a warning: the energy will be estimated
    std::fprintf(stderr, "greenbench run: note: %s\n", opened.fallback_note.c_str());
  const std::string fallback_note = opened.fallback_note;
  const std::vector<std::string> meter_notes = opened.notes;
  Meter meter(std::move(opened), MeterOptions{opt.meter_interval_s, true});

  ResultsWriter writer(opt.out_dir, opt.key_columns, opt.resume);
  std::vector<const RunPlan*> todo;
  for (const auto& p : plans)
    if (!writer.finished().count(p.run_id)) todo.push_back(&p);
  if (plans.size() != todo.size())
    say(Verbosity::normal, "greenbench run: %zu of %zu runs already finished in %s\n",
        plans.size() - todo.size(), plans.size(), opt.out_dir.c_str());

  fs::create_directories(opt.out_dir + "/traces");

  nlohmann::json meta = meta_start(meter, opt, plans.size(), fallback_note, meter_notes);
  const std::string meta_path = opt.out_dir + "/meta.json";
  file_write_atomic(meta_path, meta.dump(2) + "\n");

  StopSignals stop_signals;
  meter.start();
  const double idle_power_w = idle_baseline_measure(meter, opt, todo.size());
  meta["idle_power_w"] = idle_power_w;

  int exit_code = 0;
  Progress progress(todo, isatty(fileno(stderr)) == 1);
  for (size_t i = 0; i < todo.size() && g_stop_signal.load() == 0; ++i) {
    const RunPlan& plan = *todo[i];
    progress.run_begin(i);
    const auto wall_start = std::chrono::steady_clock::now();
    MeteredObserver obs(meter, plan.run_id);
    const double t_start = meter.now_s();
    RunRecord rec = run_one(plan, meter, opt, idle_power_w, obs);
    if (rec.status == "failed" || rec.status == "no_energy") exit_code = 1;
    writer.trace_write(plan.run_id, meter.trace_csv(t_start, meter.now_s()));
    writer.run_append(rec, obs.rows);
    progress.run_end(
        i, rec,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count());
  }
  progress.finish();
  std::fprintf(stderr, "greenbench run: %s; results in %s\n", progress.summary_text().c_str(),
               opt.out_dir.c_str());
  meter.stop();
  const int sig = g_stop_signal.load();
  stop_signals.restore();
  meta["end_time"] = time_now_iso();
  meta["interrupted"] = sig != 0;
  file_write_atomic(meta_path, meta.dump(2) + "\n");
  if (sig != 0) {
    std::fprintf(stderr, "greenbench run: interrupted; `--resume` completes the grid\n");
    return 128 + sig;
  }
  return exit_code;
}

}  // namespace greenbench
