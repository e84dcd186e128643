// A command run of a grid (docs/grids.md, "Command workloads"; docs/windows.md): the program,
// its logs, its phase windows and reported keys. Not the configuration (command_config.cpp).
#include "command_workload.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "child_windows.hpp"
#include "command_config.hpp"
#include "greenbench/results.hpp"
#include "window_protocol.hpp"

namespace greenbench {
namespace {

bool is_phase(const std::string& name) {
  return name == "train" || name == "infer" || name == "prefill" || name == "decode";
}

// The reported keys a phase's columns take (docs/windows.md): numbers, checked.
class ValueReader {
 public:
  ValueReader(const MarkedWindow& w, std::vector<std::string>& problems)
      : w_(w), problems_(problems) {}
  // The key as a number in [lo, hi]; NaN (and a problem) when given but not one.
  double number(const std::string& key, double lo, double hi) const {
    for (const auto& [k, v] : w_.values) {
      if (k != key) continue;
      const nlohmann::json j = window_value_json(v);
      if (j.is_number() && j.get<double>() >= lo && j.get<double>() <= hi) return j.get<double>();
      problems_.push_back(
          fmt::format("window '{}' (ended at {:.3f} s): {}={} is not a number in "
                      "[{:g}, {:g}]; left out",
                      w_.name, w_.start_s + w_.energy.duration_s, key, v, lo, hi));
    }
    return kNaN;
  }
  int64_t count(const std::string& key) const {
    const double x = number(key, 0, 9e15);
    if (std::isfinite(x) && x == std::floor(x)) return static_cast<int64_t>(x);
    return -1;
  }

 private:
  const MarkedWindow& w_;
  std::vector<std::string>& problems_;
};

// Phase windows as epoch rows: `epoch=` when given, else train windows count 1, 2, ... and an
// inference window belongs to the last train window before it (0 when none).
void phases_fill(const WindowRecorder& windows, CommandRunResult& out) {
  int trains = 0;
  for (const auto& w : windows.windows()) {
    ValueReader r(w, out.problems);
    if (const int64_t p = r.count("params"); p >= 0) out.params = p;
    if (const int64_t m = r.count("macs_per_sample"); m >= 0) out.macs_per_sample = m;
    if (!is_phase(w.name)) continue;
    CommandPhase ph;
    if (w.name == "train") ++trains;
    const int64_t epoch = r.count("epoch");
    ph.epoch = epoch >= 0 && epoch < 1000000000 ? static_cast<int>(epoch) : trains;
    ph.energy = w.energy;
    ph.result.phase = w.name;
    ph.result.samples = std::max<int64_t>(0, r.count("samples"));
    ph.result.tokens = std::max<int64_t>(0, r.count("tokens"));
    ph.result.steps = std::max<int64_t>(0, r.count("steps"));
    ph.result.loss = r.number("loss", 0, 1e30);
    ph.result.accuracy = r.number("accuracy", 0, 1);
    if (w.name == "train" && ph.result.samples > 0) out.train_samples = ph.result.samples;
    if (w.name == "infer" && ph.result.samples > 0) out.test_samples = ph.result.samples;
    out.phases.push_back(std::move(ph));
  }
}

// The last line of a log, at most 300 bytes, for a failed row's error.
std::string log_last_line(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff from = std::max<std::streamoff>(0, size - 2048);
  std::string tail(static_cast<size_t>(size - from), '\0');
  in.seekg(from);
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  std::string line =
      tail.substr(tail.find_last_of('\n') == std::string::npos ? 0 : tail.find_last_of('\n') + 1);
  for (auto& ch : line)
    if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f) ch = '?';
  return line.size() > 300 ? line.substr(line.size() - 300) : line;
}

// logs/ inside the results folder, never through a link (results/README.md, "Links").
void logs_dir_make(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directory(dir, ec);
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw std::runtime_error(fmt::format("{}: not a folder (a link or a file is in the way)", dir));
}

void windows_log_write(const std::string& path, const WindowRecorder& windows) {
  std::string text;
  for (const auto& w : windows.windows()) text += window_json(w).dump() + "\n";
  file_write_atomic(path, text);
}

}  // namespace

CommandRunResult command_workload_run(const RunPlan& plan, Meter& meter,
                                      const CommandRunOptions& opt) {
  logs_dir_make(opt.logs_dir);
  const std::string logs = opt.logs_dir + "/" + plan.run_id;
  ChildSpec spec;
  spec.argv = command_argv(plan.config);
  spec.env["GREENBENCH_RUN_ID"] = plan.run_id;
  spec.stdout_path = logs + ".stdout";
  spec.stderr_path = logs + ".stderr";
  spec.stdin_null = true;
  spec.own_group = true;
  spec.timeout_s = plan.config.value("timeout_s", 0.0);
  spec.stop_requested = opt.stop_requested;

  CommandRunResult out;
  const std::string whole = plan.run_id + "/command";
  meter.begin(whole);
  WindowRecorder windows(meter, meter.now_s());
  const ChildOutcome outcome = child_run_windows(spec, windows);
  const EnergyWindow whole_w = meter.end(whole);
  windows_log_write(logs + ".windows.jsonl", windows);
  out.problems = windows.problems();
  if (windows.problems_total() > windows.problems().size())
    out.problems.push_back(fmt::format("{} more window protocol problems",
                                       windows.problems_total() - windows.problems().size()));
  phases_fill(windows, out);
  const bool ok = outcome.exit_code == 0 && !outcome.timed_out && !outcome.stopped;
  if (out.phases.empty() && ok) {  // no phase windows: the whole run is one train phase
    CommandPhase ph;
    ph.epoch = 1;
    ph.energy = whole_w;
    ph.result.phase = "train";
    ph.result.loss = ph.result.accuracy = kNaN;
    out.phases.push_back(ph);
  }
  if (outcome.stopped) {
    out.status = "interrupted";
  } else if (!ok) {
    out.status = "failed";
    out.error = child_outcome_text(outcome, spec.timeout_s);
    const std::string last = log_last_line(spec.stderr_path);
    if (!last.empty()) out.error += fmt::format("; stderr ends: {}", last);
    out.error += fmt::format(" (logs/{}.stderr)", plan.run_id);
  }
  return out;
}

}  // namespace greenbench
