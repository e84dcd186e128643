// Dense layer over OpenBLAS sgemm, and its plain-loop reference. See dense.hpp.
#include "kernels/dense.hpp"

#include <cblas.h>

#include <algorithm>

#include "kernels/multiversion.hpp"
#include "kernels/parallel.hpp"

namespace greenbench::kernels {

namespace {
// [lo, hi) of part t of n items split in `parts` contiguous blocks.
inline void block_of(int n, int parts, int t, int* lo, int* hi) {
  *lo = int(std::int64_t(n) * t / parts);
  *hi = int(std::int64_t(n) * (t + 1) / parts);
}

// out[b, o0:o1] = bias[o0:o1] for each of B rows of OC floats (the GEMM then adds with beta 1).
// Its own multiversioned function: as a loop inside the dense_forward lambda it ran on baseline
// x86-64 (SSE2) in the portable build and took 6% of a vit train step.
GREENBENCH_MULTIVERSION
void bias_rows_fill(float* out, const float* bias, int B, int OC, int o0, int o1) {
  for (int b = 0; b < B; b++) {
    float* out_b = out + (std::int64_t)b * OC;
    for (int o = o0; o < o1; o++) out_b[o] = bias[o];
  }
}

// dbias[o0:o1] (= or +=) sum over B rows of dout[b, o0:o1]; multiversioned as bias_rows_fill.
GREENBENCH_MULTIVERSION
void bias_rows_sum(float* dbias, const float* dout, int B, int OC, int o0, int o1, Grad mode) {
  if (mode == Grad::overwrite) {
    for (int o = o0; o < o1; o++) dbias[o] = 0.0f;
  }
  for (int b = 0; b < B; b++) {
    const float* dout_b = dout + (std::int64_t)b * OC;
    for (int o = o0; o < o1; o++) dbias[o] += dout_b[o];
  }
}
}  // namespace

void dense_forward(float* out, const float* inp, const float* weight, const float* bias, int B,
                   int C, int OC, int workers) {
  workers = std::max(1, std::min(workers, OC));
  // Part t: output columns block t (its rows of weight), all batch rows; the parts share the
  // input and each packs only its own weights.
  parallel_for(workers, workers, [&](int t, int) {
    int o0, o1;
    block_of(OC, workers, t, &o0, &o1);
    if (o1 == o0) return;
    float beta = 0.0f;
    if (bias != nullptr) {
      bias_rows_fill(out, bias, B, OC, o0, o1);
      beta = 1.0f;
    }
    // out[:, o0:o1] (B, outs) = inp (B, C) * weight[o0:o1]^T (C, outs)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, o1 - o0, C, 1.0f, inp, C,
                weight + (std::int64_t)o0 * C, C, beta, out + o0, OC);
  });
}

void dense_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                    const float* weight, int B, int C, int OC, Grad mode, int workers) {
  dense_backward_modes(dinp, dweight, dbias, dout, inp, weight, B, C, OC, mode, mode, workers);
}

void dense_backward_modes(float* dinp, float* dweight, float* dbias, const float* dout,
                          const float* inp, const float* weight, int B, int C, int OC,
                          Grad dinp_mode, Grad param_mode, int workers) {
  const float beta = dinp_mode == Grad::accumulate ? 1.0f : 0.0f;
  const float wbeta = param_mode == Grad::accumulate ? 1.0f : 0.0f;
  workers = std::max(1, std::min(workers, std::max(C, OC)));
  // Part t: dinp's input columns block t, dweight / dbias's output rows block t; no two parts
  // write one element, so nothing is reduced afterwards.
  parallel_for(workers, workers, [&](int t, int) {
    int c0, c1, o0, o1;
    block_of(C, workers, t, &c0, &c1);
    block_of(OC, workers, t, &o0, &o1);
    if (dinp != nullptr && c1 > c0) {
      // dinp[:, c0:c1] (B, cols) = dout (B, OC) * weight[:, c0:c1] (OC, cols)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, c1 - c0, OC, 1.0f, dout, OC,
                  weight + c0, C, beta, dinp + c0, C);
    }
    if (dweight != nullptr && o1 > o0) {
      // dweight[o0:o1] (outs, C) (+)= dout[:, o0:o1]^T (outs, B) * inp (B, C)
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, o1 - o0, C, B, 1.0f, dout + o0, OC, inp,
                  C, wbeta, dweight + (std::int64_t)o0 * C, C);
    }
    if (dbias != nullptr && o1 > o0) bias_rows_sum(dbias, dout, B, OC, o0, o1, param_mode);
  });
}

namespace {
// c (M, N) = init (N, per column; nullptr: 0) + sum over k < K of a(i, k) b(k, j) in double,
// added to c's old values with acc; a(i, k) = a[i * ai + k * ak], b(k, j) = b[k * bk + j * bj].
void matmul_naive(float* c, const float* a, int ai, int ak, const float* b, int bk, int bj, int M,
                  int N, int K, const float* init, bool acc) {
  for (int i = 0; i < M; i++) {
    for (int j = 0; j < N; j++) {
      double g = init != nullptr ? init[j] : 0.0;
      for (int k = 0; k < K; k++) g += (double)a[i * ai + k * ak] * b[k * bk + j * bj];
      c[i * N + j] = (float)(acc ? c[i * N + j] + g : g);
    }
  }
}
}  // namespace

void dense_forward_naive(float* out, const float* inp, const float* weight, const float* bias,
                         int B, int C, int OC) {
  // out (B, OC) = bias + inp (B, C) weight^T
  matmul_naive(out, inp, C, 1, weight, 1, C, B, OC, C, bias, false);
}

void dense_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                          const float* inp, const float* weight, int B, int C, int OC, Grad mode) {
  bool acc = mode == Grad::accumulate;
  // dinp (B, C) = dout (B, OC) weight (OC, C)
  if (dinp != nullptr) matmul_naive(dinp, dout, OC, 1, weight, C, 1, B, C, OC, nullptr, acc);
  // dweight (OC, C) = dout^T (OC, B) inp (B, C)
  if (dweight != nullptr) matmul_naive(dweight, dout, 1, OC, inp, C, 1, OC, C, B, nullptr, acc);
  if (dbias != nullptr) {
    for (int o = 0; o < OC; o++) {
      double g = 0.0;
      for (int b = 0; b < B; b++) g += dout[b * OC + o];
      dbias[o] = (float)(acc ? dbias[o] + g : g);
    }
  }
}

}  // namespace greenbench::kernels
