// `greenbench meter probe` and `greenbench meter -- CMD`: probe every source and say why each
// is unavailable; meter a command's run (signals forwarded, its exit code returned). Not the
// meter itself (meter/), which this only drives.
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <iostream>

#include "child_windows.hpp"
#include "cli_checks.hpp"
#include "cli_command.hpp"
#include "greenbench/blas_core.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/meter.hpp"
#include "greenbench/results.hpp"
#include "verbosity.hpp"

namespace greenbench {
namespace {

struct MeterArgs {
  std::string source = "auto";
  int interval_ms = 100;
  std::string trace_path;
  bool json = false;
  std::string out_path;  // -o FILE: the JSON goes there, CMD keeps stdout
  std::vector<std::string> command;
  bool probe_json = false;  // meter probe --json
};

nlohmann::json dropped_json(const std::vector<DroppedCounter>& dropped) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& d : dropped)
    arr.push_back({{"domain", d.domain}, {"path", d.path}, {"reason", d.reason}});
  return arr;
}

nlohmann::json probe_json(const std::vector<SourceProbe>& probes) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& p : probes) {
    nlohmann::json j = {{"name", p.name}, {"available", p.available}};
    if (p.available) {
      nlohmann::json domains = nlohmann::json::array();
      for (const auto& c : p.counters)
        domains.push_back(
            {{"domain", c.domain}, {"kind", domain_kind_name(c.kind)}, {"path", c.path}});
      j["domains"] = domains;
      j["details"] = p.details;
      j["dropped"] = dropped_json(p.dropped);
    } else {
      j["reason"] = p.reason;
      j["file"] = p.file;
      j["fix"] = p.fix;
      j["not_counting"] = p.not_counting;
    }
    arr.push_back(j);
  }
  return arr;
}

// The OpenBLAS kernels in force, beside the sources: a step's joules scale with them
// (docs/workloads.md#blas-kernels).
nlohmann::json blas_json() {
  const auto b = blas_core_state();
  return {
      {"core", b.core}, {"chosen_by", b.chosen_by}, {"note", b.note}, {"config", blas_config()}};
}

int meter_probe(bool json) {
  const SourcePaths paths = SourcePaths::from_env();
  const auto probes = sources_probe(paths);
  auto opened = sources_open("auto", paths);
  std::string auto_name;
  for (const auto& s : opened.sources) auto_name += (auto_name.empty() ? "" : "+") + s->name();
  if (json) {
    nlohmann::json out = {{"sources", probe_json(probes)},
                          {"auto", auto_name},
                          {"estimated", opened.sources.front()->estimated()},
                          {"auto_notes", opened.notes}};
    if (!opened.fallback_note.empty()) out["auto_note"] = opened.fallback_note;
    out["blas"] = blas_json();
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  for (const auto& p : probes) {
    if (p.available) {
      std::string domains;
      for (const auto& c : p.counters) domains += (domains.empty() ? "" : ", ") + c.domain;
      std::cout << fmt::format(
          "{:<9} available{}: {}\n", p.name,
          p.name == "estimate" ? " (ESTIMATED: a power model, not a counter)" : "", domains);
      for (const auto& d : p.dropped)
        std::cout << fmt::format("{:<9}   dropped: {}\n", "", d.reason);
    } else {
      std::cout << fmt::format("{:<9} unavailable{}: {}\n", p.name,
                               p.not_counting ? " (present but not counting)" : "", p.reason);
      if (!p.file.empty()) std::cout << fmt::format("{:<9}   file: {}\n", "", p.file);
      if (!p.fix.empty()) std::cout << fmt::format("{:<9}   fix:  {}\n", "", p.fix);
    }
  }
  std::cout << fmt::format("auto      -> {}\n", auto_name);
  for (const auto& note : opened.notes) std::cout << "          " << note << "\n";
  if (!opened.fallback_note.empty()) std::cout << "          " << opened.fallback_note << "\n";
  const auto b = blas_core_state();
  std::cout << fmt::format("blas      OpenBLAS {} kernels (chosen by {})\n", b.core, b.chosen_by);
  if (!b.note.empty()) std::cout << "          " << b.note << "\n";
  return 0;
}

// The child being metered; signals sent to greenbench by another process are passed on.
// Signals from the terminal already reach the child (same process group), so those are not
// sent twice.
volatile sig_atomic_t g_child_pid = 0;

void forward_signal(int sig, siginfo_t* info, void*) {
  if (g_child_pid > 0 && info && (info->si_code == SI_USER || info->si_code == SI_QUEUE))
    kill(g_child_pid, sig);
}

const int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// Runs the command with the window protocol's descriptor (docs/windows.md), forwarding
// signals to it; its windows go to `windows` as they end.
ChildOutcome command_run(const std::vector<std::string>& command, WindowRecorder& windows) {
  struct sigaction sa {};
  sa.sa_sigaction = forward_signal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  for (int sig : kForwardedSignals) sigaction(sig, &sa, nullptr);
  ChildSpec spec;
  spec.argv = command;
  spec.on_start = [](pid_t pid) { g_child_pid = pid; };
  const ChildOutcome outcome = child_run_windows(spec, windows);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig : kForwardedSignals) sigaction(sig, &dfl, nullptr);
  return outcome;
}

