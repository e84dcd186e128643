// The results writer: durable appends to runs.csv, runs.jsonl and epochs.csv (SPEC §4), and
// the repair a crash or Ctrl-C can make necessary when a folder is opened again with --resume.
// Not the runner, and not the trace or meta.json writers.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"

namespace greenbench {
namespace fs = std::filesystem;

const std::vector<std::string>& runs_columns_before_keys() {
  static const std::vector<std::string> c = {"run_id", "config_id", "repeat", "workload", "status", "error"};
  return c;
}

const std::vector<std::string>& runs_columns_after_keys() {
  static const std::vector<std::string> c = {
      "params", "macs_per_sample", "macs_param", "train_samples", "test_samples", "train_s", "infer_s",
      "energy_train_j", "energy_infer_j", "energy_j", "energy_dynamic_j", "idle_power_w", "avg_power_w",
      "energy_per_train_sample_j", "energy_per_infer_sample_j", "energy_per_token_j", "final_train_loss",
      "test_loss", "test_accuracy", "co2_g", "meter_source", "estimated", "energy_model_j", "warnings"};
  return c;
}

const std::vector<std::string>& epochs_columns() {
  static const std::vector<std::string> c = {"run_id", "epoch", "phase", "seconds", "energy_j",
                                             "samples", "loss", "accuracy", "tokens", "energy_model_j"};
  return c;
}

nlohmann::json RunRecord::to_json() const {
  nlohmann::json j = {{"run_id", run_id}, {"config_id", config_id}, {"repeat", repeat},
                      {"workload", workload}, {"status", status}, {"error", error}};
  for (const auto& [k, v] : config.items())
    if (k != "train_samples" && k != "test_samples") j[k] = v;  // the result columns carry the counts
  j.update({{"params", params}, {"macs_per_sample", macs_per_sample}, {"macs_param", macs_param()},
            {"train_samples", train_samples}, {"test_samples", test_samples}, {"train_s", train_s},
            {"infer_s", infer_s}, {"energy_train_j", energy_train_j}, {"energy_infer_j", energy_infer_j},
            {"energy_j", energy_j}, {"energy_dynamic_j", energy_dynamic_j}, {"idle_power_w", idle_power_w},
            {"avg_power_w", avg_power_w}, {"energy_per_train_sample_j", energy_per_train_sample_j},
            {"energy_per_infer_sample_j", energy_per_infer_sample_j}, {"energy_per_token_j", energy_per_token_j},
            {"final_train_loss", final_train_loss}, {"test_loss", test_loss}, {"test_accuracy", test_accuracy},
            {"co2_g", co2_g}, {"meter_source", meter_source}, {"estimated", estimated},
            {"energy_model_j", energy_model_j}, {"warnings", warnings_text()}});
  return j;
}

namespace {

// One CSV cell (RFC 4180 quoting); NaN and null are empty; lists are JSON. Newlines in text
// become spaces, so every row is one line and a torn row is recognisable.
std::string csv_cell(const nlohmann::json& v) {
  std::string s;
  if (v.is_null()) return "";
  if (v.is_string()) s = v.get<std::string>();
  else if (v.is_boolean()) s = v.get<bool>() ? "true" : "false";
  else if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return "";
    s = fmt::format("{}", d);
  } else s = v.dump();
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  if (s.find_first_of(",\"") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += (c == '"') ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string csv_line(const std::vector<std::string>& columns, const nlohmann::json& row) {
  std::string line;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) line += ',';
    auto it = row.find(columns[i]);
    if (it != row.end()) line += csv_cell(*it);
  }
  return line + "\n";
}

// The first field of a CSV line (run ids are never quoted).
std::string csv_first_field(const std::string& line) { return line.substr(0, line.find(',')); }

// Whole lines of a file; a last line without its newline (a torn write) is dropped.
std::vector<std::string> lines_complete(const std::string& path, bool* torn) {
  std::vector<std::string> lines;
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(text.substr(start, nl - start));
  *torn = start < text.size();
  return lines;
}

int append_fd_open(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw InputError(fmt::format("cannot open {} for writing: {}", path, std::strerror(errno)), path, 0, 0,
                     "choose a writable --out folder");
  return fd;
}

void fd_write_all(int fd, const std::string& text, const std::string& path) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw std::runtime_error(fmt::format("writing {} failed: {} (rows written before are intact; "
                                           "free space and run again with --resume)",
                                           path, std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
}

void fd_sync(int fd, const std::string& path) {
  if (fsync(fd) != 0 && errno != EINVAL)
    throw std::runtime_error(fmt::format("fsync of {} failed: {}", path, std::strerror(errno)));
}

}  // namespace

void file_write_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error(fmt::format("cannot write {}: {}", tmp, std::strerror(errno)));
  try {
    fd_write_all(fd, text, tmp);
    fd_sync(fd, tmp);
  } catch (...) {
    close(fd);
    unlink(tmp.c_str());
    throw;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0)
    throw std::runtime_error(fmt::format("cannot rename {} to {}: {}", tmp, path, std::strerror(errno)));
}

