// `greenbench analyze`'s computation (see analysis.hpp).
#include "analysis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "energy_check.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "pareto.hpp"
#include "stats.hpp"
#include "table.hpp"

namespace greenbench::analysis {
namespace {

bool is_result_column(const std::string& c) {
  const auto& after = runs_columns_after_keys();
  return std::find(after.begin(), after.end(), c) != after.end();
}

nlohmann::json matrix_of(const RunsTable& t, bool rank) {
  const size_t k = t.columns.size();
  nlohmann::json r = nlohmann::json::array(), n = nlohmann::json::array();
  for (size_t a = 0; a < k; ++a) {
    nlohmann::json ra = nlohmann::json::array(), na = nlohmann::json::array();
    for (size_t b = 0; b < k; ++b) {
      std::vector<double> x, y;
      pairs_finite(t.values[a], t.values[b], &x, &y);
      ra.push_back(rank ? spearman(x, y) : pearson(x, y));
      na.push_back(x.size());
    }
    r.push_back(ra);
    n.push_back(na);
  }
  return {{"columns", t.columns}, {"r", r}, {"n", n}};
}

nlohmann::json drivers_of(const RunsTable& t, const std::string& target) {
  const auto y = t.column(target);
  nlohmann::json out = nlohmann::json::array();
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (!column_is_input(t.columns[c])) continue;
    std::vector<double> x, yy;
    pairs_finite(t.values[c], y, &x, &yy);
    const double rho = spearman(x, yy);
    if (!std::isfinite(rho)) continue;
    std::vector<double> lx, ly;
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i] > 0 && yy[i] > 0) {
        lx.push_back(std::log(x[i]));
        ly.push_back(std::log(yy[i]));
      }
    const auto ci = correlation_interval(rho, int(x.size()), 0.95, 1.06);
    out.push_back({{"column", t.columns[c]},
                   {"spearman", rho},
                   {"spearman_ci95", {ci.low, ci.high}},
                   {"pearson", pearson(x, yy)},
                   {"pearson_log", lx.size() == x.size() ? pearson(lx, ly) : NAN},
                   {"n", x.size()}});
  }
  std::stable_sort(out.begin(), out.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return std::fabs(a["spearman"].get<double>()) > std::fabs(b["spearman"].get<double>());
  });
  return out;
}

nlohmann::json workloads_of(const ResultsFolder& folder, const RunsTable& t) {
  std::map<std::string, nlohmann::json> by;
  std::vector<std::string> order;
  for (const auto& r : folder.runs) {
    const std::string w = field_text(r, "workload");
    if (!by.count(w)) {
      order.push_back(w);
      by[w] = {{"workload", w}, {"runs", 0}, {"ok", 0}, {"energy_j_total", 0.0}};
    }
    by[w]["runs"] = by[w]["runs"].get<int>() + 1;
    const double e = field_number(r, "energy_j");
    if (std::isfinite(e)) by[w]["energy_j_total"] = by[w]["energy_j_total"].get<double>() + e;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& w : order) {
    std::vector<double> e, eps, epi, acc, p;
    std::set<std::string> archs;
    for (const auto& r : t.rows) {
      if (field_text(r, "workload") != w) continue;
      e.push_back(field_number(r, "energy_j"));
      eps.push_back(field_number(r, "energy_per_train_sample_j"));
      epi.push_back(field_number(r, "energy_per_infer_sample_j"));
      acc.push_back(field_number(r, "test_accuracy"));
      p.push_back(field_number(r, "params"));
      archs.insert(architecture_of(r));
    }
    auto finite = [](std::vector<double> v) {
      v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }),
              v.end());
      return v;
    };
    auto j = by[w];
    j["ok"] = e.size();
    j["architectures"] = archs.size();
    j["median_energy_j"] = median_of(finite(e));
    j["median_energy_per_train_sample_j"] = median_of(finite(eps));
    j["median_energy_per_infer_sample_j"] = median_of(finite(epi));
    j["best_test_accuracy"] = quantile_of(finite(acc), 1);
    j["params_min"] = quantile_of(finite(p), 0);
    j["params_max"] = quantile_of(finite(p), 1);
    out.push_back(j);
  }
  return out;
}

