// `greenbench analyze`'s computation and its terminal form: correlation matrices, drivers of
// energy, the Pareto front, per-workload summaries and the findings, as one JSON document
// (analysis.json), and the tables printed from it. Not the reader or the statistics.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "analysis/findings.hpp"
#include "analysis/results_read.hpp"

namespace greenbench::analysis {

inline constexpr int kAnalysisSchemaVersion = 1;

// The inputs the drivers are chosen from: configuration keys and model size, never outcomes.
bool column_is_input(const std::string& column);

nlohmann::json analysis_compute(const ResultsFolder& folder, const FindingOptions& options);
// The tables and findings for a terminal.
std::string analysis_text(const nlohmann::json& analysis);

}  // namespace greenbench::analysis
