// Internal: the parts of the one results reader (results/README.md, "Reading"), for the
// writer's --resume repair, merge, the fuzz targets and the tests. The public entry is
// results_folder_read() in include/greenbench/results.hpp. Not merging (results_merge).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "greenbench/results.hpp"

namespace greenbench {

// Splits `text` into lines; a last line without '\n' is torn: returned in *torn, not kept.
std::vector<std::string> text_lines(const std::string& text, std::string* torn);

// Parses a CSV file's text. `path` names it in messages. A header must start with run_id and
// name each column once; rows with bad quoting, a cell count other than the header's, or an
// invalid run_id are InputError (file:line:column). A torn last line goes to *notes.
CsvTable csv_table_parse(const std::string& text, const std::string& path,
                         std::vector<std::string>* notes);

// Parses runs.jsonl's text: each line one JSON object with a valid string run_id and fields of
// the writer's types.
std::vector<nlohmann::json> runs_jsonl_parse(const std::string& text, const std::string& path,
                                             std::vector<std::string>* origins,
                                             std::vector<std::string>* notes);

// The texts of a folder's files (std::nullopt: the file is absent).
struct FolderTexts {
  std::optional<std::string> meta, runs_jsonl, runs_csv, epochs_csv;
};

// Builds a folder from its files' texts with the reader's rules. meta.json must be present
// unless `meta_optional` (the writer, opening a folder whose first writer died before writing
// meta.json). Throws InputError.
ResultsFolder results_folder_parse(const std::string& dir, const FolderTexts& texts,
                                   bool meta_optional = false);

// Reads the texts of DIR's files, refusing links (the files, traces/ and anything in it) and
// anything that is not a plain file. Throws InputError.
FolderTexts results_folder_texts(const std::string& dir);

}  // namespace greenbench
