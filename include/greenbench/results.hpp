// The results' contract (SPEC §4): one RunRecord per run (configuration x repeat), one
// EpochRow per run, epoch and metered phase, and the writer that appends them durably to
// runs.csv, runs.jsonl and epochs.csv. Not the runner (harness/runner.cpp) nor the analysis.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace greenbench {

inline constexpr int kResultsSchemaVersion = 1;
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct EpochRow {
  std::string run_id;
  int epoch = 0;          // 1-based
  std::string phase;      // "train", "infer", "prefill", "decode"
  double seconds = 0;
  double energy_j = 0;
  int64_t samples = 0;
  double loss = kNaN;     // nats
  double accuracy = kNaN; // fraction
  int64_t tokens = 0;     // lm phases
  double energy_model_j = kNaN;  // the estimate model over the same window (results/README.md)
};

struct RunRecord {
  std::string run_id, config_id;
  int repeat = 0;
  std::string workload;
  std::string status = "ok";  // ok | diverged | failed | no_energy | interrupted
  std::string error;
  nlohmann::json config;      // every workload key of the run (written one column each)
  int64_t params = 0, macs_per_sample = 0;
  int64_t train_samples = 0;  // per epoch
  int64_t test_samples = 0;   // per inference pass
  double train_s = 0, infer_s = 0;
  double energy_train_j = 0, energy_infer_j = 0, energy_j = 0, energy_dynamic_j = 0;
  double idle_power_w = kNaN, avg_power_w = kNaN;
  double energy_per_train_sample_j = kNaN, energy_per_infer_sample_j = kNaN, energy_per_token_j = kNaN;
  double final_train_loss = kNaN, test_loss = kNaN, test_accuracy = kNaN;
  double co2_g = kNaN;
  std::string meter_source;
  bool estimated = false;
  double energy_model_j = kNaN;       // the estimate model over the same windows
  std::vector<std::string> warnings;  // the meter's flags on this run's windows, deduplicated

  // The warnings as one cell: "; "-joined, "" when none.
  std::string warnings_text() const {
    std::string out;
    for (const auto& w : warnings) out += (out.empty() ? "" : "; ") + w;
    return out;
  }
  double macs_param() const { return params > 0 ? double(macs_per_sample) / double(params) : kNaN; }
  nlohmann::json to_json() const;
};

// The fixed columns of runs.csv around the workload keys, in SPEC order.
const std::vector<std::string>& runs_columns_before_keys();  // run_id ... error
const std::vector<std::string>& runs_columns_after_keys();   // params ... estimated
const std::vector<std::string>& epochs_columns();

// Appends rows to a results folder. Each row is written whole, flushed and fsynced as its run
// ends, epochs before the run's row, so a crash loses at most the run in flight. Opening
// repairs what a crash can leave: a half-written last line, epoch rows of a run that has no
// run row, and rows of interrupted runs (which --resume runs again).
class ResultsWriter {
 public:
  // Opens `dir` (created if missing). `key_columns` are the workload keys, written between the
  // fixed columns; an existing runs.csv keeps its own header (keys it lacks are appended to
  // the JSONL only). With resume=false an existing non-empty runs.csv is an error, so nothing
  // is overwritten. Throws InputError when the folder cannot be written.
  ResultsWriter(const std::string& dir, std::vector<std::string> key_columns, bool resume);
  ~ResultsWriter();

  // Run ids with a finished row (ok, diverged or failed) already in the folder.
  const std::set<std::string>& finished() const { return finished_; }
  // Appends the run's epoch rows, then its run row; fsyncs both files.
  void run_append(const RunRecord& run, const std::vector<EpochRow>& epochs);
  const std::string& dir() const { return dir_; }

 private:
  struct Files;
  std::string dir_;
  std::vector<std::string> header_;
  std::set<std::string> finished_;
  std::unique_ptr<Files> files_;
};

// Writes `text` to `path` atomically (temp file in the same folder, fsync, rename).
void file_write_atomic(const std::string& path, const std::string& text);

}  // namespace greenbench
