// The one results reader (results/README.md, "Reading"): meta.json, runs.jsonl, runs.csv,
// epochs.csv and traces/, with one set of rules for merge, analyze, report, estimate and the
// writer's --resume repair. A torn last line (what a crash leaves) is dropped with a note;
// anything else the writer cannot have left is an InputError naming file:line:column.
// Not the writer (results_writer.cpp) and not the merge rules (results_merge.cpp).
#include "results_read.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <set>

#include "file_io.hpp"
#include "greenbench/errors.hpp"
#include "results_csv.hpp"
#include "utf8.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

const char* const kFixRepair =
    "the folder was damaged after greenbench wrote it: restore the file, or repair or delete "
    "that line (results/README.md, \"Reading\")";

// The writer's types of the fixed run fields (results/README.md, "Columns"); other fields
// (workload keys, columns of later versions) are not checked. null is a missing value.
enum class FieldType { kText, kInteger, kNumber, kBool };
const std::vector<std::pair<std::string, FieldType>>& field_types() {
  static const std::vector<std::pair<std::string, FieldType>> t = [] {
    std::vector<std::pair<std::string, FieldType>> v;
    for (const char* k :
         {"run_id", "config_id", "workload", "status", "error", "meter_source", "warnings"})
      v.emplace_back(k, FieldType::kText);
    for (const char* k : {"repeat", "params", "macs_per_sample", "train_samples", "test_samples"})
      v.emplace_back(k, FieldType::kInteger);
    for (const char* k :
         {"macs_param", "train_s", "infer_s", "energy_train_j", "energy_infer_j", "energy_j",
          "energy_dynamic_j", "idle_power_w", "avg_power_w", "energy_per_train_sample_j",
          "energy_per_infer_sample_j", "energy_per_token_j", "final_train_loss", "test_loss",
          "test_accuracy", "co2_g", "energy_model_j"})
      v.emplace_back(k, FieldType::kNumber);
    v.emplace_back("estimated", FieldType::kBool);
    return v;
  }();
  return t;
}

// runs.csv columns whose cells stay text even when they look like JSON (a numeric data_dir).
bool column_is_text(const std::string& column) {
  static const std::set<std::string> text = {"run_id",   "config_id", "workload",
                                             "status",   "error",     "meter_source",
                                             "data_dir", "phase",     "warnings"};
  return text.count(column) > 0;
}

const char* type_name(FieldType t) {
  static constexpr const char* kNames[] = {"text", "an integer", "a number", "true or false"};
  static_assert(std::size(kNames) == size_t(FieldType::kBool) + 1);
  return kNames[size_t(t)];
}

// An integer field: JSON does not tell 3 from 3.0 (a writer in another language may write
// either), so any number without a fraction.
bool number_is_whole(const nlohmann::json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  const double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

std::string json_short(const nlohmann::json& v) {
  std::string s = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return s.size() > 40 ? s.substr(0, 37) + "..." : s;
}

// Checks a run row's run_id and the types of its fixed fields; `column(k)` gives the 1-based
// column of field k for the message (0: unknown).
template <typename Column>
void run_row_check(const nlohmann::json& row, const std::string& path, int line, Column column) {
  const auto id = row.find("run_id");
  if (id == row.end() || !id->is_string() || !run_id_valid(id->get<std::string>()))
    throw InputError(
        fmt::format("run_id {} is not a valid run id (1 to 200 letters, digits, '.', '_', '-', "
                    "not starting with '.')",
                    id == row.end() ? std::string("(missing)") : json_short(*id)),
        path, line, column("run_id"), kFixRepair);
  for (const auto& [key, type] : field_types()) {
    const auto it = row.find(key);
    if (it == row.end() || (it->is_null() && key != "status")) continue;
    const bool ok = type == FieldType::kText      ? it->is_string()
                    : type == FieldType::kInteger ? number_is_whole(*it)
                    : type == FieldType::kNumber  ? it->is_number()
                                                  : it->is_boolean();
    if (!ok)
      throw InputError(
          fmt::format("field {} is {}; expected {}", key, json_short(*it), type_name(type)), path,
          line, column(key), kFixRepair);
  }
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

// 1-based column where each cell of a valid CSV line starts.
std::vector<int> cell_starts(const std::string& line) {
  std::vector<int> starts = {1};
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '"') quoted = !quoted;
    if (line[i] == ',' && !quoted) starts.push_back(static_cast<int>(i) + 2);
  }
  return starts;
}

