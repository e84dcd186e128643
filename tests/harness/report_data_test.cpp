// The report's data-to-chart JSON: points equal to the rows they come from, datasets by
// workload, log axes, heatmap colours, the estimator hook (present and absent), traces,
// energy labelled ESTIMATED, and the page's escaping.
#include "report_data.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "analysis.hpp"
#include "greenbench/errors.hpp"
#include "report_html.hpp"
#include "run_cli.hpp"

namespace greenbench::analysis {
namespace {

namespace fs = std::filesystem;

using Folder = testing::TempFolder;

// Four runs: mlp at two sizes and two batch sizes, one cnn, one failed mlp; epochs for two.
ResultsFolder folder_make(const std::string& dir) {
  std::ofstream runs(dir + "/runs.jsonl");
  auto row = [&](const std::string& id, const std::string& w, const std::string& arch_key, int b,
                 double params, double macs, double e, double eps, const std::string& status) {
    nlohmann::json r = {{"run_id", id},
                        {"workload", w},
                        {"status", status},
                        {"batch_size", b},
                        {"params", params},
                        {"macs_per_sample", macs},
                        {"energy_j", e},
                        {"energy_per_train_sample_j", eps},
                        {"test_accuracy", 0.5 + e / 1000},
                        {"meter_source", "estimate"},
                        {"estimated", true}};
    r[w == "mlp" ? "hidden" : "arch"] = nlohmann::json::parse(arch_key);
    runs << r.dump() << "\n";
  };
  row("m1", "mlp", "[32]", 32, 1e4, 1e4, 10, 0.01, "ok");
  row("m2", "mlp", "[32]", 128, 1e4, 1e4, 6, 0.006, "ok");
  row("m3", "mlp", "[256]", 32, 2e5, 2e5, 80, 0.08, "ok");
  row("c1", "cnn", "\"lenet5\"", 32, 6e4, 4e5, 120, 0.12, "ok");
  row("m4", "mlp", "[512]", 32, 4e5, 4e5, 3, 0.003, "failed");
  runs.close();
  std::ofstream(dir + "/epochs.csv")
      << "run_id,epoch,phase,seconds,energy_j,samples,loss,accuracy,tokens\n"
         "m1,1,train,1,4,100,1,0.4,0\nm1,1,infer,1,1,10,1,0.5,0\n"
         "m1,2,train,1,4,100,1,0.6,0\nm1,2,infer,1,1,10,1,0.7,0\n"
         "c1,1,train,1,100,100,1,0.6,0\nc1,1,infer,1,20,10,1,0.62,0\n";
  std::ofstream(dir + "/meta.json") << R"({"schema_version": 1})";  // the reader needs it
  return results_folder_read(dir);
}

const nlohmann::json& chart_of(const nlohmann::json& charts, const std::string& id) {
  for (const auto& c : charts["charts"])
    if (c["id"] == id) return c;
  static const nlohmann::json none;
  return none;
}

// The four-run folder, its analysis and its charts (no estimator results, no trace).
struct ReportData : ::testing::Test {
  Folder f;
  const ResultsFolder folder = folder_make(f.dir);
  const nlohmann::json a = analysis_compute(folder, FindingOptions{});
  const nlohmann::json charts = report_charts(folder, a, {}, PowerTrace{});
};

TEST_F(ReportData, ScatterPointsAreTheRowsByWorkloadOnLogAxes) {
  const auto& c = chart_of(charts, "energy_vs_macs");
  ASSERT_FALSE(c.is_null());
  const auto& ds = c["config"]["data"]["datasets"];
  ASSERT_EQ(ds.size(), 2u);  // mlp, cnn; the failed run is left out
  EXPECT_EQ(ds[0]["label"], "mlp");
  ASSERT_EQ(ds[0]["data"].size(), 3u);
  EXPECT_EQ(ds[0]["data"][2]["x"].get<double>(), 2e5);
  EXPECT_EQ(ds[0]["data"][2]["y"].get<double>(), 80);
  EXPECT_EQ(ds[0]["data"][2]["run_id"], "m3");
  EXPECT_EQ(ds[1]["data"][0]["x"].get<double>(), 4e5);
  EXPECT_EQ(c["config"]["options"]["scales"]["x"]["type"], "logarithmic");
  EXPECT_EQ(c["config"]["options"]["scales"]["y"]["type"], "logarithmic");
  EXPECT_NE(
      c["config"]["options"]["scales"]["y"]["title"]["text"].get<std::string>().find("ESTIMATED"),
      std::string::npos);
  EXPECT_EQ(chart_of(charts, "energy_vs_params")["config"]["data"]["datasets"][1]["data"][0]["x"]
                .get<double>(),
            6e4);
}

TEST_F(ReportData, BatchLinesAndEpochCurves) {
  // One line per setting: mlp [32] has batch 32 and 128; mlp [256] and cnn one point each.
  const auto& batch = chart_of(charts, "energy_per_sample_vs_batch")["config"]["data"]["datasets"];
  ASSERT_EQ(batch.size(), 3u);
  bool found = false;
  for (const auto& d : batch)
    if (d["data"].size() == 2) {
      found = true;
      EXPECT_EQ(d["data"][0]["x"].get<double>(), 32);
      EXPECT_DOUBLE_EQ(d["data"][0]["y"].get<double>(), 0.01);
      EXPECT_DOUBLE_EQ(d["data"][1]["y"].get<double>(), 0.006);
    }
  EXPECT_TRUE(found);
  // Accuracy after each inference pass against the energy spent so far: m1 at 5 J and 10 J.
  const auto& acc = chart_of(charts, "accuracy_vs_cumulative_energy")["config"]["data"]["datasets"];
  ASSERT_EQ(acc.size(), 2u);
  EXPECT_DOUBLE_EQ(acc[0]["data"][0]["x"].get<double>(), 5);
  EXPECT_DOUBLE_EQ(acc[0]["data"][0]["y"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(acc[0]["data"][1]["x"].get<double>(), 10);
  EXPECT_DOUBLE_EQ(acc[0]["data"][1]["y"].get<double>(), 0.7);
  EXPECT_DOUBLE_EQ(acc[1]["data"][0]["x"].get<double>(), 120);
  // Legends keep only what differs between lines: both runs have batch 32.
  EXPECT_EQ(acc[0]["label"], "mlp hidden=[32]");
  EXPECT_EQ(acc[1]["label"], "cnn arch=lenet5");
}

TEST_F(ReportData, HeatmapsCarryEveryCellWithItsColour) {
  const auto& h = chart_of(charts, "spearman_heatmap");
  ASSERT_FALSE(h.is_null());
  const size_t k = a["spearman"]["columns"].size();
  EXPECT_EQ(h["labels"], a["spearman"]["columns"]);
  const auto& d = h["config"]["data"]["datasets"][0];
  ASSERT_EQ(d["data"].size(), k * k);
  for (size_t i = 0; i < k * k; ++i) {
    const auto& p = d["data"][i];
    EXPECT_EQ(p["v"], a["spearman"]["r"][p["y"].get<size_t>()][p["x"].get<size_t>()]);
    const double v = p["v"].is_number() ? p["v"].get<double>() : NAN;
    EXPECT_EQ(d["backgroundColor"][i], correlation_colour(v));
  }
  EXPECT_EQ(correlation_colour(1), "rgb(178,24,43)");
  EXPECT_EQ(correlation_colour(-1), "rgb(33,102,172)");
  EXPECT_EQ(correlation_colour(0), "rgb(255,255,255)");
  EXPECT_EQ(correlation_colour(0.5), "rgb(217,140,149)");
  EXPECT_EQ(correlation_colour(NAN), "rgb(200,200,200)");
}

TEST_F(ReportData, EstimatorHookPresentAndAbsent) {
  ASSERT_TRUE(estimate_predictions_read(f.dir + "/estimate_predictions.csv").empty());
  EXPECT_TRUE(chart_of(charts, "estimate_vs_measured").is_null());
  bool said = false;
  for (const auto& m : charts["missing"])
    if (m["id"] == "estimate_vs_measured")
      said = m["reason"].get<std::string>().find("no estimator results") != std::string::npos;
  EXPECT_TRUE(said);

  std::ofstream(f.dir + "/estimate_predictions.csv")
      << "run_id,predicted_j,low_j,high_j,measured_j,extra\n"
         "m1,11,9,13,10,x\nm3,70,60,85,80,y\n";
  const auto preds = estimate_predictions_read(f.dir + "/estimate_predictions.csv");
  ASSERT_EQ(preds.size(), 2u);
  EXPECT_EQ(preds[1].run_id, "m3");
  EXPECT_EQ(preds[1].high_j, 85);
  const auto with = report_charts(folder, a, preds, PowerTrace{});
  const auto& ds = chart_of(with, "estimate_vs_measured")["config"]["data"]["datasets"];
  ASSERT_EQ(ds.size(), 3u);  // predicted, intervals, the diagonal
  EXPECT_EQ(ds[0]["data"][1], (nlohmann::json{{"x", 80.0}, {"y", 70.0}, {"run_id", "m3"}}));
  EXPECT_EQ(ds[1]["data"].size(), 6u);  // low, high, gap per run
  EXPECT_TRUE(ds[1]["data"][2]["y"].is_null());
  EXPECT_EQ(ds[2]["data"][0]["x"].get<double>(), 10);
  EXPECT_EQ(ds[2]["data"][1]["x"].get<double>(), 80);

  std::ofstream(f.dir + "/estimate_predictions.csv")
      << "run_id,predicted_j,low_j,high_j,measured_j\nm1,11,9,oops,10\n";
  try {
    estimate_predictions_read(f.dir + "/estimate_predictions.csv");
    FAIL() << "a bad cell must throw";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("estimate_predictions.csv:2:9"), std::string::npos)
        << e.what();
  }
}

TEST(ReportTrace, TraceIsReadRelativeToItsStart) {
  Folder f;
  std::ofstream(f.dir + "/t.csv")
      << "t_s,cpu_w,dram_w\n10.5,20,3\n10.6,,3.5\n10.7,22,4\n10.8,2";  // torn last line
  const auto tr = power_trace_read(f.dir + "/t.csv", "m1");
  ASSERT_EQ(tr.t_s.size(), 3u);
  EXPECT_EQ(tr.domains, (std::vector<std::string>{"cpu_w", "dram_w"}));
  EXPECT_NEAR(tr.t_s[2], 0.2, 1e-12);
  EXPECT_TRUE(std::isnan(tr.watts[0][1]));
  EXPECT_EQ(tr.watts[1][2], 4);
  const auto folder = folder_make(f.dir);
  const auto charts = report_charts(folder, analysis_compute(folder, FindingOptions{}), {}, tr);
  const auto& ds = chart_of(charts, "power_trace")["config"]["data"]["datasets"];
  ASSERT_EQ(ds.size(), 2u);
  EXPECT_TRUE(ds[0]["data"][1]["y"].is_null());  // a gap stays a gap
  EXPECT_EQ(ds[1]["data"][0]["y"].get<double>(), 3);
}

TEST(ReportHtml, EscapesTextAndKeepsScriptsClosed) {
  EXPECT_EQ(html_escape("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  nlohmann::json a = {{"results_dir", "</script><b>"},
                      {"runs", {{"total", 1}, {"used", 1}}},
                      {"source", {{"meter_sources", {"estimate"}}, {"estimated", true}}},
                      {"findings", nlohmann::json::array()},
                      {"workloads", nlohmann::json::array()},
                      {"pareto", nlohmann::json::array()}};
  nlohmann::json charts = {{"charts", nlohmann::json::array()},
                           {"missing", {{{"id", "x"}, {"title", "</script>"}, {"reason", "r"}}}}};
  const std::string html = report_html(charts, a, "var lib = '</script>';");
  // Exactly the page's own script elements close; nothing from data or the library does.
  size_t closes = 0;
  for (size_t p = 0; (p = html.find("</script>", p)) != std::string::npos; ++p) ++closes;
  EXPECT_EQ(closes, 3u);
  EXPECT_NE(html.find("ESTIMATED ENERGY"), std::string::npos);
}

}  // namespace
}  // namespace greenbench::analysis
