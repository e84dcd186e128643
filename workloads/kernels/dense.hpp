// Dense (fully connected) layer: out = inp weight^T + bias, PyTorch's nn.Linear layout.
// Fast path is one cblas_sgemm per call (per worker: `workers` > 1 splits the output columns,
// and backward dinp's input columns, over kernels/parallel.hpp's workers, with OpenBLAS at one
// thread); the _naive pair is plain loops in double, for tests.
#pragma once

#include <cstdint>

#include "kernels/common.hpp"

namespace greenbench::kernels {

// out (B, OC) = inp (B, C) * weight (OC, C)^T + bias (OC); bias may be nullptr.
void dense_forward(float* out, const float* inp, const float* weight, const float* bias, int B,
                   int C, int OC, int workers = 1);
// dinp (B, C), dweight (OC, C), dbias (OC) from dout (B, OC); each output may be nullptr
// (skipped, e.g. dinp of the first layer). `mode` applies to all three.
void dense_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                    const float* weight, int B, int C, int OC, Grad mode, int workers = 1);
// The same with a mode of its own for the parameter gradients: dinp per `dinp_mode`, dweight
// and dbias per `param_mode`. Net's fused momentum step accumulates the weight gradient
// straight into its (pre-scaled) velocity, whatever dinp's mode.
void dense_backward_modes(float* dinp, float* dweight, float* dbias, const float* dout,
                          const float* inp, const float* weight, int B, int C, int OC,
                          Grad dinp_mode, Grad param_mode, int workers = 1);

void dense_forward_naive(float* out, const float* inp, const float* weight, const float* bias,
                         int B, int C, int OC);
void dense_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                          const float* inp, const float* weight, int B, int C, int OC, Grad mode);

// Multiply-accumulates of one sample's forward pass: C * OC.
inline std::int64_t dense_macs(int C, int OC) {
  return std::int64_t(C) * OC;
}
// FLOPs of one forward call: 2 * B * C * OC (+ B * OC bias adds ignored). Backward: 2x that.
inline double dense_flops(int B, int C, int OC) {
  return 2.0 * B * dense_macs(C, OC);
}

}  // namespace greenbench::kernels
