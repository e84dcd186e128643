// Multi-head self-attention: per (batch, head) two sgemms forward and four backward over
// strided views of qkv, with the scale, mask and softmax fused into one pass over each score
// row; the KV-cache step in plain loops; and the double-precision references. See attention.hpp.
#include "kernels/attention.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace greenbench::kernels {

namespace {

// p (n) = softmax(s (n)) in place, with s already scaled; row of a probability matrix.
inline void softmax_inplace(float* s, int n) {
  float mx = -std::numeric_limits<float>::infinity();
  for (int j = 0; j < n; j++) mx = std::max(mx, s[j]);
  float sum = 0.0f;
  for (int j = 0; j < n; j++) {
    s[j] = std::exp(s[j] - mx);
    sum += s[j];
  }
  const float inv = 1.0f / sum;
  for (int j = 0; j < n; j++) s[j] *= inv;
}

// Dot product of a (n) and b (n) with 8 partial sums, so it vectorises without -ffast-math
// (one running sum is a chain of dependent adds: the KV-cache step's cost per cached key).
inline float dot8(const float* a, const float* b, int n) {
  float acc[8] = {};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; j++) acc[j] += a[i + j] * b[i + j];
  float s = 0.0f;
  for (; i < n; i++) s += a[i] * b[i];
  for (int j = 0; j < 8; j++) s += acc[j];
  return s;
}

}  // namespace

void attention_forward(float* out, float* att, const float* qkv, int B, int T, int C, int NH,
                       bool causal) {
  const int HS = C / NH, C3 = 3 * C;
  const float scale = 1.0f / std::sqrt(float(HS));
  for (int b = 0; b < B; b++) {
    const float* base = qkv + std::int64_t(b) * T * C3;
    for (int h = 0; h < NH; h++) {
      const float* q = base + h * HS;
      const float* k = base + C + h * HS;
      const float* v = base + 2 * C + h * HS;
      float* p = att + (std::int64_t(b) * NH + h) * T * T;  // (T, T)
      // p = scale * q k^T; causal: only the lower triangle is needed, so rows are done in
      // blocks of 32 against the keys they can see.
      if (!causal) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, HS, scale, q, C3, k, C3, 0.0f, p,
                    T);
      } else {
        for (int r0 = 0; r0 < T; r0 += 32) {
          const int rows = std::min(32, T - r0), keys = r0 + rows;
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, keys, HS, scale,
                      q + std::int64_t(r0) * C3, C3, k, C3, 0.0f, p + std::int64_t(r0) * T, T);
        }
      }
      for (int i = 0; i < T; i++) {
        float* row = p + std::int64_t(i) * T;
        const int n = causal ? i + 1 : T;
        softmax_inplace(row, n);
        for (int j = n; j < T; j++) row[j] = 0.0f;
      }
      // out[:, head] = p v
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, HS, T, 1.0f, p, T, v, C3, 0.0f,
                  out + std::int64_t(b) * T * C + h * HS, C);
    }
  }
}

void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                        const float* att, int B, int T, int C, int NH, Grad mode) {
  const int HS = C / NH, C3 = 3 * C;
  const float scale = 1.0f / std::sqrt(float(HS));
  const float beta = mode == Grad::accumulate ? 1.0f : 0.0f;
  for (int b = 0; b < B; b++) {
    const float* base = qkv + std::int64_t(b) * T * C3;
    float* dbase = dqkv + std::int64_t(b) * T * C3;
    for (int h = 0; h < NH; h++) {
      const float* q = base + h * HS;
      const float* k = base + C + h * HS;
      const float* v = base + 2 * C + h * HS;
      const float* p = att + (std::int64_t(b) * NH + h) * T * T;
      const float* dO = dout + std::int64_t(b) * T * C + h * HS;
      float* ds = scratch;  // (T, T): dp, then the score gradient in place
      // dv = p^T dO; dp = dO v^T
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, HS, T, 1.0f, p, T, dO, C, beta,
                  dbase + 2 * C + h * HS, C3);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, HS, 1.0f, dO, C, v, C3, 0.0f, ds,
                  T);
      // ds = p * (dp - sum_j p dp): the softmax backward, fused per row (masked p are 0).
      for (int i = 0; i < T; i++) {
        const float* pr = p + std::int64_t(i) * T;
        float* dr = ds + std::int64_t(i) * T;
        const float dot = detail::sum_centered_products(pr, 0.0f, dr, 0.0f, T);
        for (int j = 0; j < T; j++) dr[j] = pr[j] * (dr[j] - dot);
      }
      // dq = scale ds k; dk = scale ds^T q
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, HS, T, scale, ds, T, k, C3, beta,
                  dbase + h * HS, C3);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, HS, T, scale, ds, T, q, C3, beta,
                  dbase + C + h * HS, C3);
    }
  }
}

