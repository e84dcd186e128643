// The results' contract (results/README.md): one RunRecord per run (configuration x repeat),
// one EpochRow per run, epoch and metered phase; the one writer that appends them durably to
// runs.csv, runs.jsonl and epochs.csv while holding the folder's lock; and the one reader that
// merge, analyze, report, estimate and the writer's own --resume repair use, with one set of
// rules. Code: harness/results/. Not the runner (harness/run/runner.cpp) nor the analysis.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace greenbench {

inline constexpr int kResultsSchemaVersion = 1;
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct EpochRow {
  std::string run_id;
  int epoch = 0;      // 1-based
  std::string phase;  // "train", "infer", "prefill", "decode"
  double seconds = 0;
  double energy_j = 0;
  int64_t samples = 0;
  double loss = kNaN;            // nats
  double accuracy = kNaN;        // fraction
  int64_t tokens = 0;            // lm phases
  double energy_model_j = kNaN;  // the estimate model over the same window (results/README.md)
};

struct RunRecord {
  std::string run_id, config_id;
  int repeat = 0;
  std::string workload;
  std::string status = "ok";  // ok | diverged | failed | no_energy | interrupted
  std::string error{};
  nlohmann::json config;  // every workload key of the run (written one column each)
  int64_t params = 0, macs_per_sample = 0;
  int64_t train_samples = 0;  // per epoch
  int64_t test_samples = 0;   // per inference pass
  double train_s = 0, infer_s = 0;
  double energy_train_j = 0, energy_infer_j = 0, energy_j = 0, energy_dynamic_j = 0;
  double idle_power_w = kNaN, avg_power_w = kNaN;
  double energy_per_train_sample_j = kNaN, energy_per_infer_sample_j = kNaN,
         energy_per_token_j = kNaN;
  double final_train_loss = kNaN, test_loss = kNaN, test_accuracy = kNaN;
  double co2_g = kNaN;
  std::string meter_source;
  bool estimated = false;
  double energy_model_j = kNaN;         // the estimate model over the same windows
  std::vector<std::string> warnings{};  // the meter's flags on this run's windows, deduplicated
  // The knobs in force while the run ran ({key: value read back}); null when it set none.
  nlohmann::json knobs = nullptr;
  // target_accuracy (results/README.md): whether the test accuracy reached it (null without a
  // target), and the metered seconds and joules up to the inference pass that reached it.
  nlohmann::json target_reached = nullptr;
  double time_to_accuracy_s = kNaN, energy_to_accuracy_j = kNaN;
  // adapt (results/README.md, "adapt_profile"): the in-run profile of the adapted knob's values
  // and the one chosen; null without adapt.
  nlohmann::json adapt_profile = nullptr;

  // The warnings as one cell: "; "-joined, "" when none.
  std::string warnings_text() const {
    std::string out;
    for (const auto& w : warnings) out += (out.empty() ? "" : "; ") + w;
    return out;
  }
  double macs_param() const { return params > 0 ? double(macs_per_sample) / double(params) : kNaN; }
  nlohmann::json to_json() const;
};

// The fixed columns of runs.csv around the workload keys, in results/README.md's order.
const std::vector<std::string>& runs_columns_before_keys();  // run_id ... error
const std::vector<std::string>& runs_columns_after_keys();   // params ... estimated
const std::vector<std::string>& epochs_columns();

// A CSV file as read: its header and its complete rows (cells as written, unquoted).
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;  // 1-based line of each row, for messages
};

// A results folder as the one reader gives it back (rules: results/README.md, "Reading").
struct ResultsFolder {
  std::string dir;
  nlohmann::json meta;                     // meta.json (an object with schema_version)
  std::vector<nlohmann::json> runs;        // one object per run row: runs.jsonl's rows, then
                                           // rows found only in runs.csv, in file order
  std::vector<std::string> runs_origin;    // "DIR/runs.jsonl:7" for each row, for messages
  std::string runs_file;                   // runs.jsonl, or runs.csv when there is no runs.jsonl
  CsvTable runs_csv;                       // runs.csv as read (empty header if absent)
  CsvTable epochs_csv;                     // epochs.csv as read (empty header if absent)
  std::vector<EpochRow> epochs;            // epochs_csv's rows, typed
  std::vector<std::string> notes;          // what was dropped (torn last lines): print them
  std::vector<std::string> meter_sources;  // distinct meter_source values of the runs
  bool estimated = false;  // any run's energy came from a power model, not a counter
};

// The writer's rule for run ids (they name trace files): 1 to 200 letters, digits, '.', '_',
// '-', not starting with '.'. Every reader refuses any other id.
bool run_id_valid(const std::string& id);

// Reads a results folder. Throws InputError (exit 2) naming file:line:column for anything the
// writer cannot have left: a malformed complete line, a wrong type, a symbolic link inside the
// folder, a missing meta.json, a schema_version other than this build's. A torn last line (what
// a crash leaves) is dropped and named in `notes`.
ResultsFolder results_folder_read(const std::string& dir);

// The power trace of one run of a folder read by results_folder_read: traces/<run_id>.csv's
// text, std::nullopt when absent. A link is refused (InputError).
std::optional<std::string> results_trace_read(const ResultsFolder& folder,
                                              const std::string& run_id);

// A run row's field as a number: NaN when absent, null or not a number (bools are not numbers).
double field_number(const nlohmann::json& row, const std::string& key);
// A run row's field as text: "" when absent or null; non-strings as JSON.
std::string field_text(const nlohmann::json& row, const std::string& key);

// Appends rows to a results folder, holding its lock (DIR/.greenbench.lock, flock) for its
// whole life. Each row is written whole, flushed and fsynced as its run ends, epochs before the
// run's row, so a crash loses at most the run in flight. Opening with resume reads the folder
// with the one reader and repairs what a crash can leave: a torn last line, epoch rows of a run
// that has no run row, rows of interrupted runs (which --resume runs again), a row that one of
// runs.jsonl / runs.csv lacks.
class ResultsWriter {
 public:
  // Opens `dir` (created if missing). `key_columns` are the workload keys, written between the
  // fixed columns; an existing runs.csv keeps its own header (keys it lacks are appended to
  // the JSONL only). Throws InputError (exit 2, before any work) when another process holds the
  // folder (naming its pid and host), when the folder holds runs and resume is false, when it
  // holds files the writer did not write (runs.csv without runs.jsonl), a link, or anything the
  // reader refuses, or when it cannot be written.
  ResultsWriter(const std::string& dir, std::vector<std::string> key_columns, bool resume);
  ~ResultsWriter();

  // Run ids with a finished row (ok, diverged or failed) already in the folder.
  const std::set<std::string>& finished() const { return finished_; }
  // Appends the run's epoch rows, then its run row; fsyncs both files.
  void run_append(const RunRecord& run, const std::vector<EpochRow>& epochs);
  // Writes traces/<run_id>.csv atomically (never through a link, never a partial file).
  void trace_write(const std::string& run_id, const std::string& csv_text);
  const std::string& dir() const { return dir_; }

 private:
  struct Files;
  std::string dir_;
  std::vector<std::string> header_;         // runs.csv's columns (a resumed folder's own)
  std::vector<std::string> epochs_header_;  // epochs.csv's columns (a resumed folder's own)
  std::set<std::string> finished_;
  std::unique_ptr<Files> files_;
};

// Writes `text` to `path` atomically (a new temp file beside it, fsync, rename): a link at
// `path` is replaced, never followed; a failure leaves no partial file. Throws
// std::runtime_error with the errno text.
void file_write_atomic(const std::string& path, const std::string& text);

}  // namespace greenbench
