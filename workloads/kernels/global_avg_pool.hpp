// Global average pooling: NCHW (B, C, H, W) -> (B, C), the mean of each plane.
// Not windowed pooling (see pool.hpp).
#pragma once

#include "kernels/common.hpp"

namespace greenbench::kernels {

// out (B, C) = mean over H, W of inp (B, C, H, W).
void global_avg_pool_forward(float* out, const float* inp, int B, int C, int H, int W);
// dinp (B, C, H, W) = dout (B, C) / (H * W), broadcast.
void global_avg_pool_backward(float* dinp, const float* dout, int B, int C, int H, int W,
                              Grad mode);

void global_avg_pool_forward_naive(float* out, const float* inp, int B, int C, int H, int W);
void global_avg_pool_backward_naive(float* dinp, const float* dout, int B, int C, int H, int W,
                                    Grad mode);

inline double global_avg_pool_flops(int B, int C, int H, int W) {
  return double(B) * C * H * W;
}

}  // namespace greenbench::kernels
