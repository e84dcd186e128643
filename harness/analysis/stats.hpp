// Small statistics the profiler and the estimator share: Student-t quantiles, means, a linear
// trend test, lag-1 autocorrelation, quantiles. Not a general statistics library: only what
// harness/analysis/ needs, with the formulas named beside each function.
#pragma once

#include <cstddef>
#include <vector>

namespace greenbench::analysis {

// The 0.975 quantile of Student's t with `df` degrees of freedom (two-sided 95%): exact table
// for df <= 30, the Cornish-Fisher expansion above (error < 1e-4). REQUIRES: df >= 1.
double t_quantile_975(double df);

double mean_of(const std::vector<double>& x);
// Sample variance (n - 1 in the denominator); 0 for n < 2.
double variance_of(const std::vector<double>& x);

// Least-squares slope of y against 0, 1, 2, ... and the slope's t statistic (slope / its
// standard error); t = 0 when the fit is exact or n < 3.
struct Trend {
  double slope = 0;
  double t = 0;
};
Trend trend_of(const std::vector<double>& y);

// Lag-1 autocorrelation of x (0 for n < 3 or constant x).
double autocorr1_of(const std::vector<double>& x);

// The q-quantile (0..1) of x by linear interpolation between order statistics (numpy's
// default). REQUIRES: x non-empty.
double quantile_of(std::vector<double> x, double q);
double median_of(std::vector<double> x);

}  // namespace greenbench::analysis
