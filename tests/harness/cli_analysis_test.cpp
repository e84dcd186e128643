// End-to-end `greenbench analyze` and `greenbench report` through the real binary, on a small
// real results folder written by `greenbench run` (four mlp runs, two epochs each, estimate
// meter): tables, analysis.json, --json, -o, exit 2 on bad input; and the report rendered in
// headless Chromium, where every chart must draw and no script may fail.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::slurp;

class CliAnalysis : public ::testing::Test {
 protected:
  static inline std::string root, results;

  static void SetUpTestSuite() {
    root = testing::temp_dir_make("gb_analysis_e2e");
    results = root + "/res";
    // Two sizes x two batch sizes: enough for correlations, a batch slope and a profile check.
    for (const char* hidden : {"[16]", "[96,32]"})
      for (const char* batch : {"32", "128"}) {
        auto r = testing::cli_run({"run",
                                   "--workload",
                                   "mlp",
                                   "--out",
                                   results,
                                   "--resume",
                                   "--idle-baseline-s",
                                   "0.2",
                                   "--pause-s",
                                   "0.05",
                                   "--meter",
                                   "estimate",
                                   "--set",
                                   "dataset=synthetic",
                                   "--set",
                                   std::string("hidden=") + hidden,
                                   "--set",
                                   std::string("batch_size=") + batch,
                                   "--set",
                                   "train_samples=1500",
                                   "--set",
                                   "test_samples=300",
                                   "--set",
                                   "epochs=2"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
      }
  }
  static void TearDownTestSuite() { fs::remove_all(root); }

  static std::vector<nlohmann::json> runs() {
    std::vector<nlohmann::json> v;
    std::ifstream in(results + "/runs.jsonl");
    for (std::string l; std::getline(in, l);) v.push_back(nlohmann::json::parse(l));
    return v;
  }
};

TEST_F(CliAnalysis, AnalyzePrintsTablesAndFindingsAndWritesTheJson) {
  auto r = testing::cli_run({"analyze", results});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* s : {"meter source: estimate", "ESTIMATED", "Per workload",
                        "Drivers of energy_j", "Pareto front", "Findings", "(1) energy tracks MACs",
                        "(4) a short profile", "(5) a model's parameter count"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  const auto a = nlohmann::json::parse(slurp(results + "/analysis.json"));
  EXPECT_EQ(a["runs"]["used"].get<int>(), 4);
  EXPECT_TRUE(a["source"]["estimated"].get<bool>());
  // Per-workload energy is the sum of the runs' energy_j as runs.jsonl holds it.
  double total = 0;
  for (const auto& run : runs()) total += run["energy_j"].get<double>();
  EXPECT_NEAR(a["workloads"][0]["energy_j_total"].get<double>(), total, 1e-9 * total);
  // Matrices are square, symmetric, with ones on the diagonal.
  for (const char* m : {"pearson", "spearman"}) {
    const auto& mat = a[m]["r"];
    const size_t k = a[m]["columns"].size();
    ASSERT_GE(k, 5u);
    for (size_t i = 0; i < k; ++i)
      for (size_t j = 0; j < k; ++j) {
        if (!mat[i][j].is_number()) continue;
        EXPECT_NEAR(mat[i][j].get<double>(), mat[j][i].get<double>(), 1e-12);
        if (i == j) {
          EXPECT_NEAR(mat[i][j].get<double>(), 1.0, 1e-12);
        }
      }
  }
  // Two epochs per run: the short-profile finding has all four runs; batch size has 2 settings.
  EXPECT_EQ(a["findings"][3]["n"].get<int>(), 4);
  EXPECT_EQ(a["findings"][1]["numbers"]["settings"].get<int>(), 2);
  EXPECT_FALSE(a["pareto"].empty());
}

TEST_F(CliAnalysis, JsonOnStdoutAndOutputFolder) {
  const std::string out = root + "/elsewhere";
  auto r = testing::cli_run({"analyze", results, "--json", "-o", out, "--served", "1e4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto printed = nlohmann::json::parse(r.out);
  EXPECT_EQ(printed, nlohmann::json::parse(slurp(out + "/analysis.json")));
  EXPECT_EQ(printed["findings"][2]["numbers"]["served_inferences"].get<double>(), 1e4);
}

TEST_F(CliAnalysis, BadInputExitsTwoNamingTheFile) {
  auto r = testing::cli_run({"analyze", root + "/nope"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no such results folder"), std::string::npos) << r.err;
  const std::string bad = root + "/bad";
  fs::create_directories(bad);
  std::ofstream(bad + "/runs.jsonl") << "{\"run_id\":\"a\"}\n{not json\n";
  r = testing::cli_run({"analyze", bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("runs.jsonl:2:"), std::string::npos) << r.err;
  r = testing::cli_run({"analyze", results, "--served", "-5"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--served"), std::string::npos) << r.err;
}

// Renders `html` in headless Chromium and returns the page's #gb-status record.
nlohmann::json chromium_status(const std::string& html, const std::string& work) {
  const std::string dom = work + "/dom.html";
  const std::string cmd =
      "chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage "
      "--no-first-run --user-data-dir=" +
      work +
      "/profile --virtual-time-budget=10000 "
      "--dump-dom 'file://" +
      html + "' > " + dom + " 2>" + work + "/chromium.log";
  const int rc = std::system(cmd.c_str());
  EXPECT_EQ(rc, 0) << slurp(work + "/chromium.log");
  const std::string text = slurp(dom);
  const size_t open = text.find("<pre id=\"gb-status\">"), close = text.find("</pre>", open);
  if (open == std::string::npos || close == std::string::npos) return nullptr;
  std::string s = text.substr(open + 20, close - open - 20), out;
  for (size_t i = 0; i < s.size(); ++i) {  // undo the DOM's escaping of text
    if (s.compare(i, 4, "&lt;") == 0) {
      out += '<';
      i += 3;
    } else if (s.compare(i, 4, "&gt;") == 0) {
      out += '>';
      i += 3;
    } else if (s.compare(i, 5, "&amp;") == 0) {
      out += '&';
      i += 4;
    } else if (s.compare(i, 6, "&quot;") == 0) {
      out += '"';
      i += 5;
    } else
      out += s[i];
  }
  return nlohmann::json::parse(out, nullptr, false);
}

bool chromium_present() {
  return std::system("command -v chromium >/dev/null 2>&1") == 0;
}

TEST_F(CliAnalysis, ReportDrawsEveryChartInChromium) {
  if (!chromium_present()) GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  const std::string html = root + "/report.html";
  auto r = testing::cli_run({"report", results, "-o", html});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string page = slurp(html);
  EXPECT_EQ(page.find("<script src"), std::string::npos);  // self-contained: nothing to fetch
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_NE(page.find("ESTIMATED ENERGY"), std::string::npos);
  EXPECT_NE(page.find("no estimator results"), std::string::npos);
  auto status = chromium_status(html, root);
  ASSERT_TRUE(status.is_object()) << "no #gb-status in the rendered page";
  EXPECT_TRUE(status["done"].get<bool>());
  EXPECT_TRUE(status["errors"].empty()) << status["errors"].dump(2);
  for (const char* id :
       {"energy_vs_macs", "energy_vs_params", "energy_per_sample_vs_batch",
        "accuracy_vs_cumulative_energy", "pearson_heatmap", "spearman_heatmap", "power_trace"}) {
    ASSERT_TRUE(status["charts"].contains(id)) << id << ": " << status.dump();
    EXPECT_TRUE(status["charts"][id]["drawn"].get<bool>())
        << id << ": " << status["charts"][id].dump();
  }
  // Heatmaps name every column on both axes.
  const auto a = nlohmann::json::parse(testing::cli_run({"analyze", results, "--json"}).out);
  const int k = int(a["spearman"]["columns"].size());
  EXPECT_EQ(status["charts"]["spearman_heatmap"]["axis_labels"], nlohmann::json::array({k, k}));

  // With the estimator's predictions beside the results, their chart draws too.
  std::ofstream pred(results + "/estimate_predictions.csv");
  pred << "run_id,predicted_j,low_j,high_j,measured_j\n";
  for (const auto& run : runs()) {
    const double e = run["energy_j"].get<double>();
    pred << run["run_id"].get<std::string>() << "," << e * 1.1 << "," << e * 0.9 << "," << e * 1.3
         << "," << e << "\n";
  }
  pred.close();
  r = testing::cli_run({"report", results, "-o", html});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::remove(results + "/estimate_predictions.csv");
  status = chromium_status(html, root);
  ASSERT_TRUE(status.is_object());
  EXPECT_TRUE(status["errors"].empty()) << status["errors"].dump(2);
  EXPECT_TRUE(status["charts"]["estimate_vs_measured"]["drawn"].get<bool>()) << status.dump();
  EXPECT_EQ(status["charts"]["estimate_vs_measured"]["points"].get<int>(), 4 + 3 * 4 + 2);
}

TEST_F(CliAnalysis, ReportProbeCatchesABrokenLibrary) {
  if (!chromium_present()) GTEST_SKIP() << "chromium is not installed (scripts/setup installs it)";
  const std::string lib = root + "/broken.js", html = root + "/broken.html";
  std::ofstream(lib) << "throw new Error('broken chart library');\n";
  auto r = testing::cli_run({"report", results, "-o", html}, {{"GREENBENCH_CHARTJS", lib}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto status = chromium_status(html, root);
  ASSERT_TRUE(status.is_object());
  ASSERT_FALSE(status["errors"].empty());
  EXPECT_NE(status["errors"][0].get<std::string>().find("broken chart library"), std::string::npos);
  EXPECT_FALSE(status["charts"]["energy_vs_macs"]["drawn"].get<bool>());
}

TEST_F(CliAnalysis, ReportNeedsItsLibraryAndAWritablePlace) {
  auto r = testing::cli_run({"report", results, "-o", root + "/x.html"},
                            {{"GREENBENCH_CHARTJS", root + "/none.js"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("GREENBENCH_CHARTJS"), std::string::npos) << r.err;
  r = testing::cli_run({"report", results, "-o", root + "/no/such/dir/x.html"});
  EXPECT_EQ(r.exit_code, 2);
  r = testing::cli_run({"report", results});
  EXPECT_EQ(r.exit_code, 2);  // -o is required
}

}  // namespace
}  // namespace greenbench
