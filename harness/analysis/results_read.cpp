// The results reader: parses runs.jsonl (preferred: it holds every key of every run, while
// runs.csv keeps the header of its first writer), falling back to runs.csv; epochs.csv;
// meta.json. Malformed input is an InputError with file:line:column. Not a writer.
#include "analysis/results_read.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "greenbench/errors.hpp"

namespace greenbench::analysis {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> lines_read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw InputError("cannot read " + path, path, 0, 0, "check the folder and its permissions");
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    lines.push_back(l);
  }
  return lines;
}

bool number_parse(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

std::vector<nlohmann::json> runs_from_jsonl(const std::string& path) {
  std::vector<nlohmann::json> runs;
  const auto lines = lines_read(path);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_not_of(" \t") == std::string::npos) continue;
    try {
      auto j = nlohmann::json::parse(lines[i]);
      if (!j.is_object() || !j.contains("run_id"))
        throw InputError("expected a JSON object with a run_id", path, int(i + 1), 1,
                         "runs.jsonl holds one run object per line (SPEC §4)");
      runs.push_back(std::move(j));
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(fmt::format("not valid JSON: {}", e.what()), path, int(i + 1), int(e.byte),
                       "repair or remove the line (greenbench run --resume drops torn lines)");
    }
  }
  return runs;
}

std::vector<nlohmann::json> runs_from_csv(const std::string& path) {
  std::vector<nlohmann::json> runs;
  const auto lines = lines_read(path);
  if (lines.empty()) return runs;
  const auto header = csv_cells(lines[0], path, 1);
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    const auto cells = csv_cells(lines[i], path, int(i + 1));
    if (cells.size() != header.size())
      throw InputError(
          fmt::format("expected {} cells as in the header, found {}", header.size(), cells.size()),
          path, int(i + 1), 1, "repair or remove the row");
    nlohmann::json row = nlohmann::json::object();
    for (size_t c = 0; c < cells.size(); ++c) row[header[c]] = csv_value(header[c], cells[c]);
    runs.push_back(std::move(row));
  }
  return runs;
}

std::vector<EpochRow> epochs_read(const std::string& path) {
  std::vector<EpochRow> rows;
  const auto lines = lines_read(path);
  if (lines.empty()) return rows;
  const auto header = csv_cells(lines[0], path, 1);
  auto col = [&](const char* name) {
    for (size_t c = 0; c < header.size(); ++c)
      if (header[c] == name) return int(c);
    return -1;
  };
  const int c_run = col("run_id"), c_epoch = col("epoch"), c_phase = col("phase"),
            c_s = col("seconds"), c_e = col("energy_j"), c_n = col("samples"), c_loss = col("loss"),
            c_acc = col("accuracy"), c_tok = col("tokens");
  for (const auto& [c, name] :
       {std::pair{c_run, "run_id"}, {c_epoch, "epoch"}, {c_phase, "phase"}, {c_e, "energy_j"}})
    if (c < 0)
      throw InputError(
          fmt::format("the header lacks the column '{}'", name), path, 1, 1,
          "epochs.csv columns: run_id, epoch, phase, seconds, energy_j, samples, loss, accuracy");
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    std::vector<int> starts;
    const auto cells = csv_cells(lines[i], path, int(i + 1), &starts);
    if (cells.size() != header.size())
      throw InputError(
          fmt::format("expected {} cells as in the header, found {}", header.size(), cells.size()),
          path, int(i + 1), 1, "repair or remove the row");
    auto num = [&](int c, bool required) {
      if (c < 0 || cells[c].empty()) {
        if (required)
          throw InputError(fmt::format("column '{}' is empty; expected a number", header[c]), path,
                           int(i + 1), starts[c], "repair or remove the row");
        return kNaN;
      }
      double v;
      if (!number_parse(cells[c], &v))
        throw InputError(
            fmt::format("column '{}': expected a number, got '{}'", header[c], cells[c]), path,
            int(i + 1), starts[c], "repair or remove the row");
      return v;
    };
    EpochRow r;
    r.run_id = cells[c_run];
    r.epoch = int(num(c_epoch, true));
    r.phase = cells[c_phase];
    r.seconds = num(c_s, false);
    r.energy_j = num(c_e, true);
    const double n = num(c_n, false), tok = num(c_tok, false);
    r.samples = std::isfinite(n) ? int64_t(n) : 0;
    r.loss = num(c_loss, false);
    r.accuracy = num(c_acc, false);
    r.tokens = std::isfinite(tok) ? int64_t(tok) : 0;
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace

std::vector<std::string> csv_cells(const std::string& line, const std::string& file, int line_no,
                                   std::vector<int>* starts) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false, in_quotes = false;
  int start = 1;
  for (size_t i = 0; i <= line.size(); ++i) {
    const char c = i < line.size() ? line[i] : '\0';
    if (in_quotes) {
      if (i == line.size())
        throw InputError("unterminated quoted cell", file, line_no, start,
                         "close the quote or remove the row");
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        cell += c;
      }
      continue;
    }
    if (i == line.size() || c == ',') {
      cells.push_back(cell);
      if (starts) starts->push_back(start);
      cell.clear();
      quoted = false;
      start = int(i) + 2;
    } else if (c == '"' && cell.empty() && !quoted) {
      in_quotes = quoted = true;
    } else {
      cell += c;
    }
  }
  return cells;
}

