// Internal: the rules of `greenbench merge` on folders already read — same-grid check, run
// de-duplication, the union of columns, the merged meta.json — producing the texts to write.
// Not file access (cmd_merge.cpp) and not reading (results_read.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "results_read.hpp"

namespace greenbench {

// The meta.json fields that say which grid a folder belongs to; folders that differ in any of
// them are different grids and are never merged.
const std::vector<std::string>& merge_grid_fields();

struct MergedRun {
  std::string run_id;
  size_t source = 0;  // index of the input folder whose row (and epochs, trace) was kept
};

struct MergeOutput {
  std::string runs_jsonl, runs_csv, epochs_csv;  // whole file texts
  nlohmann::json meta;
  std::vector<MergedRun> runs;     // in output order
  std::vector<std::string> notes;  // dropped duplicates, conflicts, torn lines: for stderr
  size_t rows_read = 0, duplicates_identical = 0, duplicates_resolved = 0, conflicts = 0;
};

// Merges folders of one grid. Throws InputError (exit 2) when they hold different grids,
// naming both folders and the field that differs. `now_iso` is the merge time for meta.json.
MergeOutput results_merge(const std::vector<ResultsFolder>& inputs, const std::string& now_iso);

}  // namespace greenbench
