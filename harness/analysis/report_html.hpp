// The report page: one self-contained HTML file (the charting library inlined, no network)
// with the source banner, findings, tables and charts, plus an in-page probe that records in
// the DOM which charts drew and every script error (#gb-status, read by the Chromium test).
// Not the chart data (report_data.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace greenbench::analysis {

// Where the Chart.js browser build is read from: $GREENBENCH_CHARTJS, else Debian's
// libjs-chart.js (/usr/share/javascript/chart.js/chart.min.js), else node-chart.js's copy.
// Throws InputError naming the paths tried and the fix (scripts/setup) when none exists.
std::string chart_js_path();

// `charts` is report_charts()'s result; `analysis` is analysis_compute()'s.
std::string report_html(const nlohmann::json& charts, const nlohmann::json& analysis,
                        const std::string& chart_js);

// Text made safe for HTML element content and attribute values.
std::string html_escape(const std::string& text);

}  // namespace greenbench::analysis
