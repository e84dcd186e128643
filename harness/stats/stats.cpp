// Statistics for the analysis (see stats.hpp). Checked against numpy/scipy goldens written by
// tests/harness/golden/make_analysis_golden.py. Not the findings or the tables.
#include "stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

namespace greenbench {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

double mean_of(const std::vector<double>& x) {
  if (x.empty()) return kNaN;
  return std::accumulate(x.begin(), x.end(), 0.0) / double(x.size());
}

double quantile_of(std::vector<double> x, double q) {
  if (x.empty()) return kNaN;
  std::sort(x.begin(), x.end());
  const double pos = q * double(x.size() - 1);
  const size_t lo = size_t(std::floor(pos)), hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (pos - double(lo)) * (x[hi] - x[lo]);
}

double median_of(std::vector<double> x) {
  return quantile_of(std::move(x), 0.5);
}

void pairs_finite(const std::vector<double>& x, const std::vector<double>& y,
                  std::vector<double>* xo, std::vector<double>* yo) {
  xo->clear();
  yo->clear();
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i])) {
      xo->push_back(x[i]);
      yo->push_back(y[i]);
    }
}

namespace {
double pearson_complete(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() < 3) return kNaN;
  const double mx = mean_of(x), my = mean_of(y);
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0 || syy <= 0) return kNaN;
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}
}  // namespace

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> a, b;
  pairs_finite(x, y, &a, &b);
  return pearson_complete(a, b);
}

std::vector<double> ranks_average(const std::vector<double>& x) {
  std::vector<size_t> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double rank = (double(i) + double(j)) / 2.0 + 1.0;
    for (size_t k = i; k <= j; ++k) r[order[k]] = rank;
    i = j + 1;
  }
  return r;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<double> a, b;
  pairs_finite(x, y, &a, &b);
  return pearson_complete(ranks_average(a), ranks_average(b));
}

Interval correlation_interval(double r, int n, double level, double se_factor) {
  if (n < 4 || !std::isfinite(r)) return {kNaN, kNaN};
  if (std::fabs(r) >= 1) return {r, r};  // a perfect correlation: z is infinite
  const double z = std::atanh(r), se = std::sqrt(se_factor / double(n - 3));
  const double q = normal_quantile(0.5 + level / 2.0);
  return {std::tanh(z - q * se), std::tanh(z + q * se)};
}

CorrelationCompare correlations_compare(double r_jk, double r_jh, double r_kh, int n) {
  CorrelationCompare c{kNaN, kNaN, n - 3};
  if (n < 5 || !std::isfinite(r_jk) || !std::isfinite(r_jh) || !std::isfinite(r_kh)) return c;
  const double det = 1 - r_jk * r_jk - r_jh * r_jh - r_kh * r_kh + 2 * r_jk * r_jh * r_kh;
  const double rbar = (r_jk + r_jh) / 2;
  const double denom =
      2 * double(n - 1) / double(n - 3) * det + rbar * rbar * std::pow(1 - r_kh, 3);
  if (!(denom > 0)) return c;
  c.t = (r_jk - r_jh) * std::sqrt(double(n - 1) * (1 + r_kh) / denom);
  c.p = 2 * (1 - student_t_cdf(std::fabs(c.t), double(c.df)));
  return c;
}

LineFit line_fit(const std::vector<double>& x_in, const std::vector<double>& y_in, double level) {
  std::vector<double> x, y;
  pairs_finite(x_in, y_in, &x, &y);
  LineFit f;
  f.n = int(x.size());
  f.intercept = f.slope = f.r2 = f.slope_se = f.intercept_se = kNaN;
  f.slope_ci = {kNaN, kNaN};
  if (f.n < 2) return f;
  const double mx = mean_of(x), my = mean_of(y);
  double sxx = 0, sxy = 0, syy = 0;
  for (int i = 0; i < f.n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0) return f;
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  double sse = 0;
  for (int i = 0; i < f.n; ++i) {
    const double e = y[i] - f.intercept - f.slope * x[i];
    sse += e * e;
  }
  f.r2 = syy > 0 ? 1 - sse / syy : kNaN;
  if (f.n < 3) return f;
  const double s2 = sse / double(f.n - 2);
  f.slope_se = std::sqrt(s2 / sxx);
  f.intercept_se = std::sqrt(s2 * (1.0 / f.n + mx * mx / sxx));
  const double q = student_t_quantile(0.5 + level / 2.0, double(f.n - 2));
  f.slope_ci = {f.slope - q * f.slope_se, f.slope + q * f.slope_se};
  return f;
}

