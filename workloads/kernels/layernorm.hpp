// Layer normalisation over the last axis (PyTorch nn.LayerNorm(C), eps 1e-5): each of N rows
// of C floats is normalised by its own mean and biased variance, then scaled and shifted.
// Not batch norm (batchnorm.hpp normalises over the batch).
#pragma once

#include <cstdint>

#include "kernels/common.hpp"

namespace greenbench::kernels {

inline constexpr float kLayerNormEps = 1e-5f;

// out (N, C) = (inp - mean) * rstd * weight (C) + bias (C); saves mean (N) and rstd (N) for the
// backward (either may be nullptr at inference). out must not alias inp.
void layernorm_forward(float* out, float* mean, float* rstd, const float* inp, const float* weight,
                       const float* bias, std::int64_t N, int C);
// dinp (N, C), dweight (C), dbias (C) from dout (N, C) and the forward's inp, mean, rstd.
// dinp may be nullptr. `mode` applies to all three. scratch: C floats.
void layernorm_backward(float* dinp, float* dweight, float* dbias, float* scratch,
                        const float* dout, const float* inp, const float* weight, const float* mean,
                        const float* rstd, std::int64_t N, int C, Grad mode);

void layernorm_forward_naive(float* out, float* mean, float* rstd, const float* inp,
                             const float* weight, const float* bias, std::int64_t N, int C);
void layernorm_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                              const float* inp, const float* weight, const float* mean,
                              const float* rstd, std::int64_t N, int C, Grad mode);

// FLOPs of one forward call: about 8 per element (mean, variance, normalise, scale, shift).
inline double layernorm_flops(std::int64_t N, int C) {
  return 8.0 * double(N) * C;
}

}  // namespace greenbench::kernels
