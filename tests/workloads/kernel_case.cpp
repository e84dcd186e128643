// The shared checks of every KernelCase. See kernel_case.hpp.
#include "kernel_case.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>

namespace greenbench::kernels::testing {

// Tolerances.
// Fast vs naive: the naive references accumulate in double, the fast kernels in fp32 (BLAS
// reorders sums). A reduction of n terms in fp32 is off by at most ~n * 6e-8 of the sum of
// |terms|; the cases reduce n <= ~2000 terms of comparable size, so 1e-4 of the output scale
// holds with margin while a wrong index or a missing term (an O(1) relative error) fails.
constexpr double kFastVsNaiveTol = 1e-4;
// Accumulate mode: grad = preset + g, one fp32 add off the overwrite result.
constexpr double kAccumulateTol = 1e-6;
// Finite differences: loss L = sum(r * out) in double, central step eps = 1e-2 on fp32
// inputs. Truncation error eps^2/6 |L'''| ~ 2e-5 relative for these smooth, O(1)-scaled ops;
// rounding of the fp32 outputs (~6e-8 |out| each, over the outputs an input touches) divided
// by 2 eps adds ~1e-5. Norm-wise relative error over the sampled coordinates must stay below
// 2e-3: 50x margin over those estimates (the largest seen is ~1e-4, softmax_ce_B7OC13), and far
// below the O(1) error of a wrong gradient (wrong sign, missing 1/N, transposed weight, off-by-one
// window).
constexpr double kFiniteDiffTol = 2e-3;
constexpr int kFiniteDiffSamples = 40;  // coordinates checked per input

void KernelCase::init(std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (Tensor& t : in)
    for (float& v : t.data) v = u(rng);
}

double max_rel_error(const std::vector<float>& a, const std::vector<float>& b) {
  double scale = 1.0, err = 0.0;
  for (float v : b) scale = std::max(scale, (double)std::fabs(v));
  for (std::size_t i = 0; i < a.size(); i++) {
    double d = std::fabs((double)a[i] - (double)b[i]);
    if (!(d <= err)) err = d;  // NaN propagates
  }
  return err / scale;
}

namespace {

using Grads = std::vector<std::vector<float>>;

Grads run_backward(KernelCase& k, bool naive, const std::vector<float>& dout, Grad mode,
                   const Grads* preset) {
  Grads g(k.in.size());
  std::vector<float*> ptrs(k.in.size(), nullptr);
  for (std::size_t i = 0; i < k.in.size(); i++) {
    if (!k.in[i].differentiable) continue;
    g[i] = preset != nullptr ? (*preset)[i] : std::vector<float>(k.in[i].data.size(), NAN);
    ptrs[i] = g[i].data();
  }
  k.backward(naive, dout.data(), ptrs, mode);
  return g;
}

double projected_loss(KernelCase& k, const std::vector<float>& r) {
  std::vector<float> out(k.out_size);
  k.forward(true, out.data());
  double L = 0.0;
  for (std::size_t j = 0; j < out.size(); j++) L += (double)r[j] * out[j];
  return L;
}

}  // namespace

void check_kernel_case(KernelCase& k, unsigned seed) {
  SCOPED_TRACE(k.name());
  std::mt19937 rng(seed);
  k.init(rng);
  EXPECT_GT(k.flops(), 0.0);
  ASSERT_GT(k.out_size, 0u);

  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> r(k.out_size);
  for (float& v : r) v = u(rng);

  // Forward and backward, naive then fast (each backward follows its own forward).
  std::vector<float> y_naive(k.out_size, NAN), y_fast(k.out_size, NAN);
  k.forward(true, y_naive.data());
  Grads g_naive = run_backward(k, true, r, Grad::overwrite, nullptr);
  k.forward(false, y_fast.data());
  Grads g_fast = run_backward(k, false, r, Grad::overwrite, nullptr);

  double e = max_rel_error(y_fast, y_naive);
  EXPECT_LE(e, kFastVsNaiveTol) << "forward fast vs naive";
  for (std::size_t i = 0; i < k.in.size(); i++) {
    if (!k.in[i].differentiable) continue;
    for (float v : g_naive[i]) ASSERT_TRUE(std::isfinite(v)) << "naive d" << k.in[i].name;
    e = max_rel_error(g_fast[i], g_naive[i]);
    EXPECT_LE(e, kFastVsNaiveTol) << "backward fast vs naive, d" << k.in[i].name;
  }

  // Accumulate mode adds onto what is there, in both implementations.
  Grads preset(k.in.size());
  for (std::size_t i = 0; i < k.in.size(); i++) {
    if (!k.in[i].differentiable) continue;
    preset[i].resize(k.in[i].data.size());
    for (float& v : preset[i]) v = u(rng);
  }
  for (bool naive : {false, true}) {
    std::vector<float> y(k.out_size);
    k.forward(naive, y.data());
    Grads g_acc = run_backward(k, naive, r, Grad::accumulate, &preset);
    const Grads& g_ref = naive ? g_naive : g_fast;
    for (std::size_t i = 0; i < k.in.size(); i++) {
      if (!k.in[i].differentiable) continue;
      std::vector<float> expect(preset[i].size());
      for (std::size_t j = 0; j < expect.size(); j++) expect[j] = preset[i][j] + g_ref[i][j];
      EXPECT_LE(max_rel_error(g_acc[i], expect), kAccumulateTol)
          << (naive ? "naive" : "fast") << " accumulate, d" << k.in[i].name;
    }
  }

  // Finite differences of L = sum(r * forward_naive(in)) against the fast analytic gradient.
  const double eps = k.fd_eps();
  for (std::size_t i = 0; i < k.in.size(); i++) {
    if (!k.in[i].differentiable) continue;
    std::vector<float>& x = k.in[i].data;
    std::vector<std::size_t> idx(x.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::shuffle(idx.begin(), idx.end(), rng);
    if (idx.size() > kFiniteDiffSamples) idx.resize(kFiniteDiffSamples);
    double num = 0.0, den = 0.0;
    for (std::size_t j : idx) {
      const float x0 = x[j];
      x[j] = (float)(x0 + eps);
      const double lp = projected_loss(k, r);
      x[j] = (float)(x0 - eps);
      const double lm = projected_loss(k, r);
      x[j] = x0;
      const double step = ((double)(float)(x0 + eps) - (double)(float)(x0 - eps));
      const double fd = (lp - lm) / step;
      num += (fd - g_fast[i][j]) * (fd - g_fast[i][j]);
      den += fd * fd;
    }
    const double rel = std::sqrt(num) / std::max(std::sqrt(den), 1e-6);
    EXPECT_LE(rel, kFiniteDiffTol) << "finite differences, d" << k.in[i].name;
    if (std::getenv("GREENBENCH_TEST_VERBOSE") != nullptr)
      std::printf("  %-40s d%-6s fd rel err %.2e\n", k.name().c_str(), k.in[i].name.c_str(), rel);
  }
}

void PrintTo(const KernelCaseFactory& f, std::ostream* os) {
  *os << f()->name();
}

std::string kernel_case_test_name(const ::testing::TestParamInfo<KernelCaseFactory>& info) {
  return info.param()->name();
}

TEST_P(KernelCaseTest, FastMatchesNaiveAndFiniteDifferences) {
  std::unique_ptr<KernelCase> k = GetParam()();
  check_kernel_case(*k);
}

}  // namespace greenbench::kernels::testing
