// Elementwise activations in float, and double-precision references. See activation.hpp.
#include "kernels/activation.hpp"

#include <bit>
#include <cmath>
#include <cstdint>

#include "kernels/exp_poly.hpp"
#include "kernels/multiversion.hpp"

namespace greenbench::kernels {

namespace {
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;  // 1 / sqrt(2 pi)
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluCubic = 0.044715f;

inline void store(float* d, float g, Grad mode) {
  *d = mode == Grad::accumulate ? *d + g : g;
}

// Branch-free float exp, erfc and tanh that GCC vectorises (glibc's expf/erff/tanhf calls do
// not vectorise without -ffast-math and cost ~40 ns per GELU element forward + backward).
// exp: Cephes expf (range reduction by ln 2 in two parts, degree-6 polynomial), ~1 ulp.
inline float exp_fast(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  // Round to nearest by adding and removing 1.5 * 2^23 (no libm call, so the loop vectorises).
  const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  return exp_poly(exp_reduce(x, n)) * std::bit_cast<float>(((std::int32_t)n + 127) << 23);
}

// Phi(x) = 0.5 * erfc(-x / sqrt(2)) with Abramowitz-Stegun 7.1.26 (|erf error| < 1.5e-7),
// evaluated as erfc on |x| so the x < 0 tail has no cancellation. Also returns
// exp(-x^2 / 2) for the derivative.
inline float normal_cdf_fast(float x, float* gauss) {
  const float z = std::fabs(x) * kInvSqrt2;
  const float t = 1.0f / (1.0f + 0.3275911f * z);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const float e = exp_fast(-z * z);
  *gauss = e;
  const float half_erfc = 0.5f * p * t * e;
  return x >= 0.0f ? 1.0f - half_erfc : half_erfc;
}

// tanh(x) = sign(x) (1 - e) / (1 + e), e = exp(-2|x|); x (1 - x^2 / 3) below |x| = 1e-2, where
// 1 - e would lose relative precision.
inline float tanh_fast(float x) {
  const float e = exp_fast(-2.0f * std::fabs(x));
  const float a = (1.0f - e) / (1.0f + e), t = x < 0.0f ? -a : a;
  return std::fabs(x) < 1e-2f ? x * (1.0f - x * x * (1.0f / 3.0f)) : t;
}
}  // namespace

GREENBENCH_MULTIVERSION
void relu_forward(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

GREENBENCH_MULTIVERSION
void relu_backward(float* dinp, const float* dout, const float* inp, std::int64_t N, Grad mode) {
  if (mode == Grad::overwrite) {
    for (std::int64_t i = 0; i < N; i++) dinp[i] = inp[i] > 0.0f ? dout[i] : 0.0f;
  } else {
    for (std::int64_t i = 0; i < N; i++) dinp[i] += inp[i] > 0.0f ? dout[i] : 0.0f;
  }
}

GREENBENCH_MULTIVERSION
void gelu_forward(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) {
    float gauss;
    out[i] = inp[i] * normal_cdf_fast(inp[i], &gauss);
  }
}

GREENBENCH_MULTIVERSION
void gelu_backward(float* dinp, const float* dout, const float* inp, std::int64_t N, Grad mode) {
  for (std::int64_t i = 0; i < N; i++) {
    const float x = inp[i];
    float gauss;
    const float cdf = normal_cdf_fast(x, &gauss);
    store(dinp + i, dout[i] * (cdf + x * kInvSqrt2Pi * gauss), mode);
  }
}

GREENBENCH_MULTIVERSION
void gelu_tanh_forward(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) {
    float x = inp[i];
    out[i] = 0.5f * x * (1.0f + tanh_fast(kSqrt2OverPi * (x + kGeluCubic * x * x * x)));
  }
}

GREENBENCH_MULTIVERSION
void gelu_tanh_backward(float* dinp, const float* dout, const float* inp, std::int64_t N,
                        Grad mode) {
  for (std::int64_t i = 0; i < N; i++) {
    float x = inp[i];
    float t = tanh_fast(kSqrt2OverPi * (x + kGeluCubic * x * x * x));
    float dt = (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * x * x);
    store(dinp + i, dout[i] * (0.5f * (1.0f + t) + 0.5f * x * dt), mode);
  }
}

GREENBENCH_MULTIVERSION
void tanh_forward(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) out[i] = tanh_fast(inp[i]);
}

GREENBENCH_MULTIVERSION
void tanh_backward(float* dinp, const float* dout, const float* out, std::int64_t N, Grad mode) {
  for (std::int64_t i = 0; i < N; i++) store(dinp + i, dout[i] * (1.0f - out[i] * out[i]), mode);
}

// References: double precision, formulas written out independently of the fast versions.
void relu_forward_naive(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) out[i] = std::fmax(inp[i], 0.0f);
}

void relu_backward_naive(float* dinp, const float* dout, const float* inp, std::int64_t N,
                         Grad mode) {
  for (std::int64_t i = 0; i < N; i++) store(dinp + i, inp[i] > 0.0f ? dout[i] : 0.0f, mode);
}

void gelu_forward_naive(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) {
    double x = inp[i];
    out[i] = (float)(x * 0.5 * std::erfc(-x / std::sqrt(2.0)));
  }
}

void gelu_backward_naive(float* dinp, const float* dout, const float* inp, std::int64_t N,
                         Grad mode) {
  for (std::int64_t i = 0; i < N; i++) {
    double x = inp[i];
    double cdf = 0.5 * std::erfc(-x / std::sqrt(2.0));
    double pdf = std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
    store(dinp + i, (float)(dout[i] * (cdf + x * pdf)), mode);
  }
}

void gelu_tanh_forward_naive(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) {
    double x = inp[i];
    double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
    out[i] = (float)(x / (1.0 + std::exp(-2.0 * u)));  // 0.5 (1 + tanh u) = sigmoid(2u)
  }
}

void gelu_tanh_backward_naive(float* dinp, const float* dout, const float* inp, std::int64_t N,
                              Grad mode) {
  for (std::int64_t i = 0; i < N; i++) {
    double x = inp[i];
    double u = std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x);
    double du = std::sqrt(2.0 / M_PI) * (1.0 + 3.0 * 0.044715 * x * x);
    double sig = 1.0 / (1.0 + std::exp(-2.0 * u));
    // d/dx [x sigmoid(2u)] = sigmoid(2u) + x * 2 du sigmoid(2u) (1 - sigmoid(2u))
    store(dinp + i, (float)(dout[i] * (sig + x * 2.0 * du * sig * (1.0 - sig))), mode);
  }
}

void tanh_forward_naive(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) {
    double e = std::exp(2.0 * (double)inp[i]);
    out[i] = std::isinf(e) ? 1.0f : (float)((e - 1.0) / (e + 1.0));
  }
}

void tanh_backward_naive(float* dinp, const float* dout, const float* out, std::int64_t N,
                         Grad mode) {
  for (std::int64_t i = 0; i < N; i++) {
    double y = out[i];
    store(dinp + i, (float)(dout[i] * (1.0 - y * y)), mode);
  }
}

}  // namespace greenbench::kernels
