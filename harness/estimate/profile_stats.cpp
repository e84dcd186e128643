// Warm-up truncation, steadiness and projection over metered blocks: see profile_stats.hpp.
// Not the metering loop (profile_run.cpp).
#include "profile_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "allan.hpp"
#include "stats.hpp"

namespace greenbench {

namespace {

std::vector<double> per_sample(const std::vector<Block>& blocks, std::size_t from) {
  std::vector<double> y;
  for (std::size_t i = from; i < blocks.size(); i++) y.push_back(blocks[i].j_per_sample());
  return y;
}

}  // namespace

SteadyState steady_detect(const std::vector<Block>& blocks, const SteadyOptions& opt) {
  SteadyState st;
  const int n = static_cast<int>(blocks.size());
  if (n < 2) {
    st.warmup_blocks = 0;
    st.used_blocks = n;
    return st;
  }
  const int W = std::max(3, opt.window_blocks);
  // MSER: w minimising sum of squared deviations of [w, n) / (n - w)^2, w in [1, n - W].
  const int w_max = std::max(1, n - W);
  int best_w = 1;
  double best = std::numeric_limits<double>::infinity();
  for (int w = 1; w <= w_max; w++) {
    const auto y = per_sample(blocks, std::size_t(w));
    if (y.size() < 2) break;
    const double m = mean_of(y);
    double ss = 0;
    for (double v : y) ss += (v - m) * (v - m);
    const double score = ss / (double(y.size()) * double(y.size()));
    if (score < best) best = score, best_w = w;
  }
  st.warmup_blocks = best_w;
  st.used_blocks = n - best_w;
  if (st.used_blocks < W) return st;
  const auto window = per_sample(blocks, std::size_t(n - W));
  const double m = mean_of(window);
  const Trend tr = trend_of(window);
  st.trend_t = tr.t;
  st.drift = m > 0 ? std::fabs(tr.slope) * (W - 1) / m : 0;
  st.cv = m > 0 ? std::sqrt(variance_of(window)) / m : 0;
  const double t_max = opt.trend_t_max > 0 ? opt.trend_t_max : t_quantile_975(W - 2);
  st.steady = (std::fabs(tr.t) < t_max || st.drift < opt.drift_max) && st.cv <= opt.cv_max;
  return st;
}

namespace {

// sigma^2 and df of blocks (already scaled to s samples): the variance inflated for a positive
// lag-1 autocorrelation, or the batch-means estimate where larger (project_remaining).
std::pair<double, double> short_variance(const std::vector<double>& block_j) {
  const std::size_t k = block_j.size();
  double var = variance_of(block_j);
  const double rho = autocorr1_of(block_j);
  if (rho > 0) var *= (1 + std::min(rho, 0.9)) / (1 - std::min(rho, 0.9));
  double df = double(k - 1);
  // Slower wander than one lag shows: batches of b = floor(sqrt(k)) blocks; b x the variance
  // of their means estimates the long-run variance per block. The larger estimate is kept.
  const std::size_t b = static_cast<std::size_t>(std::sqrt(double(k)));
  if (k >= 8 && b >= 2) {
    std::vector<double> batch_means;
    for (std::size_t i = 0; i + b <= block_j.size(); i += b) {
      double sum = 0;
      for (std::size_t j = i; j < i + b; j++) sum += block_j[j];
      batch_means.push_back(sum / double(b));
    }
    const double var_bm = double(b) * variance_of(batch_means);
    if (var_bm > var) var = var_bm, df = double(batch_means.size() - 1);
  }
  return {var, df};
}

}  // namespace

PartProjection project_remaining(const std::vector<Block>& blocks, const SteadyState& st,
                                 double remaining_samples, const HostNoise* host) {
  PartProjection p;
  if (remaining_samples <= 0) {
    p.var_j2 = 0;
    return p;
  }
  const std::size_t from = std::size_t(std::max(0, int(blocks.size()) - st.used_blocks));
  // Blocks are normalised to the mean block size s (samples) so unequal blocks combine.
  double samples = 0, energy = 0, seconds = 0;
  for (std::size_t i = from; i < blocks.size(); i++)
    samples += double(blocks[i].samples), energy += blocks[i].energy_j,
        seconds += blocks[i].seconds;
  const std::size_t k = blocks.size() - from;
  if (k == 0 || samples <= 0) {
    p.mean_j = 0;
    p.var_j2 = std::numeric_limits<double>::infinity();
    return p;
  }
  const double s = samples / double(k);
  const double j_per_sample = energy / samples;
  p.mean_j = remaining_samples * j_per_sample;
  if (k < 2) {
    p.var_j2 = std::numeric_limits<double>::infinity();
    return p;
  }
  std::vector<double> block_j;  // each block's energy scaled to s samples
  for (std::size_t i = from; i < blocks.size(); i++)
    block_j.push_back(blocks[i].j_per_sample() * s);
  const auto [var, df] = short_variance(block_j);
  p.df = df;
  const double R = remaining_samples / s, kk = double(k);
  const double white = R * R * (var / kk + var / R);  // = R var (1 + R / k)
  // A(x) at the profile's scale (k blocks) and the rest's (R blocks), the larger of sigma^2/x
  // and the blocks' own wander extrapolated; each term keeps its degrees of freedom.
  const Wander w = wander_detect(block_j);
  p.wander = w.detected;
  double total = 0, denom = 0;
  for (const double x : {kk, R}) {
    double a = var / x, a_df = df;
    if (w.avar_at(x) > a) a = w.avar_at(x), a_df = double(w.pairs);
    total += R * R * a;
    denom += (R * R * a) * (R * R * a) / a_df;
  }
  // The host calibration's projection error at this profile's and this rest's seconds, where
  // it says more than the blocks do.
  if (host && !host->empty() && host->slow()) {
    const double mean_block_j = j_per_sample * s, block_s = seconds / kk;
    double h_df = 1;
    const double h = R * R * mean_block_j * mean_block_j *
                     host->rel_var_projection(kk * block_s, R * block_s, &h_df);
    if (h > total) total = h, denom = h * h / h_df;
  }
  p.var_j2 = std::max(white, total);
  if (total > white) p.df = denom > 0 ? total * total / denom : df;
  p.slow_var_j2 = p.var_j2 - white;
  return p;
}

Projection projection_combine(double measured_j, const std::vector<PartProjection>& parts,
                              double systematic) {
  Projection pr;
  double mean = measured_j, var = 0, denom = 0, projected = 0;
  for (const auto& p : parts) {
    mean += p.mean_j;
    projected += p.mean_j;
    var += p.var_j2;
    if (p.var_j2 > 0) denom += p.var_j2 * p.var_j2 / p.df;
  }
  var += (systematic * projected) * (systematic * projected);  // df: infinite, adds to none
  pr.predicted_j = mean;
  if (!std::isfinite(var)) {
    pr.low_j = 0;
    pr.high_j = std::numeric_limits<double>::infinity();
    return pr;
  }
  const double df = denom > 0 ? var * var / denom : 1e9;
  const double half = t_quantile_975(std::max(1.0, df)) * std::sqrt(var);
  pr.low_j = std::max(measured_j, mean - half);
  pr.high_j = mean + half;
  return pr;
}

}  // namespace greenbench
