// Reads a results folder (SPEC §4) for the analysis: the run rows (runs.jsonl, else runs.csv),
// epochs.csv, meta.json and the list of power traces. Read-only; not the results writer
// (harness/results_writer.cpp) and not the statistics.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "greenbench/results.hpp"

namespace greenbench::analysis {

struct ResultsFolder {
  std::string dir;
  std::string runs_file;                   // the file the run rows came from
  std::vector<nlohmann::json> runs;        // one object per run row, file order; NaN cells are null
  std::vector<EpochRow> epochs;            // epochs.csv rows (empty when the file is absent)
  nlohmann::json meta;                     // meta.json, or null when absent
  std::vector<std::string> meter_sources;  // distinct meter_source values of the runs
  bool estimated = false;                  // any run's energy came from a model, not a counter
};

// Reads `dir`. Throws InputError naming file:line:column for malformed rows, and when the
// folder holds no runs.jsonl / runs.csv.
ResultsFolder results_read(const std::string& dir);

// One RFC 4180 CSV line split into cells (quotes removed). `starts` receives each cell's
// 1-based column. Throws InputError (file:line:column) for an unterminated quote.
std::vector<std::string> csv_cells(const std::string& line, const std::string& file, int line_no,
                                   std::vector<int>* starts = nullptr);

// A runs.csv cell as a JSON value: empty -> null, true/false -> bool, a number -> number,
// [..] / {..} -> parsed JSON, else the string. Id and text columns stay strings.
nlohmann::json csv_value(const std::string& column, const std::string& cell);

// The number in a row's field, NaN when missing, null or not a number (bools are not numbers).
double field_number(const nlohmann::json& row, const std::string& key);
std::string field_text(const nlohmann::json& row, const std::string& key);

}  // namespace greenbench::analysis
