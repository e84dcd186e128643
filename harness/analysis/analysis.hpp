// `greenbench analyze`'s computation and its terminal form: correlation matrices, drivers of
// energy, the Pareto front, per-workload summaries and the findings, as one JSON document
// (analysis.json), and the tables printed from it. Not the reader or the statistics.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "findings.hpp"
#include "greenbench/results.hpp"

namespace greenbench::analysis {

inline constexpr int kAnalysisSchemaVersion = 1;

// The inputs the drivers are chosen from: configuration keys and model size, never outcomes.
bool column_is_input(const std::string& column);

// Reads a results folder with the one reader (results_folder_read), prints its notes (torn
// lines dropped) as "greenbench COMMAND: note: ...", and refuses a folder with no runs yet.
ResultsFolder analysis_folder_read(const std::string& dir, const std::string& command);

nlohmann::json analysis_compute(const ResultsFolder& folder, const FindingOptions& options);
// The tables and findings for a terminal.
std::string analysis_text(const nlohmann::json& analysis);

}  // namespace greenbench::analysis
