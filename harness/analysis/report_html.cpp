// The report page (see report_html.hpp).
#include "report_html.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "greenbench/errors.hpp"
#include "table.hpp"

namespace greenbench::analysis {
namespace {

// A JSON document safe inside <script>: ASCII only, and no "</" that could end the element.
std::string script_json(const nlohmann::json& j) {
  std::string s = j.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace), out;
  for (size_t i = 0; i < s.size(); ++i) {
    out += s[i];
    if (s[i] == '<' && i + 1 < s.size() && s[i + 1] == '/') out += "\\";
  }
  return out;
}

std::string script_source(const std::string& js) {
  std::string out;
  for (size_t i = 0; i < js.size(); ++i) {
    if (js.compare(i, 8, "</script") == 0) {
      out += "<\\/script";
      i += 7;
    } else {
      out += js[i];
    }
  }
  return out;
}

double num(const nlohmann::json& v) {
  return v.is_number() ? v.get<double>() : NAN;
}
std::string text(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

std::string table_html(const std::vector<std::string>& header,
                       const std::vector<std::vector<std::string>>& rows) {
  std::string s = "<table><tr>";
  for (const auto& h : header) s += "<th>" + html_escape(h) + "</th>";
  s += "</tr>\n";
  for (const auto& r : rows) {
    s += "<tr>";
    for (const auto& c : r) s += "<td>" + html_escape(c) + "</td>";
    s += "</tr>\n";
  }
  return s + "</table>\n";
}

const char* kStyle = R"(
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em} h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
.banner{padding:.8em 1em;border-radius:4px;margin:1em 0;font-weight:600}
.estimated{background:#fff3cd;border:2px solid #e0a800}
.measured{background:#e6f4ea;border:2px solid #34a853}
.note{color:#555;font-size:.85em} .missing{color:#8a4b00}
#gb-status{display:none}
)";

// Records errors before anything else runs, so a failing library is caught too.
const char* kProbeHead = R"(
window.__gb = {errors: [], charts: {}, done: false};
function gbStatus() { var el = document.getElementById('gb-status'); if (el) el.textContent = JSON.stringify(window.__gb); }
window.onerror = function (msg, src, line, col) { window.__gb.errors.push(String(msg) + ' at ' + line + ':' + col); gbStatus(); };
)";

// Draws every chart, then records for each the points it laid out and the pixels it painted.
const char* kDraw = R"(
(function () {
  function fmt(v) { return (typeof v === 'number') ? Number(v.toPrecision(4)).toString() : String(v); }
  GB_CHARTS.charts.forEach(function (c) {
    var status = {drawn: false, points: 0, painted_pixels: 0};
    window.__gb.charts[c.id] = status;
    try {
      var canvas = document.getElementById('chart-' + c.id);
      var cfg = c.config;
      cfg.options.plugins.tooltip = {callbacks: {label: function (ctx) {
        var r = ctx.raw || {};
        return (r.run_id ? r.run_id + ': ' : '') + '(' + fmt(r.x) + ', ' + fmt(r.y) + ')';
      }}};
      if (c.kind === 'heatmap') {
        var labels = c.labels, k = labels.length;
        cfg.data.datasets[0].pointRadius = function (ctx) {
          var a = ctx.chart.chartArea; return a ? Math.max(2, Math.min(a.width, a.height) / (2 * k) - 0.5) : 4;
        };
        var tick = function (v) { return (Number.isInteger(v) && v >= 0 && v < k) ? labels[v] : ''; };
        var integers = function (scale) { scale.ticks = labels.map(function (_, i) { return {value: i}; }); };
        cfg.options.scales.x.afterBuildTicks = integers;
        cfg.options.scales.y.afterBuildTicks = integers;
        cfg.options.scales.x.ticks.callback = tick;
        cfg.options.scales.y.ticks.callback = tick;
        cfg.options.scales.x.ticks.maxRotation = 90;
        cfg.options.scales.x.ticks.minRotation = 60;
        cfg.options.plugins.tooltip.callbacks.label = function (ctx) {
          var r = ctx.raw; return labels[r.y] + ' ~ ' + labels[r.x] + ': ' + (r.v === null ? 'undefined' : fmt(r.v)) + ' (n = ' + r.n + ')';
        };
      }
      var chart = new Chart(canvas, cfg);
      chart.data.datasets.forEach(function (d, i) { status.points += chart.getDatasetMeta(i).data.length; });
      if (c.kind === 'heatmap')  // every column named on both axes
        status.axis_labels = ['x', 'y'].map(function (a) {
          return chart.scales[a].ticks.filter(function (t) { return t.label !== ''; }).length;
        });
      var px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data, painted = 0;
      for (var i = 3; i < px.length; i += 4) if (px[i] !== 0) painted++;
      status.painted_pixels = painted;
      status.drawn = status.points > 0 && painted > 0;
    } catch (e) {
      status.error = String(e && e.stack ? e.stack : e);
      window.__gb.errors.push(c.id + ': ' + String(e));
    }
  });
  window.__gb.done = true;
  gbStatus();
})();
)";

}  // namespace

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string chart_js_path() {
  std::vector<std::string> tried;
  if (const char* env = std::getenv("GREENBENCH_CHARTJS"); env && *env) {
    if (std::filesystem::exists(env)) return env;
    throw InputError("GREENBENCH_CHARTJS names a file that does not exist", env, 0, 0,
                     "point it at chart.min.js (Chart.js 3 or 4, the browser build) or unset it");
  }
  for (const char* p : {"/usr/share/javascript/chart.js/chart.min.js",
                        "/usr/share/nodejs/chart.js/dist/chart.min.js",
                        "/usr/share/nodejs/chart.js/dist/chart.umd.js"}) {
    if (std::filesystem::exists(p)) return p;
    tried.push_back(p);
  }
  throw InputError(
      "the Chart.js library the report inlines is not installed (tried " + tried[0] + ")", tried[0],
      0, 0,
      "run scripts/setup (Debian package libjs-chart.js), or set GREENBENCH_CHARTJS to "
      "chart.min.js");
}

