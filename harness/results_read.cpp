// Reading results folders back for merge: torn last lines dropped with a note (as the writer's
// --resume repair does), anything else malformed an InputError with file:line:column.
// Not the writer (results_writer.cpp) and not the merge rules (results_merge.cpp).
#include "results_read.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "greenbench/errors.hpp"
#include "results_csv.hpp"
#include "set_args.hpp"  // utf8_invalid_at

namespace greenbench {
namespace {

namespace fs = std::filesystem;

const char* const kFixRepair =
    "the folder was damaged after it was written; restore the file, or delete that line and merge "
    "again";

// Run ids name trace files: letters, digits, '.', '_', '-', not starting with '.'.
bool run_id_valid(const std::string& id) {
  if (id.empty() || id.size() > 200 || id[0] == '.') return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

std::string torn_note(const std::string& path, size_t line, size_t bytes) {
  return fmt::format(
      "{}:{}: dropped a half-written last line ({} bytes without a newline: a run that was in "
      "flight when the writer stopped)",
      path, line, bytes);
}

// Line and column (1-based) of byte `offset` in `text`.
std::pair<int, int> line_column_of(const std::string& text, size_t offset) {
  int line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

std::optional<std::string> file_read_optional(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  if (!fs::is_regular_file(path, ec))
    throw InputError("not a regular file", path, 0, 0, "a results folder holds plain files");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read the file", path, 0, 0, "check its permissions");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    throw InputError("read error", path, 0, 0, "check the disk and the file's permissions");
  return ss.str();
}

}  // namespace

std::vector<std::string> text_lines(const std::string& text, std::string* torn) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(text.substr(start, nl - start));
  torn->assign(text, start, std::string::npos);
  return lines;
}

CsvTable csv_table_parse(const std::string& text, const std::string& path,
                         std::vector<std::string>* notes) {
  CsvTable t;
  std::string torn;
  const auto lines = text_lines(text, &torn);
  if (!torn.empty()) notes->push_back(torn_note(path, lines.size() + 1, torn.size()));
  std::vector<std::string> cells;
  for (size_t i = 0; i < lines.size(); ++i) {
    const int line_no = static_cast<int>(i) + 1;
    // The writer's rows went through JSON, which holds only UTF-8: other bytes are damage
    // (and could not be carried into the merged runs.jsonl unchanged).
    if (const size_t at = utf8_invalid_at(lines[i]); at != std::string::npos)
      throw InputError("bytes that are not UTF-8 text", path, line_no, static_cast<int>(at) + 1,
                       kFixRepair);
    int bad = 0;
    if (!csv_split(lines[i], &cells, &bad))
      throw InputError(
          "bad CSV quoting (a quoted cell is not closed, or text follows its closing quote)", path,
          line_no, bad, kFixRepair);
    if (i == 0) {
      std::set<std::string> seen;
      for (const auto& c : cells) {
        bool control = false;  // a control character could not be carried into runs.jsonl
        for (char ch : c) control = control || static_cast<unsigned char>(ch) < 0x20;
        if (c.empty() || control || !seen.insert(c).second)
          throw InputError(fmt::format("bad header: column name {} is {}", nlohmann::json(c).dump(),
                                       c.empty() ? "empty" : control ? "holding control characters" : "repeated"),
                           path, 1, 0, kFixRepair);
      }
      if (cells.empty() || cells[0] != "run_id")
        throw InputError("bad header: the first column is not run_id", path, 1, 1, kFixRepair);
      t.header = cells;
      continue;
    }
    if (cells.size() != t.header.size())
      throw InputError(
          fmt::format("{} cells, but the header has {} columns", cells.size(), t.header.size()),
          path, line_no, 1, kFixRepair);
    if (!run_id_valid(cells[0]))
      throw InputError(fmt::format("bad run_id '{}' (letters, digits, '.', '_', '-')", cells[0]),
                       path, line_no, 1, kFixRepair);
    t.rows.push_back(cells);
    t.row_lines.push_back(line_no);
  }
  return t;
}

std::vector<nlohmann::json> runs_jsonl_parse(const std::string& text, const std::string& path,
                                             std::vector<std::string>* origins,
                                             std::vector<std::string>* notes) {
  std::vector<nlohmann::json> rows;
  std::string torn;
  const auto lines = text_lines(text, &torn);
  if (!torn.empty()) notes->push_back(torn_note(path, lines.size() + 1, torn.size()));
  for (size_t i = 0; i < lines.size(); ++i) {
    const int line_no = static_cast<int>(i) + 1;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(lines[i]);
    } catch (const nlohmann::json::parse_error& e) {
      throw InputError(fmt::format("not a JSON object: {}", e.what()), path, line_no,
                       static_cast<int>(std::min<size_t>(e.byte, lines[i].size() + 1)), kFixRepair);
    }
    if (!j.is_object()) throw InputError("not a JSON object", path, line_no, 1, kFixRepair);
    // Field names become runs.csv columns: an empty name or a control character (a newline)
    // would make a header merge cannot read back (found by tests/fuzz/results_folder_fuzz.cpp).
    for (const auto& [key, value] : j.items()) {
      bool control = key.empty();
      for (char c : key) control = control || static_cast<unsigned char>(c) < 0x20;
      if (control)
        throw InputError(fmt::format("field name {} is empty or holds control characters",
                                     nlohmann::json(key).dump()),
                         path, line_no, 1, kFixRepair);
    }
    auto id = j.find("run_id");
    if (id == j.end() || !id->is_string() || !run_id_valid(id->get<std::string>()))
      throw InputError("no valid run_id (a string of letters, digits, '.', '_', '-')", path,
                       line_no, 1, kFixRepair);
    rows.push_back(std::move(j));
    origins->push_back(fmt::format("{}:{}", path, line_no));
  }
  return rows;
}

ResultsFolder results_folder_parse(const std::string& dir, const std::string& meta_text,
                                   const std::optional<std::string>& runs_jsonl,
                                   const std::optional<std::string>& runs_csv,
                                   const std::optional<std::string>& epochs_csv) {
  ResultsFolder f;
  f.dir = dir;
  const std::string meta_path = dir + "/meta.json";
  try {
    f.meta = nlohmann::json::parse(meta_text);
  } catch (const nlohmann::json::parse_error& e) {
    const auto [line, column] = line_column_of(meta_text, e.byte > 0 ? e.byte - 1 : 0);
    throw InputError(fmt::format("not valid JSON: {}", e.what()), meta_path, line, column,
                     kFixRepair);
  }
  if (!f.meta.is_object()) throw InputError("not a JSON object", meta_path, 1, 1, kFixRepair);

  std::set<std::string> ids;
  if (runs_jsonl) {
    f.runs = runs_jsonl_parse(*runs_jsonl, dir + "/runs.jsonl", &f.runs_origin, &f.notes);
    for (const auto& r : f.runs) ids.insert(r["run_id"].get<std::string>());
  }
  if (runs_csv) {
    f.runs_csv = csv_table_parse(*runs_csv, dir + "/runs.csv", &f.notes);
    // A row the CSV has and the JSONL lacks (a hand-made folder, or a lost runs.jsonl): take it.
    for (size_t r = 0; r < f.runs_csv.rows.size(); ++r) {
      const auto& cells = f.runs_csv.rows[r];
      if (ids.count(cells[0])) continue;
      nlohmann::json row = nlohmann::json::object();
      for (size_t c = 0; c < cells.size(); ++c) {
        const std::string& col = f.runs_csv.header[c];
        const bool text = col == "run_id" || col == "config_id" || col == "workload" ||
                          col == "status" || col == "error" || col == "meter_source";
        row[col] = text ? nlohmann::json(cells[c]) : csv_cell_value(cells[c]);
      }
      ids.insert(cells[0]);
      f.runs.push_back(std::move(row));
      f.runs_origin.push_back(fmt::format("{}/runs.csv:{}", dir, f.runs_csv.row_lines[r]));
      if (runs_jsonl)
        f.notes.push_back(
            fmt::format("{}/runs.csv:{}: run {} has no row in runs.jsonl; taken from runs.csv", dir,
                        f.runs_csv.row_lines[r], cells[0]));
    }
  }
  if (epochs_csv) f.epochs = csv_table_parse(*epochs_csv, dir + "/epochs.csv", &f.notes);
  return f;
}

ResultsFolder results_folder_read(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError("not a folder", dir, 0, 0, "give result folders written by greenbench run");
  const auto meta = file_read_optional(dir + "/meta.json");
  if (!meta)
    throw InputError("not a results folder: it has no meta.json", dir, 0, 0,
                     "give result folders written by greenbench run");
  return results_folder_parse(dir, *meta, file_read_optional(dir + "/runs.jsonl"),
                              file_read_optional(dir + "/runs.csv"),
                              file_read_optional(dir + "/epochs.csv"));
}

}  // namespace greenbench
