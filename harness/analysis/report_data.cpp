// The report's charts as data (see report_data.hpp): Chart.js configurations with log axes
// where sizes span decades, one dataset per workload or architecture, and heatmaps drawn as
// square points coloured here. Not the page around them.
#include "report_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "file_io.hpp"
#include "greenbench/errors.hpp"
#include "results_csv.hpp"
#include "results_read.hpp"
#include "runs_table.hpp"

namespace greenbench::analysis {
namespace {

const char* kPalette[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
                          "#a6761d", "#666666", "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6"};

std::string colour_of(size_t i) {
  return kPalette[i % (sizeof kPalette / sizeof kPalette[0])];
}

nlohmann::json axis(const std::string& title, bool log) {
  return {{"type", log ? "logarithmic" : "linear"},
          {"title", {{"display", true}, {"text", title}}}};
}

nlohmann::json dataset(const std::string& label, size_t colour, nlohmann::json points, bool line) {
  return {{"label", label},
          {"data", std::move(points)},
          {"borderColor", colour_of(colour)},
          {"backgroundColor", colour_of(colour)},
          {"showLine", line},
          {"pointRadius", 3},
          {"borderWidth", line ? 1.5 : 1},
          {"spanGaps", false}};
}

nlohmann::json scatter(const std::string& id, const std::string& title, nlohmann::json datasets,
                       nlohmann::json x, nlohmann::json y, const std::string& note) {
  return {
      {"id", id},
      {"title", title},
      {"kind", "scatter"},
      {"note", note},
      {"config",
       {{"type", "scatter"},
        {"data", {{"datasets", std::move(datasets)}}},
        {"options",
         {{"animation", false},
          {"responsive", false},
          {"plugins",
           {{"title", {{"display", true}, {"text", title}}}, {"legend", {{"position", "bottom"}}}}},
          {"scales", {{"x", std::move(x)}, {"y", std::move(y)}}}}}}}};
}

bool positive(double v) {
  return std::isfinite(v) && v > 0;
}

// Energy per run against a size column, one dataset per workload.
nlohmann::json energy_vs(const RunsTable& t, const std::string& column, const std::string& id,
                         const std::string& x_title, const std::string& energy_unit) {
  std::map<std::string, nlohmann::json> by;
  std::vector<std::string> order;
  for (const auto& r : t.rows) {
    const double x = field_number(r, column), y = field_number(r, "energy_j");
    if (!positive(x) || !positive(y)) continue;
    const std::string w = field_text(r, "workload");
    if (!by.count(w)) {
      order.push_back(w);
      by[w] = nlohmann::json::array();
    }
    by[w].push_back({{"x", x}, {"y", y}, {"run_id", field_text(r, "run_id")}});
  }
  nlohmann::json ds = nlohmann::json::array();
  for (size_t i = 0; i < order.size(); ++i) ds.push_back(dataset(order[i], i, by[order[i]], false));
  return scatter(id, "Energy per run vs " + x_title, ds, axis(x_title + " (log)", true),
                 axis("energy per run, J" + energy_unit + " (log)", true),
                 "one point per run, coloured by workload");
}

nlohmann::json heatmap(const nlohmann::json& matrix, const std::string& id,
                       const std::string& title) {
  nlohmann::json points = nlohmann::json::array(), colours = nlohmann::json::array();
  const auto& cols = matrix["columns"];
  const size_t k = cols.size();
  for (size_t a = 0; a < k; ++a)
    for (size_t b = 0; b < k; ++b) {
      const auto& v = matrix["r"][a][b];
      const double r = v.is_number() ? v.get<double>() : NAN;
      points.push_back({{"x", b}, {"y", a}, {"v", v}, {"n", matrix["n"][a][b]}});
      colours.push_back(correlation_colour(r));
    }
  nlohmann::json ds = nlohmann::json::array();
  ds.push_back({{"label", title},
                {"data", points},
                {"backgroundColor", colours},
                {"borderColor", colours},
                {"pointStyle", "rect"},
                {"pointRadius", 6}});
  auto idx_axis = [&](bool reverse) {
    return nlohmann::json{{"type", "linear"},
                          {"min", -0.5},
                          {"max", double(k) - 0.5},
                          {"reverse", reverse},
                          {"ticks", {{"stepSize", 1}, {"autoSkip", false}}},
                          {"grid", {{"display", false}}}};
  };
  auto c = scatter(id, title, ds, idx_axis(false), idx_axis(true),
                   "red +1, white 0, blue -1; grey: undefined");
  c["kind"] = "heatmap";
  c["labels"] = cols;
  c["config"]["options"]["plugins"]["legend"] = {{"display", false}};
  return c;
}

// Legend labels keep only the "key=value" words that differ between datasets.
void labels_shorten(nlohmann::json& datasets) {
  std::vector<std::vector<std::string>> words;
  for (const auto& d : datasets) {
    std::vector<std::string> w;
    std::string label = d["label"], cur;
    for (char c : label + " ") {
      if (c == ' ') {
        if (!cur.empty()) w.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    words.push_back(w);
  }
  for (size_t i = 0; i < words.size(); ++i) {
    std::string label;
    for (const auto& w : words[i]) {
      bool everywhere = words.size() > 1;
      for (const auto& other : words)
        everywhere = everywhere && std::count(other.begin(), other.end(), w) > 0;
      if (!everywhere) label += (label.empty() ? "" : " ") + w;
    }
    if (!label.empty()) datasets[i]["label"] = label;
  }
}

}  // namespace

std::string correlation_colour(double r) {
  if (!std::isfinite(r)) return "rgb(200,200,200)";
  r = std::clamp(r, -1.0, 1.0);
  // White at 0 to red (178,24,43) at +1 or blue (33,102,172) at -1, linear in each channel.
  const double a = std::fabs(r);
  const int tr = r >= 0 ? 178 : 33, tg = r >= 0 ? 24 : 102, tb = r >= 0 ? 43 : 172;
  auto mix = [&](int target) { return int(std::lround(255 + (target - 255) * a)); };
  return fmt::format("rgb({},{},{})", mix(tr), mix(tg), mix(tb));
}

namespace {

// The complete lines of a CSV file the report reads beside the results (the reader's rules:
// a torn last line is dropped, a malformed complete line is an InputError at file:line:col).
std::vector<std::vector<std::string>> csv_rows_read(const std::string& text,
                                                    const std::string& path,
                                                    std::vector<std::vector<int>>* starts) {
  std::string torn;
  const auto lines = text_lines(text, &torn);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> cells;
  for (size_t i = 0; i < lines.size(); ++i) {
    int bad = 0;
    if (!csv_split(lines[i], &cells, &bad))
      throw InputError(
          "bad CSV quoting (a quoted cell is not closed, or text follows its "
          "closing quote)",
          path, int(i + 1), bad, "repair or remove the row");
    if (!rows.empty() && cells.size() != rows[0].size())
      throw InputError(
          fmt::format("expected {} cells as in the header, found {}", rows[0].size(), cells.size()),
          path, int(i + 1), 1, "repair or remove the row");
    std::vector<int> st = {1};
    bool quoted = false;
    for (size_t c = 0; c < lines[i].size(); ++c) {
      if (lines[i][c] == '"') quoted = !quoted;
      if (lines[i][c] == ',' && !quoted) st.push_back(int(c) + 2);
    }
    starts->push_back(std::move(st));
    rows.push_back(cells);
  }
  return rows;
}

}  // namespace

std::vector<EstimatePrediction> estimate_predictions_read(const std::string& path) {
  std::vector<EstimatePrediction> out;
  const auto text = file_read_nofollow(path);
  if (!text) return out;
  std::vector<std::vector<int>> starts;
  const auto rows = csv_rows_read(*text, path, &starts);
  if (rows.empty()) return out;
  const auto& header = rows[0];
  std::map<std::string, int> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = int(i);
  for (const char* need : {"run_id", "predicted_j", "low_j", "high_j", "measured_j"})
    if (!col.count(need))
      throw InputError(
          fmt::format("the header lacks the column '{}'", need), path, 1, 1,
          "estimate_predictions.csv columns: run_id,predicted_j,low_j,high_j,measured_j");
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& cells = rows[r];
    auto num = [&](const char* name) {
      const int c = col[name];
      if (cells[c].empty()) return std::nan("");
      char* end = nullptr;
      const double v = std::strtod(cells[c].c_str(), &end);
      if (end != cells[c].c_str() + cells[c].size())
        throw InputError(
            fmt::format("column '{}': expected a number in joules, got '{}'", name, cells[c]), path,
            int(r + 1), starts[r][c], "repair or remove the row");
      return v;
    };
    out.push_back(
        {cells[col["run_id"]], num("predicted_j"), num("low_j"), num("high_j"), num("measured_j")});
  }
  return out;
}

PowerTrace power_trace_parse(const std::string& text, const std::string& path,
                             const std::string& run_id) {
  PowerTrace tr;
  tr.run_id = run_id;
  std::vector<std::vector<int>> starts;
  const auto rows = csv_rows_read(text, path, &starts);
  if (rows.empty() || rows[0].empty() || rows[0][0] != "t_s") return tr;
  tr.domains.assign(rows[0].begin() + 1, rows[0].end());
  tr.watts.resize(tr.domains.size());
  double t0 = NAN;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& cells = rows[r];
    if (cells[0].empty()) continue;
    const double t = std::strtod(cells[0].c_str(), nullptr);
    if (std::isnan(t0)) t0 = t;
    tr.t_s.push_back(t - t0);
    for (size_t d = 0; d < tr.domains.size(); ++d)
      tr.watts[d].push_back(cells[d + 1].empty() ? NAN
                                                 : std::strtod(cells[d + 1].c_str(), nullptr));
  }
  return tr;
}

PowerTrace power_trace_read(const std::string& path, const std::string& run_id) {
  const auto text = file_read_nofollow(path);
  if (!text) {
    PowerTrace tr;
    tr.run_id = run_id;
    return tr;
  }
  return power_trace_parse(*text, path, run_id);
}

nlohmann::json report_charts(const ResultsFolder& folder, const nlohmann::json& analysis,
                             const std::vector<EstimatePrediction>& predictions,
                             const PowerTrace& trace) {
  const RunsTable t = runs_table_make(folder.runs);
  const std::string est = folder.estimated ? ", ESTIMATED" : "";
  nlohmann::json charts = nlohmann::json::array(), missing = nlohmann::json::array();
  auto add = [&](nlohmann::json c, const std::string& reason_if_empty) {
    bool any = false;
    for (const auto& d : c["config"]["data"]["datasets"]) any |= !d["data"].empty();
    if (any)
      charts.push_back(std::move(c));
    else
      missing.push_back({{"id", c["id"]}, {"title", c["title"]}, {"reason", reason_if_empty}});
  };
  add(energy_vs(t, "macs_per_sample", "energy_vs_macs", "MACs per sample", est),
      "no run with MACs and energy");
  add(energy_vs(t, "params", "energy_vs_params", "parameters", est),
      "no run with parameters and energy");

  {  // energy per training sample vs batch size, one line per setting (mean over repeats)
    std::map<std::string, std::map<double, std::vector<double>>> by;
    const std::vector<std::string> ignore = {"batch_size",  "infer_batch_size", "learning_rate",
                                             "seed",        "epochs",           "train_samples",
                                             "test_samples"};
    for (const auto& r : t.rows) {
      const double b = field_number(r, "batch_size"),
                   e = field_number(r, "energy_per_train_sample_j");
      if (positive(b) && positive(e)) by[setting_of(r, ignore)][b].push_back(e);
    }
    nlohmann::json ds = nlohmann::json::array();
    size_t i = 0;
    for (const auto& [setting, points] : by) {
      nlohmann::json pts = nlohmann::json::array();
      for (const auto& [b, es] : points) {
        double s = 0;
        for (double e : es) s += e;
        pts.push_back({{"x", b}, {"y", s / double(es.size())}, {"n", es.size()}});
      }
      ds.push_back(dataset(setting, i++, pts, true));
    }
    labels_shorten(ds);
    add(scatter("energy_per_sample_vs_batch", "Energy per training sample vs batch size", ds,
                axis("batch size (log)", true),
                axis("energy per training sample, J" + est + " (log)", true),
                "one line per architecture and training setting; mean over repeats"),
        "no run with a batch size and energy per training sample");
  }

  {  // accuracy after each epoch vs the run's energy so far (training and inference)
    std::map<std::string, std::string> label;
    for (const auto& r : t.rows)
      label[field_text(r, "run_id")] = architecture_of(r) + " bs=" + field_text(r, "batch_size");
    std::map<std::string, std::vector<const EpochRow*>> by;
    std::vector<std::string> order;
    for (const auto& e : folder.epochs) {
      if (!label.count(e.run_id)) continue;
      if (!by.count(e.run_id)) order.push_back(e.run_id);
      by[e.run_id].push_back(&e);
    }
    nlohmann::json ds = nlohmann::json::array();
    for (size_t i = 0; i < order.size(); ++i) {
      double cum = 0;
      nlohmann::json pts = nlohmann::json::array();
      for (const EpochRow* e : by[order[i]]) {
        cum += e->energy_j;
        if (e->phase == "infer" && std::isfinite(e->accuracy))
          pts.push_back({{"x", cum}, {"y", e->accuracy}, {"epoch", e->epoch}});
      }
      if (!pts.empty()) ds.push_back(dataset(label[order[i]], i, pts, true));
    }
    labels_shorten(ds);
    add(scatter("accuracy_vs_cumulative_energy",
                "Test accuracy vs cumulative energy, epoch by epoch", ds,
                axis("cumulative energy of the run, J" + est + " (log)", true),
                axis("test accuracy", false),
                "one line per run; a point after each epoch's inference pass"),
        "epochs.csv holds no inference phase with an accuracy");
  }

  if (analysis.contains("pearson") && analysis["pearson"]["columns"].size() >= 2) {
    charts.push_back(heatmap(analysis["pearson"], "pearson_heatmap", "Pearson correlations"));
    charts.push_back(heatmap(analysis["spearman"], "spearman_heatmap", "Spearman correlations"));
  } else {
    for (const char* id : {"pearson_heatmap", "spearman_heatmap"})
      missing.push_back({{"id", id},
                         {"title", id},
                         {"reason", "fewer than 2 numeric columns vary over >= 3 runs"}});
  }

  {  // one run's power timeline, at most ~2000 points per domain
    nlohmann::json ds = nlohmann::json::array();
    const size_t n = trace.t_s.size(), step = std::max<size_t>(1, n / 2000);
    for (size_t d = 0; d < trace.domains.size(); ++d) {
      nlohmann::json pts = nlohmann::json::array();
      for (size_t i = 0; i < n; i += step)
        pts.push_back({{"x", trace.t_s[i]},
                       {"y", std::isfinite(trace.watts[d][i]) ? nlohmann::json(trace.watts[d][i])
                                                              : nlohmann::json(nullptr)}});
      ds.push_back(dataset(trace.domains[d], d, pts, true));
      ds.back()["pointRadius"] = 0;
    }
    add(scatter("power_trace", "Power trace of run " + trace.run_id, ds,
                axis("seconds since the run began", false), axis("power, W" + est, false),
                "traces/" + trace.run_id + ".csv; gaps are failed reads"),
        "no trace file under traces/");
  }

  {  // the estimator's predictions against the measured energy, with their intervals
    nlohmann::json pts = nlohmann::json::array(), bars = nlohmann::json::array(),
                   diag = nlohmann::json::array();
    double lo = INFINITY, hi = 0;
    for (const auto& p : predictions) {
      if (!positive(p.measured_j) || !positive(p.predicted_j)) continue;
      pts.push_back({{"x", p.measured_j}, {"y", p.predicted_j}, {"run_id", p.run_id}});
      if (positive(p.low_j) && positive(p.high_j)) {
        bars.push_back({{"x", p.measured_j}, {"y", p.low_j}});
        bars.push_back({{"x", p.measured_j}, {"y", p.high_j}});
        bars.push_back({{"x", p.measured_j}, {"y", nullptr}});  // a gap ends the interval bar
      }
      lo = std::min({lo, p.measured_j, p.predicted_j});
      hi = std::max({hi, p.measured_j, p.predicted_j});
    }
    nlohmann::json ds = nlohmann::json::array();
    ds.push_back(dataset("predicted", 0, pts, false));
    if (!bars.empty()) {
      ds.push_back(dataset("95% interval", 2, bars, true));
      ds.back()["pointRadius"] = 0;
    }
    if (!pts.empty()) {
      ds.push_back(dataset("predicted = measured", 7,
                           nlohmann::json::array({{{"x", lo}, {"y", lo}}, {{"x", hi}, {"y", hi}}}),
                           true));
      ds.back()["pointRadius"] = 0;
      ds.back()["borderDash"] = {4, 4};
    }
    add(scatter("estimate_vs_measured", "Estimator: predicted vs measured energy", ds,
                axis("measured energy, J" + est + " (log)", true),
                axis("predicted energy, J (log)", true),
                "estimate_predictions.csv; one point per run, bars: the prediction's interval"),
        "no estimator results (RESULTS_DIR/estimate_predictions.csv with columns "
        "run_id,predicted_j,low_j,high_j,"
        "measured_j is absent or empty)");
  }
  return {{"charts", charts}, {"missing", missing}};
}

}  // namespace greenbench::analysis
