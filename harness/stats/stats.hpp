// Statistics for the analysis, the profiler and the estimator: Pearson and Spearman (average ranks
// for ties) correlations, Fisher-z intervals, Williams' t for two correlations sharing a variable,
// least-squares lines with t-based intervals, a seeded bootstrap, and the Student t / normal
// distributions they need. Plain functions over vectors; NaN marks "undefined". Not the findings.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace greenbench {

struct Interval {
  double low, high;
};

double mean_of(const std::vector<double>& x);
double median_of(std::vector<double> x);              // NaN when empty
double quantile_of(std::vector<double> x, double q);  // linear interpolation (numpy default)

// The pairs where both x[i] and y[i] are finite (pairwise-complete observations).
void pairs_finite(const std::vector<double>& x, const std::vector<double>& y,
                  std::vector<double>* xo, std::vector<double>* yo);

// Correlations of the finite pairs; NaN when fewer than 3 pairs or a side is constant.
double pearson(const std::vector<double>& x, const std::vector<double>& y);
double spearman(const std::vector<double>& x, const std::vector<double>& y);
// 1-based ranks; tied values share the mean of their ranks (scipy.stats.rankdata "average").
std::vector<double> ranks_average(const std::vector<double>& x);

// 95% (or `level`) interval of a correlation from Fisher's z with standard error
// sqrt(se_factor / (n - 3)); se_factor 1 for Pearson, 1.06 for Spearman (Fieller et al. 1957).
// {NaN, NaN} when n < 4.
Interval correlation_interval(double r, int n, double level = 0.95, double se_factor = 1.0);

// Williams' t (Steiger 1980, eq. 7) for H0: r_jk == r_jh, two correlations of j with k and h
// measured on the same n cases; r_kh is the correlation of k and h. Two-sided p, df = n - 3.
struct CorrelationCompare {
  double t, p;
  int df;
};
CorrelationCompare correlations_compare(double r_jk, double r_jh, double r_kh, int n);

// y = intercept + slope * x by least squares over the finite pairs, with standard errors and a
// t-based interval for the slope (df = n - 2; NaN when n < 3).
struct LineFit {
  int n = 0;
  double intercept, slope, r2;
  double slope_se, intercept_se;
  Interval slope_ci;
};
LineFit line_fit(const std::vector<double>& x, const std::vector<double>& y, double level = 0.95);

// Percentile bootstrap of statistic(indices) over `n` cases: `resamples` draws with
// replacement from mt19937_64(seed). Non-finite statistics are skipped.
Interval bootstrap_interval(int n, const std::function<double(const std::vector<int>&)>& statistic,
                            int resamples, uint64_t seed, double level = 0.95);

// The profiler's and estimator's: sample variance (n - 1; 0 for n < 2); the least-squares slope
// of y against 0, 1, 2, ... with its t statistic (0 when the fit is exact or n < 3); lag-1
// autocorrelation (0 for n < 3 or constant x); the 0.975 quantile of Student's t
// (student_t_quantile; fractional df allowed, for Satterthwaite; REQUIRES df >= 1).
double variance_of(const std::vector<double>& x);
struct Trend {
  double slope = 0;
  double t = 0;
};
Trend trend_of(const std::vector<double>& y);
double autocorr1_of(const std::vector<double>& x);
double t_quantile_975(double df);

double normal_cdf(double z);
double normal_quantile(double p);
double student_t_cdf(double t, double df);
double student_t_quantile(double p, double df);
// Regularised incomplete beta I_x(a, b) (continued fraction, Numerical Recipes 6.4).
double beta_incomplete(double a, double b, double x);

}  // namespace greenbench