void attention_decode(float* out, const float* q, int ld_q, const float* kcache,
                      const float* vcache, int B, int L, int Tmax, int C, int NH, float* scratch) {
  const int HS = C / NH;
  const float scale = 1.0f / std::sqrt(float(HS));
  for (int b = 0; b < B; b++) {
    const float* kb = kcache + std::int64_t(b) * Tmax * C;
    const float* vb = vcache + std::int64_t(b) * Tmax * C;
    for (int h = 0; h < NH; h++) {
      const float* qh = q + std::int64_t(b) * ld_q + h * HS;
      for (int j = 0; j < L; j++)
        scratch[j] = scale * dot8(qh, kb + std::int64_t(j) * C + h * HS, HS);
      softmax_inplace(scratch, L);
      float* o = out + std::int64_t(b) * C + h * HS;
      for (int d = 0; d < HS; d++) o[d] = 0.0f;
      for (int j = 0; j < L; j++) {
        const float* vj = vb + std::int64_t(j) * C + h * HS;
        const float pj = scratch[j];
        for (int d = 0; d < HS; d++) o[d] += pj * vj[d];
      }
    }
  }
}

void attention_forward_naive(float* out, float* att, const float* qkv, int B, int T, int C, int NH,
                             bool causal) {
  const int HS = C / NH, C3 = 3 * C;
  const double scale = 1.0 / std::sqrt(double(HS));
  std::vector<double> s(static_cast<std::size_t>(T));
  for (int b = 0; b < B; b++)
    for (int h = 0; h < NH; h++)
      for (int i = 0; i < T; i++) {
        const float* q = qkv + (std::int64_t(b) * T + i) * C3 + h * HS;
        double mx = -1e300;
        for (int j = 0; j < T; j++) {
          const float* k = qkv + (std::int64_t(b) * T + j) * C3 + C + h * HS;
          double d = 0;
          for (int e = 0; e < HS; e++) d += double(q[e]) * k[e];
          s[j] = (causal && j > i) ? -INFINITY : d * scale;
          mx = std::max(mx, s[j]);
        }
        double sum = 0;
        for (int j = 0; j < T; j++) sum += (s[j] = std::exp(s[j] - mx));
        float* p = att + ((std::int64_t(b) * NH + h) * T + i) * T;
        for (int j = 0; j < T; j++) p[j] = float(s[j] / sum);
        for (int e = 0; e < HS; e++) {
          double o = 0;
          for (int j = 0; j < T; j++)
            o += s[j] / sum * qkv[(std::int64_t(b) * T + j) * C3 + 2 * C + h * HS + e];
          out[(std::int64_t(b) * T + i) * C + h * HS + e] = float(o);
        }
      }
}

void attention_backward_naive(float* dqkv, const float* dout, const float* qkv, const float* att,
                              int B, int T, int C, int NH, Grad mode) {
  const int HS = C / NH, C3 = 3 * C;
  const double scale = 1.0 / std::sqrt(double(HS));
  std::vector<double> g(std::size_t(B) * T * C3, 0.0), dp(static_cast<std::size_t>(T));
  auto at = [&](int b, int t, int col) { return (std::int64_t(b) * T + t) * C3 + col; };
  for (int b = 0; b < B; b++)
    for (int h = 0; h < NH; h++)
      for (int i = 0; i < T; i++) {
        const float* p = att + ((std::int64_t(b) * NH + h) * T + i) * T;
        const float* dO = dout + (std::int64_t(b) * T + i) * C + h * HS;
        double dot = 0;
        for (int j = 0; j < T; j++) {
          double d = 0;
          for (int e = 0; e < HS; e++) {
            d += double(dO[e]) * qkv[at(b, j, 2 * C + h * HS + e)];
            g[at(b, j, 2 * C + h * HS + e)] += double(p[j]) * dO[e];  // dv
          }
          dp[j] = d;
          dot += d * p[j];
        }
        for (int j = 0; j < T; j++) {
          const double ds = p[j] * (dp[j] - dot) * scale;
          for (int e = 0; e < HS; e++) {
            g[at(b, i, h * HS + e)] += ds * qkv[at(b, j, C + h * HS + e)];  // dq
            g[at(b, j, C + h * HS + e)] += ds * qkv[at(b, i, h * HS + e)];  // dk
          }
        }
      }
  const bool acc = mode == Grad::accumulate;
  for (std::size_t i = 0; i < g.size(); i++) dqkv[i] = float(acc ? dqkv[i] + g[i] : g[i]);
}

}  // namespace greenbench::kernels
