// Multi-head self-attention: per (batch, head) two sgemms forward and four backward over
// strided views of qkv, with the scale, mask and softmax fused into one pass over each score
// row; the KV-cache step in plain loops; and the double-precision references. See attention.hpp.
#include "kernels/attention.hpp"

#include <cblas.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/exp_poly.hpp"
#include "kernels/multiversion.hpp"

namespace greenbench::kernels {

namespace {

// exp(x) for x <= 0 (softmax after the max shift), in branch-free float arithmetic that
// vectorises: x = n ln2 + r, |r| <= ln2/2, exp(r) by Cephes' degree-6 polynomial (relative
// error ~2e-7), 2^n by building the exponent bits. x is clamped at -87 (exp ~1.6e-38, far
// below what a softmax row can resolve; masked entries are zeroed by the callers).
inline float exp_nonpositive(float x) {
  const float xc = std::max(x, -87.0f);
  // n = round(xc / ln2) by the 1.5 * 2^23 trick (float to int conversion and floor stop GCC
  // from vectorising the loop); k, the same integer, from the sum's low mantissa bits.
  const float big = xc * 1.44269504088896341f + 12582912.0f;
  const float n = big - 12582912.0f;
  const std::int32_t k = std::bit_cast<std::int32_t>(big) - 0x4B400000;
  return exp_poly(exp_reduce(xc, n)) * std::bit_cast<float>((k + 127) << 23);
}

// p (n) = softmax(s (n)) in place, with s already scaled; row of a probability matrix.
inline void softmax_inplace(float* s, int n) {
  float mx16[16];
  for (int j = 0; j < 16; j++) mx16[j] = -std::numeric_limits<float>::infinity();
  int j = 0;
  for (; j + 16 <= n; j += 16)
    for (int l = 0; l < 16; l++) mx16[l] = std::max(mx16[l], s[j + l]);
  float mx = -std::numeric_limits<float>::infinity();
  for (; j < n; j++) mx = std::max(mx, s[j]);
  for (int l = 0; l < 16; l++) mx = std::max(mx, mx16[l]);
  for (int i = 0; i < n; i++) s[i] = exp_nonpositive(s[i] - mx);
  const float inv = 1.0f / detail::sum_floats(s, n);
  for (int i = 0; i < n; i++) s[i] *= inv;
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

// Sequences up to this many tokens (and heads up to kLoopMaxHS wide) take the loop path: per
// (batch, head) the products are T x T x HS with T, HS ~ 16 (vit), where five BLAS calls per
// head cost more in call overhead than the arithmetic. Longer sequences take the sgemm path.
constexpr int kLoopMaxT = 48, kLoopMaxHS = 128;

// Query lanes of the loop path: the scores of one key against kLanes queries are one vector,
// so the softmax over keys runs lane-wise (max, sum and the softmax-backward dot are vector
// operations across keys) with no horizontal reduction per score row: those scalar chains
// were most of the head kernels' time at T = 16.
constexpr int kLanes = 16;
constexpr int kLoopMaxTp = (kLoopMaxT + kLanes - 1) / kLanes * kLanes;

typedef float v16f __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));

// One butterfly stage of a 16 x 16 transpose: rows i and i + S (bit S of i clear) swap their
// off-diagonal S x S blocks, i.e. bit S moves between the row and the column index. After the
// four stages (S = 8, 4, 2, 1) r holds the transpose: 64 two-source permutes (one instruction
// each on AVX-512) instead of 256 scalar loads and stores.
template <int S>
GREENBENCH_INLINE void transpose_stage(v16f* r, v16i lo, v16i hi) {
  for (int i = 0; i < 16; i++)
    if ((i & S) == 0) {
      const v16f a = r[i], b = r[i + S];
      r[i] = __builtin_shuffle(a, b, lo);
      r[i + S] = __builtin_shuffle(a, b, hi);
    }
}

// dst (16 x 16, row stride ldd) = src (16 x 16, row stride lds) transposed.
GREENBENCH_INLINE void transpose16(float* dst, std::int64_t ldd, const float* src,
                                   std::int64_t lds) {
  v16f r[16];
  for (int i = 0; i < 16; i++) std::memcpy(&r[i], src + i * lds, sizeof(v16f));
  // lo[j]: a[j] where bit S of j is clear, else b[j - S]; hi[j]: a[j + S], else b[j].
  transpose_stage<8>(r, v16i{0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23},
                     v16i{8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31});
  transpose_stage<4>(r, v16i{0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27},
                     v16i{4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31});
  transpose_stage<2>(r, v16i{0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29},
                     v16i{2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31});
  transpose_stage<1>(r, v16i{0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30},
                     v16i{1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31});
  for (int i = 0; i < 16; i++) std::memcpy(dst + i * ldd, &r[i], sizeof(v16f));
}

// dst[c, r] = src[r, c] for r < rows, c < cols (row strides ldd, lds): whole 16 x 16 tiles by
// transpose16, the edges element by element.
GREENBENCH_INLINE void transpose_tiles(float* dst, std::int64_t ldd, const float* src,
                                       std::int64_t lds, int rows, int cols) {
  const int R16 = rows / 16 * 16, C16 = cols / 16 * 16;
  for (int r0 = 0; r0 < R16; r0 += 16)
    for (int c0 = 0; c0 < C16; c0 += 16)
      transpose16(dst + c0 * ldd + r0, ldd, src + r0 * lds + c0, lds);
  for (int r = 0; r < rows; r++)
    for (int c = r < R16 ? C16 : 0; c < cols; c++) dst[c * ldd + r] = src[r * lds + c];
}

// xT (HS, Tp) = x (T, HS, row stride ld) transposed, columns T..Tp zero: queries or output
// gradients of one head, so that kLanes of them are one contiguous vector per feature d.
template <int kHS>
GREENBENCH_INLINE void transpose_head(float* xT, int Tp, const float* x, int ld, int T, int hs) {
  const int HS = kHS > 0 ? kHS : hs;
  transpose_tiles(xT, Tp, x, ld, T, HS);
  for (int d = 0; d < HS; d++)
    for (int j = T; j < Tp; j++) xT[std::int64_t(d) * Tp + j] = 0.0f;
}

// sT[j, i0 + l] = scale * sum_d y[j, d] xT[d, i0 + l] for keys j < T and the kLanes queries
// from i0: one query block of the transposed products q k^T (y = k) or dO v^T (y = v).
template <int kHS>
GREENBENCH_INLINE void lanes_products(float* sT, int Tp, const float* y, int ld, const float* xT,
                                      int i0, int T, int hs, float scale) {
  const int HS = kHS > 0 ? kHS : hs;
  for (int j = 0; j < T; j++) {
    float acc[kLanes] = {};
    const float* yj = y + std::int64_t(j) * ld;
    for (int d = 0; d < HS; d++) {
      const float yd = yj[d];
      const float* x = xT + std::int64_t(d) * Tp + i0;
      for (int l = 0; l < kLanes; l++) acc[l] += yd * x[l];
    }
    float* out = sT + std::int64_t(j) * Tp + i0;
    for (int l = 0; l < kLanes; l++) out[l] = scale * acc[l];
  }
}

// Softmax over keys j < T of each query lane of sT (T, Tp) from i0, in place; causal: key j is
// masked (probability 0) for query i0 + l < j.
GREENBENCH_INLINE void lanes_softmax(float* sT, int Tp, int i0, int T, bool causal) {
  float mx[kLanes], sum[kLanes] = {};
  for (int l = 0; l < kLanes; l++) mx[l] = -std::numeric_limits<float>::infinity();
  for (int j = 0; j < T; j++) {
    const float* s = sT + std::int64_t(j) * Tp + i0;
    for (int l = 0; l < kLanes; l++) {
      const bool masked = causal && j > i0 + l;
      mx[l] = std::max(mx[l], masked ? -std::numeric_limits<float>::infinity() : s[l]);
    }
  }
  for (int j = 0; j < T; j++) {
    float* s = sT + std::int64_t(j) * Tp + i0;
    for (int l = 0; l < kLanes; l++) {
      const bool masked = causal && j > i0 + l;
      const float e = exp_nonpositive(s[l] - mx[l]);
      s[l] = masked ? 0.0f : e;
      sum[l] += s[l];
    }
  }
  float inv[kLanes];
  for (int l = 0; l < kLanes; l++) inv[l] = 1.0f / sum[l];
  for (int j = 0; j < T; j++) {
    float* s = sT + std::int64_t(j) * Tp + i0;
    for (int l = 0; l < kLanes; l++) s[l] *= inv[l];
  }
}

// y[r] (HS floats, row stride ldy) += sum_j a(r, j) x[j] (row stride ldx) for r < R, j < J,
// where a(r, j) = a[r * a_row + j * a_col]: the p v, p^T dO, ds k and ds^T q products of one
// head. Four rows at a time with their sums in registers (kHS > 0 unrolls the head), so each
// row of y is read and written once rather than once per j.
template <int kHS>
GREENBENCH_INLINE void accumulate_rows(float* y, int ldy, const float* a, std::int64_t a_row,
                                       std::int64_t a_col, int R, int J, const float* x, int ldx,
                                       int hs) {
  if constexpr (kHS > 0 && kHS % 16 == 0) {
    // Head sizes of 16k: the sums as GCC vectors of 16 floats, which it keeps in registers (a
    // float array acc[4][kHS] went through the stack on every j: a store and a reload per FMA).
    typedef float v16 __attribute__((vector_size(64)));
    constexpr int NV = kHS / 16;
    for (int r0 = 0; r0 < R; r0 += 4) {
      const int rows = std::min(4, R - r0);
      v16 acc[4][NV] = {};
      for (int j = 0; j < J; j++) {
        const float* xj = x + std::int64_t(j) * ldx;
        v16 xv[NV];
        for (int n = 0; n < NV; n++) std::memcpy(&xv[n], xj + 16 * n, sizeof(v16));
        for (int r = 0; r < 4; r++) {
          const float arj = r < rows ? a[(r0 + r) * a_row + j * a_col] : 0.0f;
          for (int n = 0; n < NV; n++) acc[r][n] += arj * xv[n];
        }
      }
      for (int r = 0; r < rows; r++) {
        float* yr = y + std::int64_t(r0 + r) * ldy;
        for (int n = 0; n < NV; n++) {
          v16 t;
          std::memcpy(&t, yr + 16 * n, sizeof(v16));
          t += acc[r][n];
          std::memcpy(yr + 16 * n, &t, sizeof(v16));
        }
      }
    }
    return;
  }
  constexpr int W = kHS > 0 ? kHS : kLoopMaxHS;
  const int HS = kHS > 0 ? kHS : hs;
  for (int r0 = 0; r0 < R; r0 += 4) {
    const int rows = std::min(4, R - r0);
    float acc[4][W] = {};
    for (int j = 0; j < J; j++) {
      const float* xj = x + std::int64_t(j) * ldx;
      for (int r = 0; r < 4; r++) {
        const float arj = r < rows ? a[(r0 + r) * a_row + j * a_col] : 0.0f;
        for (int d = 0; d < HS; d++) acc[r][d] += arj * xj[d];
      }
    }
    for (int r = 0; r < rows; r++) {
      float* yr = y + std::int64_t(r0 + r) * ldy;
      for (int d = 0; d < HS; d++) yr[d] += acc[r][d];
    }
  }
}

// One head's forward over strided q, k, v (row stride ld) into p (T, T) and o (row stride ldo):
// the scores transposed (keys x query lanes), the softmax lane-wise, p stored row-major.
template <int kHS>
GREENBENCH_MULTIVERSION void head_forward_loops(float* o, int ldo, float* p, const float* q,
                                                const float* k, const float* v, int ld, int T,
                                                int hs, float scale, bool causal) {
  const int HS = kHS > 0 ? kHS : hs;
  const int Tp = (T + kLanes - 1) / kLanes * kLanes;
  float qT[kLoopMaxHS * kLoopMaxTp], pT[kLoopMaxT * kLoopMaxTp];
  transpose_head<kHS>(qT, Tp, q, ld, T, HS);
  for (int i0 = 0; i0 < T; i0 += kLanes) {
    lanes_products<kHS>(pT, Tp, k, ld, qT, i0, T, HS, scale);  // pT = scale (q k^T)^T
    lanes_softmax(pT, Tp, i0, T, causal);
  }
  transpose_tiles(p, T, pT, Tp, T, T);  // p (T, T), row-major: what the backward reads
  for (int i = 0; i < T; i++) {
    float* oi = o + std::int64_t(i) * ldo;
    for (int d = 0; d < HS; d++) oi[d] = 0.0f;
  }
  accumulate_rows<kHS>(o, ldo, pT, 1, Tp, T, T, v, ld, HS);  // o = p v
}

void head_forward_blas(float* o, int ldo, float* p, const float* q, const float* k, const float* v,
                       int ld, int T, int HS, float scale, bool causal) {
  // p = scale * q k^T; causal: rows in blocks of 32 against the keys they can see.
  if (!causal) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, HS, scale, q, ld, k, ld, 0.0f, p, T);
  } else {
    for (int r0 = 0; r0 < T; r0 += 32) {
      const int rows = std::min(32, T - r0), keys = r0 + rows;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, keys, HS, scale,
                  q + std::int64_t(r0) * ld, ld, k, ld, 0.0f, p + std::int64_t(r0) * T, T);
    }
  }
  for (int i = 0; i < T; i++) {
    float* row = p + std::int64_t(i) * T;
    const int n = causal ? i + 1 : T;
    softmax_inplace(row, n);
    for (int j = n; j < T; j++) row[j] = 0.0f;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, HS, T, 1.0f, p, T, v, ld, 0.0f, o, ldo);
}

