// Residual (elementwise) add: out = inp1 + inp2 over N floats. The backward passes dout to
// both branches. Not a broadcast add.
#pragma once

#include <cstdint>

#include "kernels/common.hpp"

namespace greenbench::kernels {

// out (N) = inp1 (N) + inp2 (N); out may alias either input.
void residual_forward(float* out, const float* inp1, const float* inp2, std::int64_t N);
// dinp1 (N), dinp2 (N) from dout (N); either may be nullptr.
void residual_backward(float* dinp1, float* dinp2, const float* dout, std::int64_t N, Grad mode);

void residual_forward_naive(float* out, const float* inp1, const float* inp2, std::int64_t N);
void residual_backward_naive(float* dinp1, float* dinp2, const float* dout, std::int64_t N,
                             Grad mode);

inline double residual_flops(std::int64_t N) {
  return double(N);
}

}  // namespace greenbench::kernels