nlohmann::json csv_value(const std::string& column, const std::string& cell) {
  static const std::set<std::string> text = {"run_id", "config_id",    "workload", "status",
                                             "error",  "meter_source", "phase",    "data_dir"};
  if (text.count(column)) return cell;  // an empty error stays "", as in runs.jsonl
  if (cell.empty()) return nullptr;
  if (cell == "true") return true;
  if (cell == "false") return false;
  double v;
  if (number_parse(cell, &v)) {
    if (std::floor(v) == v && std::fabs(v) < 9e15 && cell.find_first_of(".eE") == std::string::npos)
      return int64_t(v);
    return v;
  }
  if (cell.front() == '[' || cell.front() == '{') {
    auto j = nlohmann::json::parse(cell, nullptr, false);
    if (!j.is_discarded()) return j;
  }
  return cell;
}

double field_number(const nlohmann::json& row, const std::string& key) {
  auto it = row.find(key);
  if (it == row.end() || !it->is_number()) return kNaN;
  return it->get<double>();
}

std::string field_text(const nlohmann::json& row, const std::string& key) {
  auto it = row.find(key);
  if (it == row.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

ResultsFolder results_read(const std::string& dir) {
  ResultsFolder f;
  f.dir = dir;
  if (!fs::is_directory(dir))
    throw InputError("no such results folder", dir, 0, 0,
                     "pass a folder written by `greenbench run`");
  const std::string jsonl = dir + "/runs.jsonl", csv = dir + "/runs.csv";
  if (fs::exists(jsonl) && fs::file_size(jsonl) > 0) {
    f.runs_file = jsonl;
    f.runs = runs_from_jsonl(jsonl);
  } else if (fs::exists(csv)) {
    f.runs_file = csv;
    f.runs = runs_from_csv(csv);
  } else {
    throw InputError("the folder holds neither runs.jsonl nor runs.csv", dir, 0, 0,
                     "pass a folder written by `greenbench run` (SPEC §4)");
  }
  if (f.runs.empty())
    throw InputError("the folder holds no runs yet", f.runs_file, 0, 0,
                     "run `greenbench run` into it first");
  if (fs::exists(dir + "/epochs.csv")) f.epochs = epochs_read(dir + "/epochs.csv");
  if (fs::exists(dir + "/meta.json")) {
    std::ifstream in(dir + "/meta.json");
    try {
      f.meta = nlohmann::json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(fmt::format("not valid JSON: {}", e.what()), dir + "/meta.json", 0, 0,
                       "repair meta.json or remove it (the analysis does not need it)");
    }
  }
  std::set<std::string> seen;
  for (const auto& r : f.runs) {
    const std::string s = field_text(r, "meter_source");
    if (!s.empty() && seen.insert(s).second) f.meter_sources.push_back(s);
    auto it = r.find("estimated");
    if (it != r.end() && it->is_boolean() && it->get<bool>()) f.estimated = true;
    if (s.find("estimate") != std::string::npos) f.estimated = true;
  }
  return f;
}

}  // namespace greenbench::analysis