// The folder of `path` must exist and be writable: checked before the command runs.
void output_path_check(const std::string& path) {
  std::string dir =
      path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  if (dir.empty()) dir = path.find('/') == 0 ? "/" : ".";
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    throw InputError(
        fmt::format("-o {}: cannot write into {}: {}", path, dir, std::strerror(errno)), path, 0, 0,
        "choose a file in an existing, writable folder");
}

nlohmann::json windows_json(const WindowRecorder& windows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& w : windows.windows()) out.push_back(window_json(w));
  return out;
}

// The human-readable summary on stderr (without --json).
void meter_text_print(const EnergyWindow& w, const WindowRecorder& windows,
                      const std::string& out_path) {
  std::cerr << fmt::format("greenbench meter: source {}{}\n", w.source,
                           w.estimated ? " (ESTIMATED: a power model, not a measurement)" : "");
  std::cerr << fmt::format("  {:<12} {:>12.3f} s\n", "duration", w.duration_s);
  for (const auto& [domain, j] : w.energy_j)
    if (domain != "total") std::cerr << fmt::format("  {:<12} {:>12.3f} J\n", domain, j);
  std::cerr << fmt::format("  {:<12} {:>12.3f} J   ({:.2f} W average)\n", "total", w.total_j,
                           w.avg_power_w());
  if (w.gap_s > 0)
    std::cerr << fmt::format("  warning: {:.3f} s not covered by good reads\n", w.gap_s);
  if (w.resets > 0)
    std::cerr << fmt::format("  warning: {} counter reset(s) inside the window\n", w.resets);
  for (const auto& text : w.warnings) std::cerr << "  warning: " << text << "\n";
  if (std::isfinite(w.model_j) && !w.estimated)
    std::cerr << fmt::format("  {:<12} {:>12.3f} J   (the estimate model over the same window)\n",
                             "model", w.model_j);
  const auto& marked = windows.windows();  // the first 50; every one is in --json and -o
  for (size_t i = 0; i < marked.size() && i < 50; ++i)
    std::cerr << fmt::format("  window {:<12} {:>9.3f} s {:>12.3f} J  (from {:.3f} s)\n",
                             marked[i].name, marked[i].energy.duration_s, marked[i].energy.total_j,
                             marked[i].start_s);
  if (marked.size() > 50)
    std::cerr << fmt::format("  ... and {} more windows (all of them in --json or -o)\n",
                             marked.size() - 50);
  if (!out_path.empty()) std::cerr << "  written to " << out_path << "\n";
}

