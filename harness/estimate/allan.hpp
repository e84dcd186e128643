// Multi-scale variance of a series of block values (docs/profile.md, "Slow variability"): the
// Allan variance at block aggregations m = 1, 2, 4, ..., the test that tells slow wander from
// white noise (for white noise m x AVAR(m) stays at the blocks' variance; wander makes it grow),
// and the power-law extrapolation of AVAR to scales the series is too short to show. Pure
// functions over numbers; the profile's projection (profile_stats.cpp) and the host calibration
// (host_noise.cpp) use them.
#pragma once

#include <vector>

namespace greenbench {

struct AllanPoint {
  double m = 1;     // blocks aggregated (a scale; host_noise.hpp stores seconds instead)
  double avar = 0;  // overlapping Allan variance: E[(mean of the next m - mean of the last m)^2]/2
  int pairs = 0;    // non-overlapping pairs at this scale: the estimate's degrees of freedom
};

// Overlapping Allan variance of `y` at m = 1, 2, 4, ... while at least `min_pairs`
// non-overlapping pairs (floor(n / m) - 1) fit.
std::vector<AllanPoint> allan_points(const std::vector<double>& y, int min_pairs = 3);

// The 0.95 quantile of chi-square with `nu` degrees of freedom over nu (Wilson-Hilferty; within
// 1% of the tables for nu >= 2).
double chi2_95_over_nu(double nu);
double chi2_quantile_over_nu(double p, double nu);

// Slow wander in `y` (docs/profile.md, "Slow variability"): for white noise m AVAR(m) stays at
// AVAR(1); wander makes it grow. At the two largest scales m of allan_points, ratio =
// m AVAR(m) / AVAR(1); wander when either passes its chi-square 0.975 quantile over nu (nu: the
// pairs at m; a 5% test over the two, Bonferroni). Then AVAR is
// fitted as a / m + b m (white noise plus a random walk of the level, the two ends of the
// Allan slopes) by least squares on relative errors (weights pairs / AVAR^2), a, b >= 0, and
// extrapolated to longer scales.
struct Wander {
  bool detected = false;
  double ratio = 1;     // at the largest scale
  double a = 0, b = 0;  // AVAR(x) = a / x + b x
  double scale = 1;     // m_J
  int pairs = 0;        // at m_J: the degrees of freedom when detected
  // The fitted AVAR at a scale of x blocks (0 when not detected).
  double avar_at(double x) const;
};
Wander wander_detect(const std::vector<double>& y);

}  // namespace greenbench
