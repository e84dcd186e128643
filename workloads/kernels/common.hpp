// Shared vocabulary of the kernels: gradient write mode and 2-D window geometry.
// Not an op: only a vectorisable sum helper lives here. Shape letters: B, C, OC, H, W, K (see
// STYLE.md).
#pragma once

#include <cstdint>

namespace greenbench::kernels {

// How a `_backward` writes each of its gradient outputs (dinp, dweight, dbias, ...).
// overwrite: grad = g. accumulate: grad += g (llm.c style; the caller zeroes once per step).
enum class Grad { overwrite, accumulate };

// Geometry of a 2-D window op (conv2d, depthwise conv, pooling) over NCHW input (B, C, H, W):
// square K x K window, equal stride and zero padding on both axes.
struct Shape2d {
  int B = 1, C = 1, H = 1, W = 1;
  int K = 1, stride = 1, pad = 0;
  int OH() const { return (H + 2 * pad - K) / stride + 1; }
  int OW() const { return (W + 2 * pad - K) / stride + 1; }
};

namespace detail {
// Sum of x[0..n) in fp32 with 16 independent partial sums, so the loop vectorises without
// -ffast-math (a single running sum is one dependent add per element).
inline float sum_floats(const float* x, std::int64_t n) {
  float acc[16] = {};
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] += x[i + j];
  float s = 0.0f;
  for (; i < n; i++) s += x[i];
  for (int j = 0; j < 16; j++) s += acc[j];
  return s;
}

// Sum of (x[i] - m) * (y[i] - m_y) over [0, n), 16 partial sums as in sum_floats.
inline float sum_centered_products(const float* x, float m, const float* y, float m_y,
                                   std::int64_t n) {
  float acc[16] = {};
  std::int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; j++) acc[j] += (x[i + j] - m) * (y[i + j] - m_y);
  float s = 0.0f;
  for (; i < n; i++) s += (x[i] - m) * (y[i] - m_y);
  for (int j = 0; j < 16; j++) s += acc[j];
  return s;
}
}  // namespace detail

}  // namespace greenbench::kernels