struct ResultsWriter::Files {
  int runs_csv = -1, runs_jsonl = -1, epochs_csv = -1;
  std::string runs_csv_path, runs_jsonl_path, epochs_csv_path;
  ~Files() {
    for (int fd : {runs_csv, runs_jsonl, epochs_csv})
      if (fd >= 0) close(fd);
  }
};

ResultsWriter::ResultsWriter(const std::string& dir, std::vector<std::string> key_columns, bool resume)
    : dir_(dir), files_(std::make_unique<Files>()) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw InputError(fmt::format("cannot create the results folder {}: {}", dir, ec.message()), dir, 0, 0,
                     "choose a writable --out folder");
  if (access(dir.c_str(), W_OK) != 0)
    throw InputError(fmt::format("the results folder {} is not writable", dir), dir, 0, 0,
                     "choose a writable --out folder");
  auto& f = *files_;
  f.runs_csv_path = dir + "/runs.csv";
  f.runs_jsonl_path = dir + "/runs.jsonl";
  f.epochs_csv_path = dir + "/epochs.csv";

  header_ = runs_columns_before_keys();
  for (const auto& k : key_columns)
    if (k != "train_samples" && k != "test_samples") header_.push_back(k);
  for (const auto& c : runs_columns_after_keys()) header_.push_back(c);

  const bool exists = fs::exists(f.runs_jsonl_path) && fs::file_size(f.runs_jsonl_path) > 0;
  if (exists && !resume)
    throw InputError(fmt::format("{} already holds results", dir), dir, 0, 0,
                     "pass --resume to complete it, or choose another --out folder");
  if (exists) {
    // Keep every finished run's rows once; drop torn lines, interrupted runs, and epoch rows of
    // runs that never got a run row. Rewrite only if something was dropped.
    bool torn = false, changed = false;
    std::vector<std::string> jsonl_keep;
    std::map<std::string, nlohmann::json> kept_rows;  // run_id -> its JSONL row
    for (const auto& line : lines_complete(f.runs_jsonl_path, &torn)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("run_id") || j.value("status", "") == "interrupted" ||
          finished_.count(j["run_id"].get<std::string>())) {
        changed = true;
        continue;
      }
      finished_.insert(j["run_id"].get<std::string>());
      kept_rows[j["run_id"].get<std::string>()] = j;
      jsonl_keep.push_back(line);
    }
    changed |= torn;
    auto filter_csv = [&](const std::string& path, bool runs) {
      bool t = false;
      auto lines = lines_complete(path, &t);
      std::string out;
      std::set<std::string> seen;
      bool dropped = t;
      for (size_t i = 0; i < lines.size(); ++i) {
        if (i == 0) {
          if (runs) {  // an existing header wins: its columns are what readers already saw
            header_.clear();
            std::string cell;
            std::istringstream hs(lines[0]);
            while (std::getline(hs, cell, ',')) header_.push_back(cell);
          }
          out += lines[i] + "\n";
          continue;
        }
        const std::string id = csv_first_field(lines[i]);
        if (!finished_.count(id) || (runs && !seen.insert(id).second)) {
          dropped = true;
          continue;
        }
        out += lines[i] + "\n";
      }
      if (runs) {  // a crash between the JSONL and the CSV append: restore the CSV row
        for (const auto& [id, row] : kept_rows) {
          if (seen.count(id)) continue;
          out += csv_line(header_, row);
          dropped = true;
        }
      }
      if (dropped) file_write_atomic(path, out);
    };
    if (changed) {
      std::string text;
      for (const auto& l : jsonl_keep) text += l + "\n";
      file_write_atomic(f.runs_jsonl_path, text);
    }
    if (!fs::exists(f.runs_csv_path)) {  // lost entirely: rebuild it from the JSONL
      std::string h;
      for (size_t i = 0; i < header_.size(); ++i) h += (i ? "," : "") + header_[i];
      file_write_atomic(f.runs_csv_path, h + "\n");
    }
    filter_csv(f.runs_csv_path, true);
    if (fs::exists(f.epochs_csv_path)) filter_csv(f.epochs_csv_path, false);
  }
  const bool new_runs_csv = !fs::exists(f.runs_csv_path) || fs::file_size(f.runs_csv_path) == 0;
  const bool new_epochs_csv = !fs::exists(f.epochs_csv_path) || fs::file_size(f.epochs_csv_path) == 0;
  f.runs_csv = append_fd_open(f.runs_csv_path);
  f.runs_jsonl = append_fd_open(f.runs_jsonl_path);
  f.epochs_csv = append_fd_open(f.epochs_csv_path);
  if (new_runs_csv) {
    std::string h;
    for (size_t i = 0; i < header_.size(); ++i) h += (i ? "," : "") + header_[i];
    fd_write_all(f.runs_csv, h + "\n", f.runs_csv_path);
  }
  if (new_epochs_csv) {
    std::string h;
    for (size_t i = 0; i < epochs_columns().size(); ++i) h += (i ? "," : "") + epochs_columns()[i];
    fd_write_all(f.epochs_csv, h + "\n", f.epochs_csv_path);
  }
}

