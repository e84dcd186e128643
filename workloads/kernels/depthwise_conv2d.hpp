// Depthwise 2-D convolution (groups = C, channel multiplier 1), NCHW, square K, stride, zero
// padding, bias. Direct loops with the padding bounds hoisted so the inner loop vectorises;
// no BLAS. _naive: plain loops, for tests.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common.hpp"

namespace greenbench::kernels {

// Images go to `workers` threads (kernels/parallel.hpp). Backward with workers > 1: worker
// w > 0 sums its weight and bias gradients at scratch + w * slot (slot >=
// depthwise_conv2d_worker_floats(s)); they are added in worker order after.
inline std::size_t depthwise_conv2d_worker_floats(const Shape2d& s) {
  return std::size_t(s.C) * s.K * s.K + std::size_t(s.C);
}

// out (B, C, OH, OW) = dwconv(inp (B, C, H, W), weight (C, K, K)) + bias (C); bias may be null.
void depthwise_conv2d_forward(float* out, const float* inp, const float* weight, const float* bias,
                              const Shape2d& s, int workers = 1);
// dinp (B, C, H, W), dweight (C, K, K), dbias (C) from dout (B, C, OH, OW); any may be nullptr.
void depthwise_conv2d_backward(float* dinp, float* dweight, float* dbias, const float* dout,
                               const float* inp, const float* weight, const Shape2d& s, Grad mode,
                               int workers = 1, float* scratch = nullptr, std::size_t slot = 0);

void depthwise_conv2d_forward_naive(float* out, const float* inp, const float* weight,
                                    const float* bias, const Shape2d& s);
void depthwise_conv2d_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                                     const float* inp, const float* weight, const Shape2d& s,
                                     Grad mode);

// Multiply-accumulates of one sample's forward pass: OH * OW * C * K * K.
inline std::int64_t depthwise_conv2d_macs(const Shape2d& s) {
  return std::int64_t(s.OH()) * s.OW() * s.C * s.K * s.K;
}
inline double depthwise_conv2d_flops(const Shape2d& s) {
  return 2.0 * s.B * depthwise_conv2d_macs(s);
}

}  // namespace greenbench::kernels