void meta_check(const nlohmann::json& meta, const std::string& text, const std::string& path) {
  if (!meta.is_object()) throw InputError("not a JSON object", path, 1, 1, kFixRepair);
  const size_t at = text.find("\"schema_version\"");
  const auto [line, column] = line_column_of(text, at == std::string::npos ? 0 : at);
  const auto v = meta.find("schema_version");
  if (v == meta.end())
    throw InputError("no schema_version", path, 0, 0,
                     "a results folder's meta.json says which version of the format it holds; "
                     "give a folder written by greenbench run");
  if (!v->is_number_integer() || v->get<int64_t>() != kResultsSchemaVersion)
    throw InputError(
        fmt::format("schema_version {} is not one this build reads (it reads {})", json_short(*v),
                    kResultsSchemaVersion),
        path, line, column,
        v->is_number_integer() && v->get<int64_t>() > kResultsSchemaVersion
            ? "the folder was written by a newer greenbench: read it with that version"
            : "the folder was not written by this greenbench: rerun the grid into a new folder");
}

}  // namespace

bool run_id_valid(const std::string& id) {
  if (id.empty() || id.size() > 200 || id[0] == '.') return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

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
    // (and could not be carried into a merged runs.jsonl unchanged).
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
                                       c.empty() ? "empty"
                                       : control ? "holding control characters"
                                                 : "repeated"),
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
      throw InputError(
          fmt::format("run_id {} is not a valid run id (1 to 200 letters, digits, '.', '_', "
                      "'-', not starting with '.')",
                      nlohmann::json(cells[0]).dump()),
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
    run_row_check(j, path, line_no, [](const std::string&) { return 1; });
    rows.push_back(std::move(j));
    origins->push_back(fmt::format("{}:{}", path, line_no));
  }
  return rows;
}

namespace {

// runs.csv's rows as JSON objects (typed cells), checked like runs.jsonl's.
std::vector<nlohmann::json> runs_csv_rows(const CsvTable& t, const std::string& text,
                                          const std::string& path) {
  std::string torn;
  const auto lines = text_lines(text, &torn);
  std::vector<nlohmann::json> rows;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& cells = t.rows[r];
    nlohmann::json row = nlohmann::json::object();
    for (size_t c = 0; c < cells.size(); ++c) {
      const std::string& col = t.header[c];
      row[col] = column_is_text(col) ? nlohmann::json(cells[c]) : csv_cell_value(cells[c]);
    }
    const int line = t.row_lines[r];
    const auto starts = cell_starts(lines[static_cast<size_t>(line) - 1]);
    run_row_check(row, path, line, [&](const std::string& key) {
      for (size_t c = 0; c < t.header.size(); ++c)
        if (t.header[c] == key && c < starts.size()) return starts[c];
      return 0;
    });
    rows.push_back(std::move(row));
  }
  return rows;
}

