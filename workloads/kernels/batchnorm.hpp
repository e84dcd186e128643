// Batch normalisation over NCHW (B, C, H, W) per channel C (BatchNorm1d: H = W = 1), PyTorch
// semantics: train normalises with the biased batch variance and updates running stats with
// the unbiased one, running = (1 - momentum) * running + momentum * batch; eval uses running
// stats. Not layer norm.
#pragma once

#include "kernels/common.hpp"

namespace greenbench::kernels {

// out (B, C, H, W) = (inp - mean) * rstd * gamma (C) + beta (C), with batch statistics.
// Saves mean (C) and rstd (C) = 1 / sqrt(var + eps) for the backward. running_mean (C) and
// running_var (C) are updated when not nullptr. Requires B * H * W >= 2.
void batchnorm_forward_train(float* out, float* mean, float* rstd, float* running_mean,
                             float* running_var, const float* inp, const float* gamma,
                             const float* beta, int B, int C, int H, int W, float momentum,
                             float eps);
// out (B, C, H, W) = (inp - running_mean) / sqrt(running_var + eps) * gamma + beta.
void batchnorm_forward_eval(float* out, const float* inp, const float* gamma, const float* beta,
                            const float* running_mean, const float* running_var, int B, int C,
                            int H, int W, float eps);
// Train-mode backward: dinp (B, C, H, W), dgamma (C), dbeta (C) from dout, using the mean and
// rstd saved by batchnorm_forward_train. dgamma/dbeta may be nullptr.
void batchnorm_backward(float* dinp, float* dgamma, float* dbeta, const float* dout,
                        const float* inp, const float* mean, const float* rstd, const float* gamma,
                        int B, int C, int H, int W, Grad mode);

void batchnorm_forward_train_naive(float* out, float* mean, float* rstd, float* running_mean,
                                   float* running_var, const float* inp, const float* gamma,
                                   const float* beta, int B, int C, int H, int W, float momentum,
                                   float eps);
void batchnorm_forward_eval_naive(float* out, const float* inp, const float* gamma,
                                  const float* beta, const float* running_mean,
                                  const float* running_var, int B, int C, int H, int W, float eps);
void batchnorm_backward_naive(float* dinp, float* dgamma, float* dbeta, const float* dout,
                              const float* inp, const float* mean, const float* rstd,
                              const float* gamma, int B, int C, int H, int W, Grad mode);

// FLOPs of one train forward call: about 8 per element (two reductions, normalise, affine).
inline double batchnorm_flops(int B, int C, int H, int W) {
  return 8.0 * B * C * H * W;
}

}  // namespace greenbench::kernels