// One head's backward: dq, dk, dv (row stride ld) from dO (row stride ldo) and p (T, T), in
// the forward's transposed layout (keys x query lanes). ds: unused here (the BLAS path's
// scratch). beta 0 overwrites dq, dk, dv; 1 accumulates.
template <int kHS>
GREENBENCH_MULTIVERSION void head_backward_loops(float* dq, float* dk, float* dv, float* ds,
                                                 const float* dO, int ldo, const float* p,
                                                 const float* q, const float* k, const float* v,
                                                 int ld, int T, int hs, float scale, float beta) {
  (void)ds;
  const int HS = kHS > 0 ? kHS : hs;
  const int Tp = (T + kLanes - 1) / kLanes * kLanes;
  if (beta == 0.0f) {
    for (int j = 0; j < T; j++)
      for (int d = 0; d < HS; d++) {
        dq[std::int64_t(j) * ld + d] = 0.0f;
        dk[std::int64_t(j) * ld + d] = 0.0f;
        dv[std::int64_t(j) * ld + d] = 0.0f;
      }
  }
  float dOT[kLoopMaxHS * kLoopMaxTp], pT[kLoopMaxT * kLoopMaxTp], dsT[kLoopMaxT * kLoopMaxTp];
  transpose_head<kHS>(dOT, Tp, dO, ldo, T, HS);
  transpose_tiles(pT, Tp, p, T, T, T);
  for (int j = 0; j < T; j++)
    for (int i = T; i < Tp; i++) pT[std::int64_t(j) * Tp + i] = 0.0f;
  for (int i0 = 0; i0 < T; i0 += kLanes) {
    lanes_products<kHS>(dsT, Tp, v, ld, dOT, i0, T, HS, 1.0f);  // dpT = (dO v^T)^T
    // ds = scale p (dp - sum_j p dp), the softmax backward per query lane (masked p are 0).
    float dot[kLanes] = {};
    for (int j = 0; j < T; j++) {
      const float* pj = pT + std::int64_t(j) * Tp + i0;
      const float* dj = dsT + std::int64_t(j) * Tp + i0;
      for (int l = 0; l < kLanes; l++) dot[l] += pj[l] * dj[l];
    }
    for (int j = 0; j < T; j++) {
      const float* pj = pT + std::int64_t(j) * Tp + i0;
      float* dj = dsT + std::int64_t(j) * Tp + i0;
      for (int l = 0; l < kLanes; l++) dj[l] = scale * pj[l] * (dj[l] - dot[l]);
    }
  }
  accumulate_rows<kHS>(dv, ld, pT, Tp, 1, T, T, dO, ldo, HS);  // dv = p^T dO
  accumulate_rows<kHS>(dk, ld, dsT, Tp, 1, T, T, q, ld, HS);   // dk = ds^T q
  accumulate_rows<kHS>(dq, ld, dsT, 1, Tp, T, T, k, ld, HS);   // dq = ds k
}