int meter_command(const MeterArgs& args) {
  if (args.command.empty())
    throw InputError("no command to meter", "", 0, 0,
                     "usage: greenbench meter [options] -- CMD [ARG]...");
  if (args.interval_ms <= 0)
    throw InputError(fmt::format("--interval-ms must be a positive number of milliseconds, got {}",
                                 args.interval_ms));
  // -o FILE: refuse an unwritable place before the command runs, not after.
  if (!args.out_path.empty()) output_path_check(args.out_path);
  auto opened = sources_open(args.source, SourcePaths::from_env());
  for (const auto& note : opened.notes)
    if (!output_quiet()) std::cerr << "greenbench meter: note: " << note << "\n";
  if (!opened.fallback_note.empty())  // a warning: the energy is estimated
    std::cerr << "greenbench meter: note: " << opened.fallback_note << "\n";
  const std::string fallback_note = opened.fallback_note;
  const std::vector<std::string> notes = opened.notes;
  Meter meter(std::move(opened), MeterOptions{args.interval_ms / 1000.0, true});
  if (output_verbose())
    std::cerr << fmt::format("greenbench meter: source {}, a sample every {} ms; running {}\n",
                             meter.source_name(), args.interval_ms, args.command.front());
  meter.start();
  meter.begin("command");
  WindowRecorder windows(meter, meter.now_s());
  if (!args.json)  // bad lines are said as they come; with --json they are in window_errors
    windows.on_problem = [](const std::string& text) {
      std::cerr << "greenbench meter: window protocol: " << text << "\n";
    };
  const int exit_code = command_run(args.command, windows).exit_code;
  const EnergyWindow w = meter.end("command");
  meter.stop();
  if (!args.trace_path.empty()) meter.trace_write_csv(args.trace_path);

  if (args.json || !args.out_path.empty()) {
    const nlohmann::json described = meter.describe();
    nlohmann::json dropped = nlohmann::json::object();
    for (const auto& [name, d] : described.items())
      if (d.contains("dropped") && !d["dropped"].empty()) dropped[name] = d["dropped"];
    nlohmann::json out = {{"source", w.source},
                          {"estimated", w.estimated},
                          {"duration_s", w.duration_s},
                          {"energy_j", w.energy_j},
                          {"energy_model_j", std::isfinite(w.model_j) ? nlohmann::json(w.model_j)
                                                                      : nlohmann::json(nullptr)},
                          {"avg_power_w", w.avg_power_w()},
                          {"exit_code", exit_code},
                          {"gap_s", w.gap_s},
                          {"resets", w.resets},
                          {"warnings", w.warnings},
                          {"dropped", dropped},
                          {"notes", notes},
                          {"windows", windows_json(windows)},
                          {"window_errors", windows.problems()},
                          {"meter", described}};
    if (windows.problems_total() > windows.problems().size())
      out["window_errors_total"] = windows.problems_total();
    if (!fallback_note.empty()) out["note"] = fallback_note;
    if (!args.out_path.empty()) file_write_atomic(args.out_path, out.dump() + "\n");
    if (args.json && args.out_path.empty()) {
      errno = 0;
      std::cout << out.dump() << std::endl;
      if (!std::cout)  // stdout closed or full: exit 1, never a lost result without a word
        throw std::runtime_error(fmt::format("cannot write the JSON to stdout ({}); CMD exited {}",
                                             errno ? std::strerror(errno) : "write failed",
                                             exit_code));
    }
  }
  if (!args.json) meter_text_print(w, windows, args.out_path);
  return exit_code;
}

}  // namespace

void cmd_meter_add(CLI::App& app, CommandAction& action) {
  auto [meter, args] = command_add<MeterArgs>(
      app, action, "meter", "Meter a command's energy, or probe the energy sources",
      [](const MeterArgs& a, const CLI::App& cmd) {
        return cmd.get_subcommand("probe")->parsed() ? meter_probe(a.probe_json) : meter_command(a);
      });
  meter_option_add(*meter, args->source, "auto | rapl | perf | msr | nvml | estimate", "--source");
  meter
      ->add_option("--interval-ms", args->interval_ms,
                   "sampler period in milliseconds (default 100)")
      ->check(number_in(1, 60000, true));
  meter->add_option("--trace", args->trace_path, "write the power timeline (CSV) to FILE")
      ->type_name("FILE");
  meter->add_flag("--json", args->json, "print one JSON object on stdout");
  meter
      ->add_option("-o,--out,--output", args->out_path,
                   "write the JSON object to FILE (atomically), keeping stdout to the command")
      ->type_name("FILE");
  meter->add_option("command", args->command, "the command to meter, after --")->type_name("CMD");
  auto* probe =
      meter->add_subcommand("probe", "Say which energy sources are readable here, and why not");
  probe->add_flag("--json", args->probe_json, "JSON output");
}

}  // namespace greenbench
