// The one results writer (results/README.md): holds the folder's lock, appends durably to
// runs.csv, runs.jsonl and epochs.csv, writes traces, and on --resume repairs what a crash or
// Ctrl-C left, reading the folder with the one reader's rules. Not the runner, and not meta.json.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <tuple>

#include "file_io.hpp"
#include "folder_lock.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "results_csv.hpp"
#include "results_read.hpp"

namespace greenbench {
namespace fs = std::filesystem;

const std::vector<std::string>& runs_columns_before_keys() {
  static const std::vector<std::string> c = {"run_id",   "config_id", "repeat",
                                             "workload", "status",    "error"};
  return c;
}

const std::vector<std::string>& runs_columns_after_keys() {
  static const std::vector<std::string> c = {"params",
                                             "macs_per_sample",
                                             "macs_param",
                                             "train_samples",
                                             "test_samples",
                                             "train_s",
                                             "infer_s",
                                             "energy_train_j",
                                             "energy_infer_j",
                                             "energy_j",
                                             "energy_dynamic_j",
                                             "idle_power_w",
                                             "avg_power_w",
                                             "energy_per_train_sample_j",
                                             "energy_per_infer_sample_j",
                                             "energy_per_token_j",
                                             "final_train_loss",
                                             "test_loss",
                                             "test_accuracy",
                                             "co2_g",
                                             "meter_source",
                                             "estimated",
                                             "energy_model_j",
                                             "warnings",
                                             "knobs",
                                             "target_reached",
                                             "time_to_accuracy_s",
                                             "energy_to_accuracy_j",
                                             "adapt_profile"};
  return c;
}

const std::vector<std::string>& epochs_columns() {
  static const std::vector<std::string> c = {"run_id",   "epoch",         "phase", "seconds",
                                             "energy_j", "samples",       "loss",  "accuracy",
                                             "tokens",   "energy_model_j"};
  return c;
}

nlohmann::json RunRecord::to_json() const {
  nlohmann::json j = {{"run_id", run_id},     {"config_id", config_id}, {"repeat", repeat},
                      {"workload", workload}, {"status", status},       {"error", error}};
  for (const auto& [k, v] : config.items())
    if (k != "train_samples" && k != "test_samples")
      j[k] = v;  // the result columns carry the counts
  j.update({{"params", params},
            {"macs_per_sample", macs_per_sample},
            {"macs_param", macs_param()},
            {"train_samples", train_samples},
            {"test_samples", test_samples},
            {"train_s", train_s},
            {"infer_s", infer_s},
            {"energy_train_j", energy_train_j},
            {"energy_infer_j", energy_infer_j},
            {"energy_j", energy_j},
            {"energy_dynamic_j", energy_dynamic_j},
            {"idle_power_w", idle_power_w},
            {"avg_power_w", avg_power_w},
            {"energy_per_train_sample_j", energy_per_train_sample_j},
            {"energy_per_infer_sample_j", energy_per_infer_sample_j},
            {"energy_per_token_j", energy_per_token_j},
            {"final_train_loss", final_train_loss},
            {"test_loss", test_loss},
            {"test_accuracy", test_accuracy},
            {"co2_g", co2_g},
            {"meter_source", meter_source},
            {"estimated", estimated},
            {"energy_model_j", energy_model_j},
            {"warnings", warnings_text()},
            {"knobs", knobs},
            {"target_reached", target_reached},
            {"time_to_accuracy_s", time_to_accuracy_s},
            {"energy_to_accuracy_j", energy_to_accuracy_j},
            {"adapt_profile", adapt_profile}});
  return j;
}

namespace {

// A row's cells in `columns` order, as one CSV line with its newline (results_csv's quoting;
// newlines in text become spaces, so every row is one line and a torn row is recognisable).
std::string csv_line(const std::vector<std::string>& columns, const nlohmann::json& row) {
  std::vector<std::string> cells;
  cells.reserve(columns.size());
  for (const auto& c : columns) {
    const auto it = row.find(c);
    cells.push_back(it == row.end() ? std::string() : csv_cell_text(*it));
  }
  return csv_join(cells) + "\n";
}

std::string json_line(const nlohmann::json& row) {
  return row.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

const char* const kResumeAdvice =
    "rows written before are intact; free space (or fix the cause) and run again with --resume";

}  // namespace

struct ResultsWriter::Files {
  std::unique_ptr<FolderLock> lock;  // first member: released last
  int runs_csv = -1, runs_jsonl = -1, epochs_csv = -1;
  std::string runs_csv_path, runs_jsonl_path, epochs_csv_path;
  ~Files() {
    for (int fd : {runs_csv, runs_jsonl, epochs_csv})
      if (fd >= 0) close(fd);
  }
};

namespace {

// --resume's repair, with the reader's rules (results/README.md, "Resuming"): keep the first
// finished row of each run (runs.jsonl's, else runs.csv's), drop interrupted runs and epoch
// rows of runs without a kept row (the reader already dropped torn last lines), restore a row
// that runs.jsonl or runs.csv lacks. Rewrites (atomically) only the files that change.
std::set<std::string> folder_repair(const ResultsFolder& folder, const FolderTexts& texts,
                                    std::vector<std::string>* header,
                                    std::vector<std::string>* epochs_header) {
  std::set<std::string> ids;
  std::vector<const nlohmann::json*> kept;
  for (const auto& r : folder.runs) {
    if (field_text(r, "status") == "interrupted") continue;
    if (ids.insert(r.at("run_id").get<std::string>()).second) kept.push_back(&r);
  }
  std::string jsonl;
  for (const auto* r : kept) jsonl += json_line(*r);

  if (!folder.runs_csv.header.empty()) *header = folder.runs_csv.header;  // what readers saw
  std::string csv = csv_join(*header) + "\n";
  std::set<std::string> in_csv;
  for (const auto& row : folder.runs_csv.rows)
    if (ids.count(row[0]) && in_csv.insert(row[0]).second) csv += csv_join(row) + "\n";
  for (const auto* r : kept)  // a crash between the JSONL and the CSV append
    if (!in_csv.count(r->at("run_id").get<std::string>())) csv += csv_line(*header, *r);

  // A folder written by an earlier version keeps its own columns: new rows are written in them.
  if (!folder.epochs_csv.header.empty()) *epochs_header = folder.epochs_csv.header;
  std::string epochs = csv_join(*epochs_header) + "\n";
  for (const auto& row : folder.epochs_csv.rows)
    if (ids.count(row[0])) epochs += csv_join(row) + "\n";

  const std::string& dir = folder.dir;
  for (const auto& [name, text, old] : {std::tuple{"/runs.jsonl", &jsonl, &texts.runs_jsonl},
                                        std::tuple{"/runs.csv", &csv, &texts.runs_csv},
                                        std::tuple{"/epochs.csv", &epochs, &texts.epochs_csv}})
    if (!*old || **old != *text) file_write_atomic(dir + name, *text);
  return ids;
}

}  // namespace

ResultsWriter::ResultsWriter(const std::string& dir, std::vector<std::string> key_columns,
                             bool resume)
    : dir_(dir), files_(std::make_unique<Files>()) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw InputError(fmt::format("cannot create the results folder: {}", ec.message()), dir, 0, 0,
                     "choose a writable --out folder");
  if (access(dir.c_str(), W_OK) != 0)
    throw InputError("the results folder is not writable", dir, 0, 0,
                     "choose a writable --out folder");
  auto& f = *files_;
  f.lock = std::make_unique<FolderLock>(dir, "greenbench run");  // exit 2 if another writer
  if (!f.lock->previous().empty())
    std::fprintf(stderr,
                 "greenbench run: note: the folder's last writer stopped without finishing (%s); "
                 "its lock is taken over\n",
                 f.lock->previous().c_str());
  f.runs_csv_path = dir + "/runs.csv";
  f.runs_jsonl_path = dir + "/runs.jsonl";
  f.epochs_csv_path = dir + "/epochs.csv";

