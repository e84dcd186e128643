// Elementwise activations in float, and double-precision references. See activation.hpp.
#include "kernels/activation.hpp"

#include <cmath>

namespace greenbench::kernels {

namespace {
constexpr float kInvSqrt2 = 0.70710678118654752f;
constexpr float kInvSqrt2Pi = 0.39894228040143268f;  // 1 / sqrt(2 pi)
constexpr float kSqrt2OverPi = 0.79788456080286536f;
constexpr float kGeluCubic = 0.044715f;

inline void store(float* d, float g, Grad mode) { *d = mode == Grad::accumulate ? *d + g : g; }
}  // namespace

void relu_forward(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) out[i] = inp[i] > 0.0f ? inp[i] : 0.0f;
}

void relu_backward(float* dinp, const float* dout, const float* inp, std::int64_t N,
                   Grad mode) {
  if (mode == Grad::overwrite) {
    for (std::int64_t i = 0; i < N; i++) dinp[i] = inp[i] > 0.0f ? dout[i] : 0.0f;
  } else {
    for (std::int64_t i = 0; i < N; i++) dinp[i] += inp[i] > 0.0f ? dout[i] : 0.0f;
  }
}

void gelu_forward(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) {
    float x = inp[i];
    out[i] = 0.5f * x * (1.0f + std::erf(x * kInvSqrt2));
  }
}

void gelu_backward(float* dinp, const float* dout, const float* inp, std::int64_t N,
                   Grad mode) {
  for (std::int64_t i = 0; i < N; i++) {
    float x = inp[i];
    float cdf = 0.5f * (1.0f + std::erf(x * kInvSqrt2));
    float pdf = kInvSqrt2Pi * std::exp(-0.5f * x * x);
    store(dinp + i, dout[i] * (cdf + x * pdf), mode);
  }
}

void gelu_tanh_forward(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) {
    float x = inp[i];
    out[i] = 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + kGeluCubic * x * x * x)));
  }
}

void gelu_tanh_backward(float* dinp, const float* dout, const float* inp, std::int64_t N,
                        Grad mode) {
  for (std::int64_t i = 0; i < N; i++) {
    float x = inp[i];
    float t = std::tanh(kSqrt2OverPi * (x + kGeluCubic * x * x * x));
    float dt = (1.0f - t * t) * kSqrt2OverPi * (1.0f + 3.0f * kGeluCubic * x * x);
    store(dinp + i, dout[i] * (0.5f * (1.0f + t) + 0.5f * x * dt), mode);
  }
}

void tanh_forward(float* out, const float* inp, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) out[i] = std::tanh(inp[i]);
}

void tanh_backward(float* dinp, const float* dout, const float* out, std::int64_t N,
                   Grad mode) {
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
