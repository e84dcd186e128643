// Internal: reading a results folder (SPEC §4) back — meta.json, runs.jsonl, runs.csv and
// epochs.csv — the way the writer leaves it, a crash included: a last line without its newline
// (a torn append) is dropped with a note, as the writer's own --resume repair drops it.
// Anything else malformed is an InputError naming file:line:column. Not merging (results_merge).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace greenbench {

// A CSV file as read: its header and its complete rows (cells as written, unquoted).
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> row_lines;  // 1-based line of each row, for messages
};

struct ResultsFolder {
  std::string dir;
  nlohmann::json meta;                   // meta.json
  std::vector<nlohmann::json> runs;      // one object per run row: runs.jsonl's rows, then
                                         // rows found only in runs.csv, in file order
  std::vector<std::string> runs_origin;  // "runs.jsonl:7" for each row, for messages
  CsvTable runs_csv;                     // runs.csv as read (empty header if absent)
  CsvTable epochs;                       // epochs.csv as read (empty header if absent)
  std::vector<std::string> notes;        // what was dropped (torn lines), for stderr
};

// Splits `text` into lines; a last line without '\n' is torn: returned in *torn, not kept.
std::vector<std::string> text_lines(const std::string& text, std::string* torn);

// Parses a CSV file's text. `path` names it in messages. Rows whose cell count differs from
// the header's, or with bad quoting, are InputError (file:line:column).
CsvTable csv_table_parse(const std::string& text, const std::string& path,
                         std::vector<std::string>* notes);

// Parses runs.jsonl's text: each line one JSON object with a string run_id.
std::vector<nlohmann::json> runs_jsonl_parse(const std::string& text, const std::string& path,
                                             std::vector<std::string>* origins,
                                             std::vector<std::string>* notes);

// Builds a folder from the files' texts (std::nullopt: the file is absent). meta.json must be
// present. Throws InputError.
ResultsFolder results_folder_parse(const std::string& dir, const std::string& meta_text,
                                   const std::optional<std::string>& runs_jsonl,
                                   const std::optional<std::string>& runs_csv,
                                   const std::optional<std::string>& epochs_csv);

// Reads the folder's files and parses them. Throws InputError (not a folder, no meta.json,
// unreadable or malformed files).
ResultsFolder results_folder_read(const std::string& dir);

}  // namespace greenbench
