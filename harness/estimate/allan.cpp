// Allan variance at dyadic scales and the slow-wander test: see allan.hpp.
#include "allan.hpp"

#include <algorithm>
#include <cmath>

#include "stats.hpp"

namespace greenbench {

std::vector<AllanPoint> allan_points(const std::vector<double>& y, int min_pairs) {
  std::vector<AllanPoint> out;
  const std::size_t n = y.size();
  std::vector<double> prefix(n + 1, 0.0);
  for (std::size_t i = 0; i < n; i++) prefix[i + 1] = prefix[i] + y[i];
  for (std::size_t m = 1; m <= n; m *= 2) {
    const int pairs = int(n / m) - 1;
    if (pairs < std::max(1, min_pairs)) break;
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t i = 0; i + 2 * m <= n; i++) {
      const double a = (prefix[i + m] - prefix[i]) / double(m);
      const double b = (prefix[i + 2 * m] - prefix[i + m]) / double(m);
      sum += (b - a) * (b - a);
      count++;
    }
    out.push_back(AllanPoint{double(m), sum / (2.0 * double(count)), pairs});
  }
  return out;
}

double chi2_quantile_over_nu(double p, double nu) {
  nu = std::max(1.0, nu);
  const double c = 2.0 / (9.0 * nu);
  const double w = 1 - c + normal_quantile(p) * std::sqrt(c);
  return w * w * w;
}

double chi2_95_over_nu(double nu) {
  return chi2_quantile_over_nu(0.95, nu);
}

double Wander::avar_at(double x) const {
  if (!detected) return 0;
  x = std::max(1.0, x);
  return a / x + b * x;
}

namespace {

// Weighted least squares of AVAR = a / m + b m with a, b >= 0 (one of them 0 when the pair's
// solution is not).
void fit_white_plus_walk(const std::vector<AllanPoint>& points, double* a, double* b) {
  double s11 = 0, s12 = 0, s22 = 0, t1 = 0, t2 = 0;
  for (const auto& p : points) {
    const double w = double(p.pairs) / std::max(p.avar * p.avar, 1e-300);
    const double u = 1 / p.m, v = p.m;
    s11 += w * u * u, s12 += w * u * v, s22 += w * v * v;
    t1 += w * u * p.avar, t2 += w * v * p.avar;
  }
  const double det = s11 * s22 - s12 * s12;
  *a = det > 0 ? (t1 * s22 - t2 * s12) / det : -1;
  *b = det > 0 ? (t2 * s11 - t1 * s12) / det : -1;
  if (*a < 0 || *b < 0) {  // one component alone: the one with the smaller residual
    const double a_only = t1 / s11, b_only = t2 / s22;
    double r_a = 0, r_b = 0;
    for (const auto& p : points) {
      const double w = double(p.pairs) / std::max(p.avar * p.avar, 1e-300);
      r_a += w * (p.avar - a_only / p.m) * (p.avar - a_only / p.m);
      r_b += w * (p.avar - b_only * p.m) * (p.avar - b_only * p.m);
    }
    *a = r_a <= r_b ? a_only : 0;
    *b = r_a <= r_b ? 0 : b_only;
  }
}

}  // namespace

Wander wander_detect(const std::vector<double>& y) {
  Wander w;
  const auto points = allan_points(y);
  if (points.size() < 2 || !(points.front().avar > 0)) return w;  // nothing above one block
  const AllanPoint& top = points.back();
  w.scale = top.m;
  w.pairs = top.pairs;
  w.ratio = top.m * top.avar / points.front().avar;
  bool seen = false;
  for (std::size_t i = points.size() - 1; i >= std::max<std::size_t>(1, points.size() - 2); i--)
    seen = seen || points[i].m * points[i].avar / points.front().avar >
                       chi2_quantile_over_nu(0.975, points[i].pairs);
  if (seen) {
    fit_white_plus_walk(points, &w.a, &w.b);
    w.detected = w.b > 0;
  }
  return w;
}

}  // namespace greenbench
