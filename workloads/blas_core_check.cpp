// The check after a change of OpenBLAS kernels: a few small sgemms against a naive float64
// product (include/greenbench/blas_core.hpp). Takes well under a millisecond.
#include <cblas.h>
#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "greenbench/blas_core.hpp"

namespace greenbench {

namespace {

void openblas_sgemm(bool ta, bool tb, int m, int n, int k, const float* a, const float* b,
                    float* c) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n,
              k, 1.0f, a, ta ? m : k, b, tb ? k : n, 0.0f, c, n);
}

}  // namespace

std::string blas_sgemm_check(const SgemmFn& sgemm_in) {
  const SgemmFn sgemm = sgemm_in ? sgemm_in : SgemmFn(openblas_sgemm);
  // Odd sizes reach the kernels' edge cases; 67 x 45 x 131 spans several 16-wide AVX-512 tiles.
  const int shapes[][3] = {{67, 45, 131}, {5, 33, 17}, {32, 48, 64}};
  for (const auto& [m, n, k] : shapes) {
    std::vector<float> a(std::size_t(m) * k), b(std::size_t(k) * n);
    for (std::size_t i = 0; i < a.size(); i++) a[i] = float(int(i * 7 % 23) - 11) / 8.0f;
    for (std::size_t i = 0; i < b.size(); i++) b[i] = float(int(i * 5 % 19) - 9) / 4.0f;
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++) {
        std::vector<float> c(std::size_t(m) * n, std::nanf(""));
        sgemm(ta, tb, m, n, k, a.data(), b.data(), c.data());
        for (int i = 0; i < m; i++)
          for (int j = 0; j < n; j++) {
            double ref = 0, mag = 0;
            for (int p = 0; p < k; p++) {
              const double x = ta ? a[std::size_t(p) * m + i] : a[std::size_t(i) * k + p];
              const double y = tb ? b[std::size_t(j) * k + p] : b[std::size_t(p) * n + j];
              ref += x * y;
              mag += std::fabs(x * y);
            }
            const double got = c[std::size_t(i) * n + j];
            // float32 accumulation error is at most ~k * 2^-24 * sum |x y|; allow 4x that + 1e-6.
            if (!(std::fabs(got - ref) <= 4.0 * k * 6e-8 * mag + 1e-6))
              return fmt::format("sgemm {}{} {}x{}x{}: C[{}][{}] = {} but the reference is {}",
                                 ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k, i, j, got, ref);
          }
      }
  }
  return "";
}

}  // namespace greenbench