  header_ = runs_columns_before_keys();
  for (const auto& k : key_columns)
    if (k != "train_samples" && k != "test_samples") header_.push_back(k);
  for (const auto& c : runs_columns_after_keys()) header_.push_back(c);
  epochs_header_ = epochs_columns();

  // What is there, read with the reader's rules (links and damage are exit 2 here).
  const FolderTexts texts = results_folder_texts(dir);
  const bool any = texts.runs_jsonl || texts.runs_csv || texts.epochs_csv;
  if (any && !texts.runs_jsonl)
    throw InputError(
        fmt::format("the folder holds {} but no runs.jsonl: files greenbench run did not write "
                    "(it writes runs.jsonl, runs.csv and epochs.csv together)",
                    texts.runs_csv ? "runs.csv" : "epochs.csv"),
        dir, 0, 0, "choose another --out folder, or move runs.csv and epochs.csv out of this one");
  bool fresh = true;
  if (any) {
    const ResultsFolder folder = results_folder_parse(dir, texts, /*meta_optional=*/true);
    for (const auto& note : folder.notes)
      std::fprintf(stderr, "greenbench run: note: %s\n", note.c_str());
    if (!folder.runs.empty() && !resume)
      throw InputError("the results folder already holds results", dir, 0, 0,
                       "pass --resume to complete it, or choose another --out folder");
    if (!folder.runs.empty()) {
      finished_ = folder_repair(folder, texts, &header_, &epochs_header_);
      fresh = false;
    }
  }
  if (fresh) {  // no run yet (or a first writer that died before its first row): start afresh
    file_write_atomic(f.runs_jsonl_path, "");
    file_write_atomic(f.runs_csv_path, csv_join(header_) + "\n");
    file_write_atomic(f.epochs_csv_path, csv_join(epochs_header_) + "\n");
  }
  fs::create_directory(dir + "/traces", ec);
  if (!fs::is_directory(dir + "/traces") || path_is_link(dir + "/traces"))
    throw InputError("cannot create the traces folder", dir + "/traces", 0, 0,
                     "choose a writable --out folder");
  f.runs_csv = file_append_open(f.runs_csv_path);
  f.runs_jsonl = file_append_open(f.runs_jsonl_path);
  f.epochs_csv = file_append_open(f.epochs_csv_path);
}

ResultsWriter::~ResultsWriter() = default;

void ResultsWriter::run_append(const RunRecord& run, const std::vector<EpochRow>& epochs) {
  auto& f = *files_;
  std::string epoch_text;
  for (const auto& e : epochs) {
    nlohmann::json row = {{"run_id", e.run_id},     {"epoch", e.epoch},
                          {"phase", e.phase},       {"seconds", e.seconds},
                          {"energy_j", e.energy_j}, {"samples", e.samples},
                          {"loss", e.loss},         {"accuracy", e.accuracy},
                          {"tokens", e.tokens},     {"energy_model_j", e.energy_model_j}};
    epoch_text += csv_line(epochs_header_, row);
  }
  const nlohmann::json row = run.to_json();
  try {
    fd_append_whole(f.epochs_csv, epoch_text, f.epochs_csv_path);
    fd_append_whole(f.runs_jsonl, json_line(row), f.runs_jsonl_path);
    fd_append_whole(f.runs_csv, csv_line(header_, row), f.runs_csv_path);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{} ({})", e.what(), kResumeAdvice));
  }
  if (run.status != "interrupted") finished_.insert(run.run_id);
}

void ResultsWriter::trace_write(const std::string& run_id, const std::string& csv_text) {
  if (!run_id_valid(run_id)) throw std::logic_error("trace_write: invalid run id " + run_id);
  try {
    file_write_atomic(dir_ + "/traces/" + run_id + ".csv", csv_text);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{} ({})", e.what(), kResumeAdvice));
  }
}

}  // namespace greenbench
