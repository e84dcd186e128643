// Expected run times from FLOPs and a quick sgemm calibration of this machine. See
// eta.hpp. Not energy estimation.
#include "eta.hpp"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace greenbench {

void blas_threads_set(int threads);  // workloads/blas_threads.cpp

double sgemm_gflops_measure() {
  constexpr int n = 384;
  std::vector<float> a(n * n, 0.5f), b(n * n, 0.25f), c(n * n, 0.0f);  // (n, n) each
  blas_threads_set(1);
  double best_s = 1e9;
  for (int rep = 0; rep < 8; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n,
                0.0f, c.data(), n);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best_s = std::min(best_s, s);
  }
  return 2.0 * n * n * double(n) / best_s / 1e9;
}

double run_expected_s(const GridRun& run, double gflops_1thread, double pause_s) {
  return run_cost_s(run, gflops_1thread, pause_s);
}

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 9.95) return fmt::format("{:.1f} s", seconds);
  const long s = std::lround(seconds);
  if (s >= 3600) return fmt::format("{} h {:02} min", s / 3600, (s % 3600) / 60);
  if (s >= 60) return fmt::format("{} min {:02} s", s / 60, s % 60);
  return fmt::format("{} s", s);
}

}  // namespace greenbench