// The energy-accuracy front of each data set's trained runs (accuracy compares only within one
// task, and an inference-only run's accuracy is an untrained model's), data sets in order of
// first appearance, each front by rising energy.
nlohmann::json pareto_by_dataset(const RunsTable& t) {
  const auto e = t.column("energy_j"), acc = t.column("test_accuracy");
  const auto train_s = t.column("train_s");
  std::vector<std::string> datasets;
  for (const auto& row : t.rows) {
    const std::string d = field_text(row, "dataset");
    if (std::find(datasets.begin(), datasets.end(), d) == datasets.end()) datasets.push_back(d);
  }
  nlohmann::json front = nlohmann::json::array();
  for (const auto& d : datasets) {
    std::vector<size_t> index;
    std::vector<double> de, dacc;
    for (size_t i = 0; i < t.rows.size(); ++i)
      if (field_text(t.rows[i], "dataset") == d && train_s[i] > 0) {
        index.push_back(i);
        de.push_back(e[i]);
        dacc.push_back(acc[i]);
      }
    for (size_t k : pareto_front(de, dacc)) {
      const size_t i = index[k];
      front.push_back({{"run_id", field_text(t.rows[i], "run_id")},
                       {"dataset", d},
                       {"workload", field_text(t.rows[i], "workload")},
                       {"architecture", architecture_of(t.rows[i])},
                       {"batch_size", field_number(t.rows[i], "batch_size")},
                       {"epochs", field_number(t.rows[i], "epochs")},
                       {"energy_j", e[i]},
                       {"test_accuracy", acc[i]}});
    }
  }
  return front;
}

}  // namespace

bool column_is_input(const std::string& c) {
  static const std::set<std::string> size = {"params", "macs_per_sample", "macs_param",
                                             "train_samples", "test_samples"};
  return size.count(c) || !is_result_column(c);
}

ResultsFolder analysis_folder_read(const std::string& dir, const std::string& command) {
  ResultsFolder folder = results_folder_read(dir);
  for (const auto& note : folder.notes)
    std::fprintf(stderr, "greenbench %s: note: %s\n", command.c_str(), note.c_str());
  if (folder.runs.empty())
    throw InputError("the folder holds no runs yet", folder.runs_file, 0, 0,
                     "run `greenbench run` into it first");
  return folder;
}

nlohmann::json analysis_compute(const ResultsFolder& folder, const FindingOptions& options) {
  const RunsTable t = runs_table_make(folder.runs);
  nlohmann::json a;
  a["schema_version"] = kAnalysisSchemaVersion;
  a["results_dir"] = folder.dir;
  a["runs_file"] = folder.runs_file;
  std::string note =
      folder.estimated
          ? "ESTIMATED energy: at least one figure came from a power model (meter source " +
                (folder.meter_sources.empty() ? std::string("?") : folder.meter_sources[0]) +
                "), not an energy counter; findings describe the model as much as the machine"
          : "measured energy from counters";
  a["source"] = {
      {"meter_sources", folder.meter_sources}, {"estimated", folder.estimated}, {"note", note}};
  if (folder.meta.is_object())
    for (const char* k : {"host", "cpu_model", "greenbench_version", "git_commit"})
      if (folder.meta.contains(k)) a["source"][k] = folder.meta[k];
  a["runs"] = {{"total", t.runs_total},
               {"used", t.rows.size()},
               {"excluded_not_ok", t.runs_excluded},
               {"excluded_zero_energy", t.runs_zero_energy}};
  // Said plainly, before any figure: zero energies (left out) and flagged ones.
  a["energy_problems"] = energy_problems(folder.runs, folder.dir);
  a["columns"] = t.columns;
  a["pearson"] = matrix_of(t, false);
  a["spearman"] = matrix_of(t, true);
  a["drivers"] = {{"energy_j", drivers_of(t, "energy_j")},
                  {"energy_per_train_sample_j", drivers_of(t, "energy_per_train_sample_j")}};
  a["pareto"] = pareto_by_dataset(t);
  a["workloads"] = workloads_of(folder, t);
  a["served_inferences"] = options.served_inferences;
  nlohmann::json fs = nlohmann::json::array();
  for (const auto& f : findings_all(t, folder.epochs, options)) fs.push_back(f.to_json());
  a["findings"] = fs;
  return a;
}

namespace {

// A compact Spearman matrix over the columns that matter most; the full ones are in the JSON.
std::string spearman_text(const nlohmann::json& sp) {
  auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; };
  std::string out;
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> keep;
  for (size_t c = 0; c < sp["columns"].size(); ++c) {
    const std::string name = sp["columns"][c];
    for (const char* k :
         {"params", "macs_per_sample", "macs_param", "batch_size", "epochs", "energy_j",
          "energy_per_train_sample_j", "energy_per_infer_sample_j", "test_accuracy"})
      if (name == k) keep.push_back(c);
  }
  if (keep.size() >= 2) {
    out +=
        "\nSpearman correlations (selected columns; all columns, Pearson too, in analysis.json)\n";
    std::vector<std::string> header = {""};
    for (size_t i = 1; i <= keep.size(); ++i) header.push_back(std::to_string(i));
    for (size_t r : keep) {
      std::vector<std::string> row = {
          fmt::format("{} {}", rows.size() + 1, sp["columns"][r].get<std::string>())};
      for (size_t c : keep) row.push_back(cell_number(num(sp["r"][r][c])));
      rows.push_back(row);
    }
    out += table_format(header, rows);
  }
  return out;
}

}  // namespace