void head_backward_blas(float* dq, float* dk, float* dv, float* ds, const float* dO, int ldo,
                        const float* p, const float* q, const float* k, const float* v, int ld,
                        int T, int HS, float scale, float beta) {
  // dv = p^T dO; dp = dO v^T
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, HS, T, 1.0f, p, T, dO, ldo, beta, dv, ld);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, HS, 1.0f, dO, ldo, v, ld, 0.0f, ds, T);
  // ds = p * (dp - sum_j p dp): the softmax backward, fused per row (masked p are 0).
  for (int i = 0; i < T; i++) {
    const float* pr = p + std::int64_t(i) * T;
    float* dr = ds + std::int64_t(i) * T;
    const float dot = detail::sum_centered_products(pr, 0.0f, dr, 0.0f, T);
    for (int j = 0; j < T; j++) dr[j] = pr[j] * (dr[j] - dot);
  }
  // dq = scale ds k; dk = scale ds^T q
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, HS, T, scale, ds, T, k, ld, beta, dq,
              ld);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, HS, T, scale, ds, T, q, ld, beta, dk, ld);
}

// The kernel for one head of T tokens of HS: the loop path where T and HS fit it, as
// loops(std::integral_constant<int, kHS>) gives it, unrolled (kHS = HS) for the head sizes of
// common models, else generic (kHS = 0); the BLAS path otherwise.
template <typename Fn, typename Loops>
Fn head_kernel(int T, int HS, Fn blas, Loops loops) {
  if (T > kLoopMaxT || HS > kLoopMaxHS) return blas;
  return HS == 8    ? loops(std::integral_constant<int, 8>())
         : HS == 16 ? loops(std::integral_constant<int, 16>())
         : HS == 32 ? loops(std::integral_constant<int, 32>())
         : HS == 64 ? loops(std::integral_constant<int, 64>())
                    : loops(std::integral_constant<int, 0>());
}

}  // namespace