Interval bootstrap_interval(int n, const std::function<double(const std::vector<int>&)>& statistic,
                            int resamples, uint64_t seed, double level) {
  if (n < 2 || resamples < 1) return {kNaN, kNaN};
  std::mt19937_64 rng(seed);
  std::vector<double> stats;
  std::vector<int> idx(static_cast<size_t>(n), 0);
  for (int b = 0; b < resamples; ++b) {
    for (int& i : idx) i = int(rng() % uint64_t(n));
    const double s = statistic(idx);
    if (std::isfinite(s)) stats.push_back(s);
  }
  if (stats.size() < size_t(resamples) / 2) return {kNaN, kNaN};
  const double a = (1 - level) / 2;
  return {quantile_of(stats, a), quantile_of(stats, 1 - a)};
}

double normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double normal_quantile(double p) {
  if (!(p > 0 && p < 1)) return p == 0 ? -INFINITY : p == 1 ? INFINITY : kNaN;
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (normal_cdf(mid) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

double beta_incomplete(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  // Use the continued fraction where it converges fast; the symmetry relation otherwise.
  if (x > (a + 1) / (a + b + 2)) return 1 - beta_incomplete(b, a, 1 - x);
  const double ln_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double tiny = 1e-300;
  double c = 1, d = 1 - (a + b) * x / (a + 1);
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 500; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-15) break;
  }
  return std::exp(ln_front) * h / a;
}

double student_t_cdf(double t, double df) {
  if (std::isnan(t) || !(df > 0)) return kNaN;
  if (std::isinf(t)) return t > 0 ? 1 : 0;
  const double tail = 0.5 * beta_incomplete(df / 2, 0.5, df / (df + t * t));
  return t > 0 ? 1 - tail : tail;
}

double student_t_quantile(double p, double df) {
  if (!(p > 0 && p < 1) || !(df > 0)) return kNaN;
  double lo = -1e6, hi = 1e6;
  for (int i = 0; i < 300; ++i) {
    const double mid = (lo + hi) / 2;
    (student_t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

// The profiler's and estimator's statistics.

double t_quantile_975(double df) {
  if (!(df >= 1)) throw std::invalid_argument("t_quantile_975: df must be >= 1");
  return student_t_quantile(0.975, df);
}

double variance_of(const std::vector<double>& x) {
  if (x.size() < 2) return 0;
  const double m = mean_of(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return s / double(x.size() - 1);
}

Trend trend_of(const std::vector<double>& y) {
  Trend tr;
  const std::size_t n = y.size();
  if (n < 3) return tr;
  const double xm = (double(n) - 1) / 2, ym = mean_of(y);
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < n; i++) {
    sxx += (double(i) - xm) * (double(i) - xm);
    sxy += (double(i) - xm) * (y[i] - ym);
  }
  tr.slope = sxy / sxx;
  double sse = 0;
  for (std::size_t i = 0; i < n; i++) {
    const double r = y[i] - ym - tr.slope * (double(i) - xm);
    sse += r * r;
  }
  const double se = std::sqrt(sse / double(n - 2) / sxx);
  tr.t = se > 0 ? tr.slope / se : 0;
  return tr;
}

double autocorr1_of(const std::vector<double>& x) {
  const std::size_t n = x.size();
  if (n < 3) return 0;
  const double m = mean_of(x);
  double num = 0, den = 0;
  for (std::size_t i = 0; i < n; i++) {
    den += (x[i] - m) * (x[i] - m);
    if (i + 1 < n) num += (x[i] - m) * (x[i + 1] - m);
  }
  return den > 0 ? num / den : 0;
}

}  // namespace greenbench
