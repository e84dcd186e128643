// Max pooling, NCHW, square K window, stride, padding (PyTorch semantics: pads with -inf and
// routes the gradient to the first maximum of each window). Global average pooling:
// global_avg_pool.hpp.
#pragma once

#include "kernels/common.hpp"

namespace greenbench::kernels {

// out (B, C, OH, OW) = max over each K x K window of inp (B, C, H, W). Requires pad <= K/2.
void maxpool_forward(float* out, const float* inp, const Shape2d& s);
// dinp (B, C, H, W) from dout (B, C, OH, OW); the argmax is recomputed from inp (no index
// buffer to keep), so the gradient goes where maxpool_forward took its value.
void maxpool_backward(float* dinp, const float* dout, const float* inp, const Shape2d& s,
                      Grad mode);

void maxpool_forward_naive(float* out, const float* inp, const Shape2d& s);
void maxpool_backward_naive(float* dinp, const float* dout, const float* inp, const Shape2d& s,
                            Grad mode);

// FLOPs of one forward call: one compare or add per window cell.
inline double pool_flops(const Shape2d& s) {
  return double(s.B) * s.C * s.OH() * s.OW() * s.K * s.K;
}

}  // namespace greenbench::kernels
