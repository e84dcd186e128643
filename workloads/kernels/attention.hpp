// Multi-head scaled dot-product self-attention over packed q, k, v (PyTorch
// nn.MultiheadAttention after its input projection; F.scaled_dot_product_attention semantics),
// bidirectional or causal, with a fused scale + mask + softmax; and the single-query step over
// a KV cache used by generation. The fast path is cblas_sgemm per (batch, head), or for
// short sequences (<= 48 tokens, vit's patches) vectorised loops that skip the BLAS call cost.
// Not the q/k/v and output projections (dense.hpp) and not dropout (none here).
//
// Layout: qkv (B, T, 3C): q in [0, C), k in [C, 2C), v in [2C, 3C); head h owns columns
// [h*HS, (h+1)*HS) of each, HS = C / NH. Scale 1/sqrt(HS).
#pragma once

#include <cstdint>

#include "kernels/common.hpp"

namespace greenbench::kernels {

// out (B, T, C) = softmax(q k^T / sqrt(HS) [+ causal mask]) v per head; att (B, NH, T, T)
// keeps the probabilities for the backward (masked entries 0). REQUIRES: C % NH == 0.
void attention_forward(float* out, float* att, const float* qkv, int B, int T, int C, int NH,
                       bool causal);
// dqkv (B, T, 3C) from dout (B, T, C), the forward's qkv and att. scratch: T*T floats.
void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                        const float* att, int B, int T, int C, int NH, Grad mode);

// One query per sequence against a KV cache (generation): out (B, C) from q (B, ld_q; the
// first C floats of each row) and the first L cached positions of kcache, vcache
// (B, Tmax, C). scratch: L floats. Equals row L-1 of a causal attention_forward over those L
// positions.
void attention_decode(float* out, const float* q, int ld_q, const float* kcache,
                      const float* vcache, int B, int L, int Tmax, int C, int NH, float* scratch);

void attention_forward_naive(float* out, float* att, const float* qkv, int B, int T, int C, int NH,
                             bool causal);
void attention_backward_naive(float* dqkv, const float* dout, const float* qkv, const float* att,
                              int B, int T, int C, int NH, Grad mode);

// Multiply-accumulates of one sequence's forward: q k^T and att v, each T*T*C (the dense
// T x T products the kernel computes, causal or not).
inline std::int64_t attention_macs(int T, int C) {
  return 2 * std::int64_t(T) * T * C;
}
inline double attention_flops(int B, int T, int C, int NH) {
  return 2.0 * B * attention_macs(T, C) + 5.0 * B * NH * double(T) * T;
}

}  // namespace greenbench::kernels
