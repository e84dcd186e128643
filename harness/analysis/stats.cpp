// Statistics for harness/analysis/: see stats.hpp. Not a general library.
#include "analysis/stats.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace greenbench::analysis {

double t_quantile_975(double df) {
  if (!(df >= 1)) throw std::invalid_argument("t_quantile_975: df must be >= 1");
  // t_{0.975, df} for df = 1..30 (standard tables).
  static const double kTable[30] = {12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060,
                                    2.2622,  2.2281, 2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199,
                                    2.1098,  2.1009, 2.0930, 2.0860, 2.0796, 2.0739, 2.0687, 2.0639,
                                    2.0595,  2.0555, 2.0518, 2.0484, 2.0452, 2.0423};
  if (df <= 30) {
    const int lo = static_cast<int>(std::floor(df));
    if (lo >= 30) return kTable[29];
    const double f = df - lo;  // linear in df between table rows (fractional df: Satterthwaite)
    return kTable[lo - 1] * (1 - f) + kTable[lo] * f;
  }
  // Cornish-Fisher (Abramowitz & Stegun 26.7.5) around z = 1.959964.
  const double z = 1.959963984540054, z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df) +
         (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df * df * df);
}

double mean_of(const std::vector<double>& x) {
  if (x.empty()) return 0;
  double s = 0;
  for (double v : x) s += v;
  return s / double(x.size());
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

double quantile_of(std::vector<double> x, double q) {
  if (x.empty()) throw std::invalid_argument("quantile_of: empty");
  std::sort(x.begin(), x.end());
  const double pos = q * double(x.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, x.size() - 1);
  return x[lo] + (x[hi] - x[lo]) * (pos - double(lo));
}

double median_of(std::vector<double> x) {
  return quantile_of(std::move(x), 0.5);
}

}  // namespace greenbench::analysis