// epochs.csv's rows, typed: run_id, epoch (an integer), phase and energy_j are required;
// seconds, samples, loss, accuracy and tokens are numbers or empty; other columns are ignored.
std::vector<EpochRow> epochs_typed(const CsvTable& t, const std::string& text,
                                   const std::string& path) {
  std::vector<EpochRow> rows;
  if (t.header.empty()) return rows;
  auto col = [&](const char* name) {
    for (size_t c = 0; c < t.header.size(); ++c)
      if (t.header[c] == name) return static_cast<int>(c);
    return -1;
  };
  const int c_epoch = col("epoch"), c_phase = col("phase"), c_s = col("seconds"),
            c_e = col("energy_j"), c_n = col("samples"), c_loss = col("loss"),
            c_acc = col("accuracy"), c_tok = col("tokens");
  for (const auto& [c, name] : {std::pair{c_epoch, "epoch"}, {c_phase, "phase"}, {c_e, "energy_j"}})
    if (c < 0)
      throw InputError(
          fmt::format("the header lacks the column '{}'", name), path, 1, 1,
          "epochs.csv columns: run_id, epoch, phase, seconds, energy_j, samples, loss, accuracy, "
          "tokens (results/README.md)");
  std::string torn;
  const auto lines = text_lines(text, &torn);
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& cells = t.rows[r];
    const int line = t.row_lines[r];
    const auto starts = cell_starts(lines[static_cast<size_t>(line) - 1]);
    auto num = [&](int c, bool required, bool integer) {
      if (c < 0) return kNaN;
      const nlohmann::json v = csv_cell_value(cells[static_cast<size_t>(c)]);
      if (v.is_null() && !required) return kNaN;
      if (!v.is_number() || (integer && !number_is_whole(v)))
        throw InputError(fmt::format("column '{}': expected {}, got '{}'", t.header[c],
                                     integer ? "an integer" : "a number", cells[c]),
                         path, line, starts[static_cast<size_t>(c)], kFixRepair);
      return v.get<double>();
    };
    EpochRow e;
    e.run_id = cells[0];
    e.epoch = static_cast<int>(num(c_epoch, true, true));
    e.phase = cells[static_cast<size_t>(c_phase)];
    if (e.phase.empty())
      throw InputError("column 'phase' is empty", path, line, starts[static_cast<size_t>(c_phase)],
                       kFixRepair);
    e.seconds = num(c_s, false, false);
    e.energy_j = num(c_e, true, false);
    const double n = num(c_n, false, true), tok = num(c_tok, false, true);
    e.samples = std::isfinite(n) ? static_cast<int64_t>(n) : 0;
    e.loss = num(c_loss, false, false);
    e.accuracy = num(c_acc, false, false);
    e.tokens = std::isfinite(tok) ? static_cast<int64_t>(tok) : 0;
    rows.push_back(std::move(e));
  }
  return rows;
}

}  // namespace

ResultsFolder results_folder_parse(const std::string& dir, const FolderTexts& texts,
                                   bool meta_optional) {
  ResultsFolder f;
  f.dir = dir;
  const std::string meta_path = dir + "/meta.json";
  if (texts.meta) {
    try {
      f.meta = nlohmann::json::parse(*texts.meta);
    } catch (const nlohmann::json::parse_error& e) {
      const auto [line, column] = line_column_of(*texts.meta, e.byte > 0 ? e.byte - 1 : 0);
      throw InputError(fmt::format("not valid JSON: {}", e.what()), meta_path, line, column,
                       kFixRepair);
    }
    meta_check(f.meta, *texts.meta, meta_path);
  }

  std::set<std::string> ids;
  if (texts.runs_jsonl) {
    f.runs_file = dir + "/runs.jsonl";
    f.runs = runs_jsonl_parse(*texts.runs_jsonl, f.runs_file, &f.runs_origin, &f.notes);
    for (const auto& r : f.runs) ids.insert(r["run_id"].get<std::string>());
  }
  if (texts.runs_csv) {
    const std::string path = dir + "/runs.csv";
    if (f.runs_file.empty()) f.runs_file = path;
    f.runs_csv = csv_table_parse(*texts.runs_csv, path, &f.notes);
    auto rows = runs_csv_rows(f.runs_csv, *texts.runs_csv, path);
    // A row the CSV has and the JSONL lacks (a hand-made folder, or a lost runs.jsonl): take it.
    for (size_t r = 0; r < rows.size(); ++r) {
      const std::string id = rows[r]["run_id"].get<std::string>();
      if (!ids.insert(id).second) continue;
      f.runs.push_back(std::move(rows[r]));
      f.runs_origin.push_back(fmt::format("{}:{}", path, f.runs_csv.row_lines[r]));
      if (texts.runs_jsonl)
        f.notes.push_back(fmt::format("{}:{}: run {} has no row in runs.jsonl; taken from runs.csv",
                                      path, f.runs_csv.row_lines[r], id));
    }
  }
  if (texts.epochs_csv) {
    const std::string path = dir + "/epochs.csv";
    f.epochs_csv = csv_table_parse(*texts.epochs_csv, path, &f.notes);
    f.epochs = epochs_typed(f.epochs_csv, *texts.epochs_csv, path);
  }
  // Checked after the rows, so that a damaged line is named first wherever it is.
  if (!texts.meta && !meta_optional)
    throw InputError("not a results folder: it has no meta.json", dir, 0, 0,
                     "give a folder written by greenbench run");
  if (!texts.runs_jsonl && !texts.runs_csv && !meta_optional)
    throw InputError("the folder holds neither runs.jsonl nor runs.csv", dir, 0, 0,
                     "give a folder written by greenbench run (results/README.md)");
  std::set<std::string> seen;
  for (const auto& r : f.runs) {
    const std::string s = field_text(r, "meter_source");
    if (!s.empty() && seen.insert(s).second) f.meter_sources.push_back(s);
    const auto it = r.find("estimated");
    if (it != r.end() && it->is_boolean() && it->get<bool>()) f.estimated = true;
    if (s.find("estimate") != std::string::npos) f.estimated = true;
  }
  return f;
}