std::string analysis_text(const nlohmann::json& a) {
  auto num = [](const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; };
  std::string out;
  const auto& src = a["source"];
  out += fmt::format("greenbench analyze {}: {} runs ({} used; {} not ok, left out)\n",
                     a["results_dir"].get<std::string>(), a["runs"]["total"].get<int>(),
                     a["runs"]["used"].get<int>(), a["runs"]["excluded_not_ok"].get<int>());
  std::string sources;
  for (const auto& s : src["meter_sources"])
    sources += (sources.empty() ? "" : ", ") + s.get<std::string>();
  out += fmt::format(
      "meter source: {}{}\n", sources.empty() ? "unknown" : sources,
      src["estimated"].get<bool>() ? "  [ESTIMATED: a power model, not a counter]" : "");
  if (src["estimated"].get<bool>()) out += "  " + src["note"].get<std::string>() + "\n";
  if (a.contains("energy_problems"))
    for (const auto& p : a["energy_problems"]) out += "WARNING: " + p.get<std::string>() + "\n";

  out += "\nPer workload\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& w : a["workloads"])
    rows.push_back({w["workload"].get<std::string>(), std::to_string(w["runs"].get<int>()),
                    std::to_string(w["ok"].get<int>()),
                    std::to_string(w["architectures"].get<int>()),
                    cell_number(num(w["energy_j_total"])), cell_number(num(w["median_energy_j"])),
                    cell_number(num(w["median_energy_per_train_sample_j"])),
                    cell_number(num(w["median_energy_per_infer_sample_j"])),
                    cell_percent(num(w["best_test_accuracy"])),
                    cell_number(num(w["params_min"])) + ".." + cell_number(num(w["params_max"]))});
  out += table_format({"workload", "runs", "ok", "archs", "total J", "median J", "J/train sample",
                       "J/infer sample", "best acc", "params"},
                      rows);

  for (const char* target : {"energy_j", "energy_per_train_sample_j"}) {
    out += fmt::format("\nDrivers of {} (inputs, by |Spearman|)\n", target);
    rows.clear();
    for (const auto& d : a["drivers"][target])
      rows.push_back({d["column"].get<std::string>(), cell_number(num(d["spearman"])),
                      fmt::format("[{}, {}]", cell_number(num(d["spearman_ci95"][0])),
                                  cell_number(num(d["spearman_ci95"][1]))),
                      cell_number(num(d["pearson"])), cell_number(num(d["pearson_log"])),
                      std::to_string(d["n"].get<int>())});
    if (rows.empty())
      out += "  not enough data (needs >= 3 runs where an input varies)\n";
    else
      out += table_format({"column", "spearman", "95% CI", "pearson", "pearson(log)", "n"}, rows);
  }

  out += spearman_text(a["spearman"]);

  out +=
      "\nEnergy-accuracy Pareto front per data set (trained runs; less energy, higher test "
      "accuracy)\n";
  rows.clear();
  for (const auto& p : a["pareto"])
    rows.push_back({p["run_id"].get<std::string>(), p.value("dataset", std::string()),
                    p["architecture"].get<std::string>(), cell_number(num(p["batch_size"])),
                    cell_number(num(p["energy_j"])), cell_percent(num(p["test_accuracy"]))});
  if (rows.empty())
    out += "  not enough data (no run with both energy and test accuracy)\n";
  else
    out +=
        table_format({"run_id", "dataset", "architecture", "batch", "energy J", "accuracy"}, rows);

  out += fmt::format("\nFindings (the study's claims on this data{})\n",
                     src["estimated"].get<bool>() ? "; ESTIMATED energy" : "");
  for (const auto& f : a["findings"])
    out += fmt::format("({}) {}\n    verdict: {} (n = {})\n    {}\n", f["id"].get<int>(),
                       f["claim"].get<std::string>(), f["verdict"].get<std::string>(),
                       f["n"].get<int>(), f["summary"].get<std::string>());
  return out;
}

}  // namespace greenbench::analysis
