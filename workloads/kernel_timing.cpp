// sgemm timing for the estimator: see include/greenbench/kernel_timing.hpp.
#include "greenbench/kernel_timing.hpp"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

#include "kernels/threads.hpp"

namespace greenbench {

namespace {

// Seconds of one call of `call`: the fastest of 7 batches sized to about 2 ms each, after a
// warm-up call (pages touched, buffers allocated) and one timed call that sizes the batches.
double fastest_call_s(const std::function<void()>& call) {
  using clock = std::chrono::steady_clock;
  call();
  auto t0 = clock::now();
  call();
  const double once = std::chrono::duration<double>(clock::now() - t0).count();
  const int reps = std::clamp(int(2e-3 / std::max(once, 1e-9)), 1, 20000);
  double best = once;
  for (int batch = 0; batch < 7; batch++) {
    t0 = clock::now();
    for (int r = 0; r < reps; r++) call();
    best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count() / reps);
  }
  return best;
}

// Values away from zero and from denormals.
std::vector<float> filled(std::size_t n, float base, int period) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; i++) v[i] = base + float(i % std::size_t(period)) * 0.01f;
  return v;
}

}  // namespace

double sgemm_seconds_measure(bool ta, bool tb, std::int64_t m64, std::int64_t n64,
                             std::int64_t k64) {
  kernels::threads_set(1);  // one OpenBLAS thread; workloads set their own count when they run
  const int m = int(m64), n = int(n64), k = int(k64);
  const auto a = filled(std::size_t(m) * k, 0.5f, 7), b = filled(std::size_t(k) * n, 0.45f, 5);
  std::vector<float> c(std::size_t(m) * n);
  const int lda = ta ? m : k, ldb = tb ? k : n;
  return fastest_call_s([&] {
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
                k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), n);
  });
}

double sgemm_roof_gflops(int threads) {
  blas_threads_set(threads);  // the caller's workload sets its own count when it is made
  double best = 0;
  for (const int n : {768, 1024}) {
    const auto a = filled(std::size_t(n) * n, 0.5f, 7), b = filled(std::size_t(n) * n, 0.45f, 5);
    std::vector<float> c(std::size_t(n) * n);
    const double s = fastest_call_s([&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(),
                  n, 0.0f, c.data(), n);
    });
    best = std::max(best, 2.0 * n * n * n / s / 1e9);
  }
  return best;
}

}  // namespace greenbench
