// `greenbench report RESULTS_DIR -o REPORT.html`: one self-contained HTML page with the
// analysis and its charts (Chart.js inlined, opens offline). Reads the estimator's
// RESULTS_DIR/estimate_predictions.csv when present. Not the chart data or the page layout
// (harness/analysis/report_*.cpp).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis.hpp"
#include "cli_command.hpp"
#include "file_io.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "report_data.hpp"
#include "report_html.hpp"
#include "runs_table.hpp"

namespace greenbench {
namespace {

struct ReportArgs {
  std::string dir, out;
};

// The trace to show: the most energetic finished run that has a non-empty trace file.
analysis::PowerTrace trace_pick(const ResultsFolder& folder) {
  std::vector<std::pair<double, std::string>> runs;
  for (const auto& r : folder.runs)
    if (field_text(r, "status") == "ok")
      runs.push_back({field_number(r, "energy_j"), field_text(r, "run_id")});
  std::sort(runs.begin(), runs.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  for (const auto& [e, id] : runs) {
    const auto text = results_trace_read(folder, id);  // valid ids only, never through a link
    if (!text) continue;
    auto tr = analysis::power_trace_parse(*text, folder.dir + "/traces/" + id + ".csv", id);
    if (!tr.t_s.empty()) return tr;
  }
  return {};
}

int report(const ReportArgs& args) {
  const std::string js_path = analysis::chart_js_path();
  output_file_check(args.out, "-o");  // before the work: a folder, or no such parent, is exit 2
  const auto folder = analysis::analysis_folder_read(args.dir, "report");
  const auto preds = analysis::estimate_predictions_read(args.dir + "/estimate_predictions.csv");
  std::ifstream js_in(js_path);
  std::stringstream js;
  js << js_in.rdbuf();
  const auto a = analysis::analysis_compute(folder, analysis::FindingOptions{});
  for (const auto& p : a["energy_problems"])
    std::fprintf(stderr, "greenbench report: warning: %s\n", p.get<std::string>().c_str());
  const auto charts = analysis::report_charts(folder, a, preds, trace_pick(folder));
  file_write_atomic(args.out, analysis::report_html(charts, a, js.str()));
  std::fprintf(stderr, "greenbench report: wrote %s (%zu charts%s%s)\n", args.out.c_str(),
               charts["charts"].size(),
               charts["missing"].empty()
                   ? ""
                   : fmt::format(", {} without data", charts["missing"].size()).c_str(),
               folder.estimated ? "; energy ESTIMATED" : "");
  return 0;
}

}  // namespace

void cmd_report_add(CLI::App& app, CommandAction& action) {
  auto [cmd, args] = command_add<ReportArgs>(app, action, "report",
                                             "One self-contained HTML report with charts", report);
  results_dir_add(*cmd, args->dir);
  out_option_add(*cmd, args->out, "FILE", "the HTML file to write")->required();
}

}  // namespace greenbench
