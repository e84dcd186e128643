// The profiler's statistics over metered blocks of steps: warm-up truncation (MSER), the
// steadiness test (trend and spread over a window), and the projection of a whole run's
// energy with a 95% interval from block means. Pure functions over numbers, so tests can feed
// simulated series with a known truth. Not the metering (profile_run.cpp) nor the CLI.
#pragma once

#include <cstdint>
#include <vector>

#include "host_noise.hpp"

namespace greenbench {

// One metered block of consecutive steps of one phase.
struct Block {
  std::int64_t steps = 0;
  std::int64_t samples = 0;
  double energy_j = 0;
  double seconds = 0;
  double j_per_sample() const { return samples > 0 ? energy_j / double(samples) : 0; }
};

struct SteadyOptions {
  int window_blocks = 8;    // the steadiness test looks at the last this many blocks
  double trend_t_max = 0;   // |t| of the window's slope below this (0: t_{0.975, W-2})
  double drift_max = 0.02;  // ... or its fitted change over the window below this fraction
  double cv_max = 0.25;     // coefficient of variation of the window's block means
};

// Where the warm-up ends and whether what follows is steady.
struct SteadyState {
  int warmup_blocks = 0;  // blocks [0, warmup_blocks) are dropped (always >= 1 when n >= 2)
  int used_blocks = 0;    // blocks after the warm-up, all used by the projection
  bool steady = false;    // the last window_blocks of them pass the trend and spread tests
  double trend_t = 0;     // the window's slope t statistic
  double drift = 0;       // the window's fitted relative change end to end
  double cv = 0;          // the window's coefficient of variation
};

// MSER truncation: the warm-up cut w in [1, n - window] minimising the squared standard error
// of the mean of blocks [w, n) (per-sample energies), then the tests over the last window.
SteadyState steady_detect(const std::vector<Block>& blocks, const SteadyOptions& options);

// A projection of one phase's remaining energy: mean, variance and degrees of freedom, so two
// phases combine (Welch-Satterthwaite).
struct PartProjection {
  double mean_j = 0;  // energy still to come
  double var_j2 = 0;  // its prediction variance
  double df = 1;
  // The part of var_j2 beyond the white-noise formula: slow wander seen in the blocks or the
  // host calibration's. More profiled steps do not narrow it (docs/profile.md).
  double slow_var_j2 = 0;
  bool wander = false;  // the blocks themselves showed slow wander (allan.hpp)
};

// Energy of `remaining_samples` more samples of the phase the blocks came from, from the blocks
// after the warm-up (batch means): with k blocks of mean m (J per block of s samples) and
// R = remaining_samples / s future blocks, mean = R m, variance = R sigma^2 (1 + R / k) —
// the future blocks' own spread plus the error of m — with sigma^2 the blocks' variance
// inflated by (1 + rho) / (1 - rho) for a positive lag-1 autocorrelation rho (df = k - 1),
// or, where larger, the batch-means estimate b x var(means of batches of b = floor(sqrt k)
// blocks) (df = batches - 1), which sees slower wander than lag 1.
// Slow variability (docs/profile.md, "Slow variability"): in general the variance is
// R^2 (A(k) + A(R)), A(x) the Allan variance of x-block means (A(x) = sigma^2 / x for white
// noise gives the formula above); A is the largest of sigma^2 / x, the blocks' own wander
// extrapolated (allan.hpp, wander_detect) and, with a host calibration, its relative AVAR at
// x blocks' seconds times the blocks' mean^2; each term keeps its degrees of freedom.
// With fewer than 2 used blocks the variance is infinite.
PartProjection project_remaining(const std::vector<Block>& blocks, const SteadyState& state,
                                 double remaining_samples, const HostNoise* host = nullptr);

// The whole run: energy already measured plus each part's projection, with the 95% interval
// mean +- t_{0.975, df} sqrt(sum var + (systematic x projected)^2) (df by Welch-Satterthwaite
// over the parts' variances; the systematic term, a relative standard deviation of the
// projected, unmeasured energy, counts as known exactly). The blocks' spread cannot show how
// later epochs differ from the profiled start of the first; `systematic` is that difference,
// calibrated by bench/profile_validate.py (docs/profile.md).
struct Projection {
  double predicted_j = 0, low_j = 0, high_j = 0;
  double rel_half_width() const { return predicted_j > 0 ? (high_j - low_j) / 2 / predicted_j : 0; }
};
Projection projection_combine(double measured_j, const std::vector<PartProjection>& parts,
                              double systematic = 0);

}  // namespace greenbench