ResultsWriter::~ResultsWriter() = default;

namespace {

// Appends `text` whole or not at all: on a failed write (disk full, file-size limit) the file
// is cut back to its length before, so no torn line is left behind, then the error is thrown.
void fd_append_whole(int fd, const std::string& text, const std::string& path) {
  struct stat st {};
  const bool sized = fstat(fd, &st) == 0;
  try {
    fd_write_all(fd, text, path);
    fd_sync(fd, path);
  } catch (...) {
    if (sized && ftruncate(fd, st.st_size) == 0) fsync(fd);
    throw;
  }
}

}  // namespace

void ResultsWriter::run_append(const RunRecord& run, const std::vector<EpochRow>& epochs) {
  auto& f = *files_;
  std::string epoch_text;
  for (const auto& e : epochs) {
    nlohmann::json row = {{"run_id", e.run_id}, {"epoch", e.epoch},       {"phase", e.phase},
                          {"seconds", e.seconds}, {"energy_j", e.energy_j}, {"samples", e.samples},
                          {"loss", e.loss},       {"accuracy", e.accuracy}, {"tokens", e.tokens},
                          {"energy_model_j", e.energy_model_j}};
    epoch_text += csv_line(epochs_columns(), row);
  }
  fd_append_whole(f.epochs_csv, epoch_text, f.epochs_csv_path);
  const nlohmann::json row = run.to_json();
  fd_append_whole(f.runs_jsonl, row.dump() + "\n", f.runs_jsonl_path);
  fd_append_whole(f.runs_csv, csv_line(header_, row), f.runs_csv_path);
  if (run.status != "interrupted") finished_.insert(run.run_id);
}

}  // namespace greenbench