std::string report_html(const nlohmann::json& charts, const nlohmann::json& a,
                        const std::string& chart_js) {
  const auto& src = a["source"];
  const bool estimated = src.value("estimated", false);
  std::string sources;
  for (const auto& s : src["meter_sources"])
    sources += (sources.empty() ? "" : ", ") + s.get<std::string>();
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  h += "<title>greenbench report: " + html_escape(text(a["results_dir"])) + "</title>\n";
  h += "<style>" + std::string(kStyle) + "</style>\n<script>" + kProbeHead +
       "</script>\n</head><body>\n";
  h += "<pre id=\"gb-status\"></pre>\n";
  h += "<h1>greenbench report</h1>\n<p>Results: <code>" + html_escape(text(a["results_dir"])) +
       "</code> — " +
       fmt::format("{} runs, {} used (status ok)", a["runs"]["total"].get<int>(),
                   a["runs"]["used"].get<int>());
  for (const char* k : {"host", "cpu_model", "greenbench_version"})
    if (src.contains(k)) h += " · " + html_escape(text(src[k]));
  h += "</p>\n";
  h += fmt::format(
      "<div class=\"banner {}\">Meter source: {}. {}</div>\n", estimated ? "estimated" : "measured",
      html_escape(sources.empty() ? "unknown" : sources),
      estimated
          ? "ESTIMATED ENERGY: the figures come from a power model of CPU time, not from energy "
            "counters. Read them as the model's view of this machine."
          : "Energy measured from hardware counters.");
  // Zero or flagged energies, said before any chart (analysis energy_problems).
  if (a.contains("energy_problems"))
    for (const auto& p : a["energy_problems"])
      h += "<div class=\"banner estimated\">WARNING: " + html_escape(text(p)) + "</div>\n";

  h += "<h2>Findings: the study's claims on this data</h2>\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : a["findings"])
    rows.push_back({std::to_string(f["id"].get<int>()), text(f["claim"]), text(f["verdict"]),
                    std::to_string(f["n"].get<int>()), text(f["summary"])});
  h += table_html({"#", "claim", "verdict", "n", "numbers"}, rows);

  h += "<h2>Per workload</h2>\n";
  rows.clear();
  for (const auto& w : a["workloads"])
    rows.push_back({text(w["workload"]), std::to_string(w["runs"].get<int>()),
                    std::to_string(w["ok"].get<int>()), cell_number(num(w["energy_j_total"])),
                    cell_number(num(w["median_energy_j"])),
                    cell_number(num(w["median_energy_per_train_sample_j"])),
                    cell_number(num(w["median_energy_per_infer_sample_j"])),
                    cell_percent(num(w["best_test_accuracy"]))});
  h += table_html({"workload", "runs", "ok", "total J", "median J", "J / train sample",
                   "J / infer sample", "best accuracy"},
                  rows);

  h += "<h2>Energy–accuracy Pareto front per data set (trained runs)</h2>\n";
  rows.clear();
  for (const auto& p : a["pareto"])
    rows.push_back({text(p["run_id"]), p.value("dataset", std::string()), text(p["architecture"]),
                    cell_number(num(p["batch_size"])), cell_number(num(p["energy_j"])),
                    cell_percent(num(p["test_accuracy"]))});
  h += rows.empty()
           ? "<p class=\"missing\">No trained run has both energy and test accuracy.</p>\n"
           : table_html({"run", "data set", "architecture", "batch", "energy J", "accuracy"}, rows);

  for (const auto& c : charts["charts"]) {
    const bool heat = c["kind"] == "heatmap";
    h += "<h2>" + html_escape(text(c["title"])) + "</h2>\n";
    h += fmt::format("<canvas id=\"chart-{}\" width=\"{}\" height=\"{}\"></canvas>\n",
                     html_escape(text(c["id"])), heat ? 760 : 1000, heat ? 760 : 480);
    h += "<p class=\"note\">" + html_escape(text(c["note"])) +
         (estimated ? " · energy ESTIMATED" : "") + "</p>\n";
  }
  for (const auto& m : charts["missing"])
    h += "<h2>" + html_escape(text(m["title"])) + "</h2>\n<p class=\"missing\" id=\"missing-" +
         html_escape(text(m["id"])) + "\">" + html_escape(text(m["reason"])) + "</p>\n";

  h += "<script>" + script_source(chart_js) + "\n</script>\n";
  h += "<script>var GB_CHARTS = " + script_json(charts) + ";\n" + kDraw + "</script>\n";
  h += "</body></html>\n";
  return h;
}

}  // namespace greenbench::analysis
