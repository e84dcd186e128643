// The analysis statistics against numpy/scipy: correlations (ties, missing values), Fisher-z
// intervals, least-squares lines with t intervals, Williams' t, the t and normal distributions,
// the incomplete beta, and leave-one-group-out log-log predictions. Goldens come from
// tests/harness/golden/make_analysis_golden.py (committed JSON).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "findings.hpp"
#include "stats.hpp"

namespace greenbench::analysis {
namespace {

const nlohmann::json& golden() {
  static const nlohmann::json g = [] {
    std::ifstream in(GREENBENCH_SOURCE_DIR "/tests/harness/golden/analysis_stats.json");
    return nlohmann::json::parse(in);
  }();
  return g;
}

std::vector<double> numbers(const nlohmann::json& a) {
  std::vector<double> v;
  for (const auto& x : a) v.push_back(x.is_null() ? NAN : x.get<double>());
  return v;
}

TEST(AnalysisStats, CorrelationsAndLinesMatchScipy) {
  for (const auto& c : golden()["cases"]) {
    SCOPED_TRACE(c["name"].get<std::string>());
    const auto x = numbers(c["x"]), y = numbers(c["y"]);
    const int n = c["n"];
    EXPECT_NEAR(pearson(x, y), c["pearson"].get<double>(), 1e-12);
    EXPECT_NEAR(spearman(x, y), c["spearman"].get<double>(), 1e-12);
    const auto pci = correlation_interval(pearson(x, y), n);
    EXPECT_NEAR(pci.low, c["pearson_ci95"][0].get<double>(), 1e-9);
    EXPECT_NEAR(pci.high, c["pearson_ci95"][1].get<double>(), 1e-9);
    const auto sci = correlation_interval(spearman(x, y), n, 0.95, 1.06);
    EXPECT_NEAR(sci.low, c["spearman_ci95"][0].get<double>(), 1e-9);
    EXPECT_NEAR(sci.high, c["spearman_ci95"][1].get<double>(), 1e-9);
    std::vector<double> xf, yf;
    pairs_finite(x, y, &xf, &yf);
    EXPECT_EQ(int(xf.size()), n);
    const auto ranks = ranks_average(xf);
    const auto want = numbers(c["ranks_x"]);
    ASSERT_EQ(ranks.size(), want.size());
    for (size_t i = 0; i < ranks.size(); ++i) EXPECT_DOUBLE_EQ(ranks[i], want[i]) << i;
    const auto fit = line_fit(x, y);
    EXPECT_EQ(fit.n, n);
    const double scale = std::max(1.0, std::fabs(c["slope"].get<double>()));
    EXPECT_NEAR(fit.slope, c["slope"].get<double>(), 1e-10 * scale);
    EXPECT_NEAR(fit.intercept, c["intercept"].get<double>(), 1e-9 * scale);
    EXPECT_NEAR(fit.r2, c["r2"].get<double>(), 1e-10);
    EXPECT_NEAR(fit.slope_se, c["slope_se"].get<double>(), 1e-9 * scale);
    EXPECT_NEAR(fit.intercept_se, c["intercept_se"].get<double>(), 1e-9 * scale);
    EXPECT_NEAR(fit.slope_ci.low, c["slope_ci95"][0].get<double>(), 1e-8 * scale);
    EXPECT_NEAR(fit.slope_ci.high, c["slope_ci95"][1].get<double>(), 1e-8 * scale);
  }
}

TEST(AnalysisStats, WilliamsTMatchesScipy) {
  for (const auto& w : golden()["williams"]) {
    const auto c = correlations_compare(w["r_jk"], w["r_jh"], w["r_kh"], w["n"]);
    EXPECT_NEAR(c.t, w["t"].get<double>(), 1e-10);
    EXPECT_NEAR(c.p, w["p"].get<double>(), 1e-9);
    EXPECT_EQ(c.df, w["n"].get<int>() - 3);
  }
}

TEST(AnalysisStats, DistributionsMatchScipy) {
  const auto& d = golden()["distributions"];
  for (const auto& c : d["t_cdf"])
    EXPECT_NEAR(student_t_cdf(c["t"], c["df"]), c["cdf"].get<double>(), 1e-12) << c.dump();
  for (const auto& c : d["t_ppf"])
    EXPECT_NEAR(student_t_quantile(c["p"], c["df"]), c["ppf"].get<double>(), 1e-8) << c.dump();
  for (const auto& c : d["norm_ppf"])
    EXPECT_NEAR(normal_quantile(c["p"]), c["ppf"].get<double>(), 1e-10) << c.dump();
  for (const auto& c : d["betainc"])
    EXPECT_NEAR(beta_incomplete(c["a"], c["b"], c["x"]), c["value"].get<double>(), 1e-12)
        << c.dump();
}

TEST(AnalysisStats, LeaveOneGroupOutMatchesNumpyPolyfit) {
  const auto& g = golden()["leave_group_out"];
  const auto pred = loglog_leave_group_out(numbers(g["x"]), numbers(g["y"]),
                                           g["group"].get<std::vector<std::string>>());
  const auto want = numbers(g["predicted"]);
  ASSERT_EQ(pred.size(), want.size());
  for (size_t i = 0; i < pred.size(); ++i) EXPECT_NEAR(pred[i] / want[i], 1.0, 1e-10) << i;
}

TEST(AnalysisStats, UndefinedWhereTheDataCannotSay) {
  EXPECT_TRUE(std::isnan(pearson({1, 2}, {3, 4})));               // fewer than 3 pairs
  EXPECT_TRUE(std::isnan(spearman({1, 1, 1, 1}, {1, 2, 3, 4})));  // a constant side
  EXPECT_TRUE(std::isnan(correlation_interval(0.5, 3).low));
  EXPECT_TRUE(std::isnan(line_fit({2, 2, 2}, {1, 2, 3}).slope));
  EXPECT_TRUE(std::isnan(median_of({})));
  EXPECT_DOUBLE_EQ(quantile_of({4, 1, 3, 2}, 0.5), 2.5);  // numpy's linear interpolation
  EXPECT_DOUBLE_EQ(quantile_of({1, 2, 3, 4, 5}, 0.9), 4.6);
}

TEST(AnalysisStats, BootstrapIsSeededAndCoversTheMean) {
  std::vector<double> x;
  for (int i = 0; i < 40; ++i) x.push_back(std::sin(i * 1.7) + 3);
  auto mean_of_idx = [&](const std::vector<int>& idx) {
    double s = 0;
    for (int i : idx) s += x[i];
    return s / double(idx.size());
  };
  const auto a = bootstrap_interval(40, mean_of_idx, 2000, 7),
             b = bootstrap_interval(40, mean_of_idx, 2000, 7);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  EXPECT_LT(a.low, mean_of(x));
  EXPECT_GT(a.high, mean_of(x));
  // The percentile interval of a mean is close to the normal one: mean +- 1.96 sd / sqrt(n).
  double ss = 0;
  for (double v : x) ss += (v - mean_of(x)) * (v - mean_of(x));
  const double se = std::sqrt(ss / 39) / std::sqrt(40.0);
  EXPECT_NEAR(a.high - a.low, 2 * 1.96 * se, 0.25 * 2 * 1.96 * se);
}

}  // namespace
}  // namespace greenbench::analysis