void attention_forward(float* out, float* att, const float* qkv, int B, int T, int C, int NH,
                       bool causal) {
  const int HS = C / NH, C3 = 3 * C;
  const float scale = 1.0f / std::sqrt(float(HS));
  const auto head = head_kernel(T, HS, head_forward_blas,
                                [](auto hs) { return head_forward_loops<decltype(hs)::value>; });
  for (int b = 0; b < B; b++) {
    const float* base = qkv + std::int64_t(b) * T * C3;
    for (int h = 0; h < NH; h++)
      head(out + std::int64_t(b) * T * C + h * HS, C, att + (std::int64_t(b) * NH + h) * T * T,
           base + h * HS, base + C + h * HS, base + 2 * C + h * HS, C3, T, HS, scale, causal);
  }
}

void attention_backward(float* dqkv, float* scratch, const float* dout, const float* qkv,
                        const float* att, int B, int T, int C, int NH, Grad mode) {
  const int HS = C / NH, C3 = 3 * C;
  const float scale = 1.0f / std::sqrt(float(HS));
  const float beta = mode == Grad::accumulate ? 1.0f : 0.0f;
  const auto head = head_kernel(T, HS, head_backward_blas,
                                [](auto hs) { return head_backward_loops<decltype(hs)::value>; });
  for (int b = 0; b < B; b++) {
    const float* base = qkv + std::int64_t(b) * T * C3;
    float* dbase = dqkv + std::int64_t(b) * T * C3;
    for (int h = 0; h < NH; h++)
      head(dbase + h * HS, dbase + C + h * HS, dbase + 2 * C + h * HS, scratch,
           dout + std::int64_t(b) * T * C + h * HS, C, att + (std::int64_t(b) * NH + h) * T * T,
           base + h * HS, base + C + h * HS, base + 2 * C + h * HS, C3, T, HS, scale, beta);
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