FolderTexts results_folder_texts(const std::string& dir) {
  const std::string traces = dir + "/traces";
  struct stat st {};
  if (lstat(traces.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode))
      throw InputError("is a symbolic link", traces, 0, 0,
                       "greenbench never reads or writes through a link inside a results folder; "
                       "replace the link with the folder itself, or remove it");
    if (!S_ISDIR(st.st_mode))
      throw InputError("is not a folder", traces, 0, 0,
                       "traces/ holds the runs' power traces; move the file away");
    if (DIR* d = opendir(traces.c_str())) {
      std::string link;
      while (const dirent* e = readdir(d))
        if (link.empty() && path_is_link(traces + "/" + e->d_name)) link = traces + "/" + e->d_name;
      closedir(d);
      if (!link.empty())
        throw InputError("is a symbolic link", link, 0, 0,
                         "greenbench never reads or writes through a link inside a results "
                         "folder; replace the link with the file itself, or remove it");
    }
  }
  FolderTexts t;
  t.meta = file_read_nofollow(dir + "/meta.json");
  t.runs_jsonl = file_read_nofollow(dir + "/runs.jsonl");
  t.runs_csv = file_read_nofollow(dir + "/runs.csv");
  t.epochs_csv = file_read_nofollow(dir + "/epochs.csv");
  return t;
}

ResultsFolder results_folder_read(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw InputError(fs::exists(dir, ec) ? "not a folder" : "no such results folder", dir, 0, 0,
                     "give a folder written by greenbench run");
  return results_folder_parse(dir, results_folder_texts(dir));
}

std::optional<std::string> results_trace_read(const ResultsFolder& folder,
                                              const std::string& run_id) {
  if (!run_id_valid(run_id))
    throw InputError(fmt::format("run_id {} is not a valid run id", nlohmann::json(run_id).dump()),
                     folder.dir, 0, 0, kFixRepair);
  if (path_is_link(folder.dir + "/traces"))
    throw InputError("is a symbolic link", folder.dir + "/traces", 0, 0,
                     "greenbench never reads through a link inside a results folder");
  return file_read_nofollow(folder.dir + "/traces/" + run_id + ".csv");
}

double field_number(const nlohmann::json& row, const std::string& key) {
  const auto it = row.find(key);
  if (it == row.end() || !it->is_number()) return kNaN;
  return it->get<double>();
}

std::string field_text(const nlohmann::json& row, const std::string& key) {
  const auto it = row.find(key);
  if (it == row.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

}  // namespace greenbench
