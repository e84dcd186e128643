// The report's charts as data: one Chart.js configuration (JSON, no functions) per chart,
// built from a results folder, its analysis and, when present, the estimator's predictions.
// Pure data, so tests check it without a browser. Not the HTML page (report_html.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "greenbench/results.hpp"

namespace greenbench::analysis {

// One row of RESULTS_DIR/estimate_predictions.csv, the hook for `greenbench estimate`:
// columns run_id, predicted_j, low_j, high_j, measured_j (others ignored).
struct EstimatePrediction {
  std::string run_id;
  double predicted_j, low_j, high_j, measured_j;
};
// Reads the file; an absent file gives an empty list. Throws InputError (file:line:column)
// for a missing column or a cell that is not a number.
std::vector<EstimatePrediction> estimate_predictions_read(const std::string& path);

// A power trace: seconds from its first sample and watts per domain ("cpu_w", ...).
struct PowerTrace {
  std::string run_id;
  std::vector<double> t_s;
  std::vector<std::string> domains;
  std::vector<std::vector<double>> watts;  // watts[d][i], NaN for a gap
};
// Reads a trace file (never through a link); an absent or empty file gives a trace with no
// samples. A torn last line is dropped; a malformed complete line is an InputError.
PowerTrace power_trace_read(const std::string& path, const std::string& run_id);
// The same from the file's text (results_trace_read gives it); `path` names it in messages.
PowerTrace power_trace_parse(const std::string& text, const std::string& path,
                             const std::string& run_id);

// {"charts": [{"id", "title", "kind" ("scatter" | "heatmap"), "note", "config"}],
//  "missing": [{"id", "title", "reason"}]}. Chart ids, in order: energy_vs_macs,
// energy_vs_params, energy_per_sample_vs_batch, accuracy_vs_cumulative_energy,
// pearson_heatmap, spearman_heatmap, power_trace, estimate_vs_measured. A chart without data
// goes to "missing" with the reason. Heatmaps carry "labels" (the column names) for the axes.
nlohmann::json report_charts(const ResultsFolder& folder, const nlohmann::json& analysis,
                             const std::vector<EstimatePrediction>& predictions,
                             const PowerTrace& trace);

// The diverging colour of a correlation: -1 blue, 0 white, +1 red, grey for NaN ("rgb(r,g,b)").
std::string correlation_colour(double r);

}  // namespace greenbench::analysis
