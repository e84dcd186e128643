// Fused conv + ReLU + 2x2 max-pool over image chunks. See conv_pool.hpp. kernels/conv2d's
// im2col writes each image's columns into a chunk-wide matrix (leading dimension G*OH*OW);
// the arithmetic is one OpenBLAS sgemm per chunk.
#include "models/conv_pool.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "kernels/conv2d.hpp"
#include "kernels/multiversion.hpp"
#include "kernels/parallel.hpp"

namespace greenbench::models {

namespace {

// Rows here are short (2*PW = 28 and 14 floats in the default cnn, PW = 14 and 7): a loop the
// compiler vectorises runs mostly in its scalar tail. So the row loops use L-float vectors of
// the GCC/Clang vector extension (GCC >= 12 for __builtin_shufflevector) and end with one more
// vector that overlaps the previous (each output depends only on its own inputs, so writing it
// twice is harmless); rows shorter than 4 take the scalar loop.
typedef float f8 __attribute__((vector_size(32)));
typedef std::int32_t i8 __attribute__((vector_size(32)));
typedef float f4 __attribute__((vector_size(16)));
typedef std::int32_t i4 __attribute__((vector_size(16)));
template <int L>
struct VecOf;
template <>
struct VecOf<8> {
  typedef f8 f;
  typedef i8 i;
};
template <>
struct VecOf<4> {
  typedef f4 f;
  typedef i4 i;
};

// 8-float vectors pass between these inline helpers; in the portable build's baseline clone
// GCC notes that such a value would change the ABI of a call, which never happens here (every
// helper is internal and inlined).
#pragma GCC diagnostic ignored "-Wpsabi"

template <int L>
struct Vec {
  typedef typename VecOf<L>::f f;
  typedef typename VecOf<L>::i i;
  GREENBENCH_INLINE static f load(const float* p) {
    f v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  GREENBENCH_INLINE static void store(float* p, f v) { std::memcpy(p, &v, sizeof v); }
  GREENBENCH_INLINE static i load_bytes(
      const std::uint8_t* p) {  // (compiles to one zero-extending load)
    i v;
    for (int j = 0; j < L; j++) v[j] = p[j];
    return v;
  }
  GREENBENCH_INLINE static void store_bytes(std::uint8_t* p, i v) {
    for (int j = 0; j < L; j++) p[j] = static_cast<std::uint8_t>(v[j]);
  }
  // The even and the odd elements of (a, b): (a0 a2 ... b0 b2 ...), (a1 a3 ... b1 b3 ...).
  template <typename T>
  GREENBENCH_INLINE static void deinterleave(T a, T b, T& even, T& odd) {
    deinterleave(a, b, even, odd, std::make_index_sequence<L>());
  }
  // (a0 b0 a1 b1 ...) of the low and the high halves of a and b.
  GREENBENCH_INLINE static void interleave(f a, f b, f& lo, f& hi) {
    interleave(a, b, lo, hi, std::make_index_sequence<L>());
  }

 private:
  // Lane j of each result is the lane of the concatenation (a, b) that the pack expression of
  // J gives.
  template <typename T, std::size_t... J>
  GREENBENCH_INLINE static void deinterleave(T a, T b, T& even, T& odd, std::index_sequence<J...>) {
    even = __builtin_shufflevector(a, b, (2 * J)...);
    odd = __builtin_shufflevector(a, b, (2 * J + 1)...);
  }
  template <std::size_t... J>
  GREENBENCH_INLINE static void interleave(f a, f b, f& lo, f& hi, std::index_sequence<J...>) {
    lo = __builtin_shufflevector(a, b, (J / 2 + J % 2 * L)...);
    hi = __builtin_shufflevector(a, b, (L / 2 + J / 2 + J % 2 * L)...);
  }
};

// v[x] = max(r0[x], r1[x]), k[x] = 2 where r1[x] wins (strictly greater: ties keep the top
// cell), for x < n, n >= L.
template <int L>
GREENBENCH_INLINE void column_pairs(float* v, std::uint8_t* k, const float* r0, const float* r1,
                                    int n) {
  using V = Vec<L>;
  for (int x0 = 0;; x0 += L) {
    const int x = std::min(x0, n - L);
    const typename V::f top = V::load(r0 + x), bottom = V::load(r1 + x);
    const typename V::i lower = bottom > top;
    V::store(v + x, lower ? bottom : top);
    V::store_bytes(k + x, lower & 2);
    if (x0 + L >= n) break;
  }
}

GREENBENCH_INLINE void column_pairs_scalar(float* v, std::uint8_t* k, const float* r0,
                                           const float* r1, int n) {
  for (int x = 0; x < n; x++) {
    const int lower = r1[x] > r0[x];
    v[x] = lower ? r1[x] : r0[x];
    k[x] = static_cast<std::uint8_t>(2 * lower);
  }
}

// Pooled cells i < P from the column-pair maxima vm (P, 2) and their cells vk (P, 2): the
// right column wins if strictly greater, or on a tie where its top cell (1) comes before the
// left column's bottom cell (2); then bias, and the ReLU (NaN passes through, as in PyTorch).
// Bitwise, not short-circuit, logic; the same formulas in vectors and in scalars.
template <int L>
GREENBENCH_INLINE void pair_cells(float* y, std::uint8_t* a, const float* vm,
                                  const std::uint8_t* vk, std::int64_t P, float bias) {
  using V = Vec<L>;
  typedef typename V::f F;
  typedef typename V::i I;
  const F zero = {};
  for (std::int64_t i0 = 0;; i0 += L) {
    const std::int64_t i = std::min(i0, P - L);
    F l, r;
    I kl, kr;
    V::deinterleave(V::load(vm + 2 * i), V::load(vm + 2 * i + L), l, r);
    V::deinterleave(V::load_bytes(vk + 2 * i), V::load_bytes(vk + 2 * i + L), kl, kr);
    const I right = (r > l) | ((r == l) & (kl == 2) & (kr == 0));
    const F m = (right ? r : l) + bias;
    const I k = right ? kr + 1 : kl;
    const I pass = ~(m <= zero);
    V::store(y + i, pass ? m : zero);
    V::store_bytes(a + i, pass ? k : 255);
    if (i0 + L >= P) break;
  }
}

GREENBENCH_INLINE void pair_cells_scalar(float* y, std::uint8_t* a, const float* vm,
                                         const std::uint8_t* vk, std::int64_t P, float bias) {
  for (std::int64_t i = 0; i < P; i++) {
    const float l = vm[2 * i], r = vm[2 * i + 1];
    const int kl = vk[2 * i], kr = vk[2 * i + 1];
    const int right = (r > l) | ((r == l) & (kl == 2) & (kr == 0));
    const float m = (right ? r : l) + bias;
    const int k = right ? kr + 1 : kl;
    const int pass = !(m <= 0.0f);
    y[i] = pass ? m : 0.0f;
    a[i] = static_cast<std::uint8_t>(pass ? k : 255);
  }
}

// One pooled plane: y (PH, PW) = relu(max of each 2x2 cell of z (OH, OW) + bias), a (PH, PW)
// = the first maximum's cell (0..3, row-major) or 255 where the ReLU gave 0 (NaN passes, as in
// PyTorch). Vertical pairs first into vm/vk (PH, 2*PW), row by row, then horizontal pairs over
// the whole plane in one flat loop (pair_cells); no data-dependent branches (they would
// mispredict about half the time on activations).
GREENBENCH_INLINE void pool_plane(float* __restrict y, std::uint8_t* __restrict a,
                                  const float* __restrict z, int OW, int PH, int PW, float bias,
                                  float* __restrict vm, std::uint8_t* __restrict vk) {
  const int n = 2 * PW;
  for (int py = 0; py < PH; py++) {
    const float* r0 = z + std::int64_t(2 * py) * OW;
    float* v = vm + std::int64_t(py) * n;
    std::uint8_t* k = vk + std::int64_t(py) * n;
    if (n >= 8) {
      column_pairs<8>(v, k, r0, r0 + OW, n);
    } else if (n >= 4) {
      column_pairs<4>(v, k, r0, r0 + OW, n);
    } else {
      column_pairs_scalar(v, k, r0, r0 + OW, n);
    }
  }
  const std::int64_t P = std::int64_t(PH) * PW;
  if (P >= 8) {
    pair_cells<8>(y, a, vm, vk, P, bias);
  } else if (P >= 4) {
    pair_cells<4>(y, a, vm, vk, P, bias);
  } else {
    pair_cells_scalar(y, a, vm, vk, P, bias);
  }
}

}  // namespace

std::size_t ConvPool::scratch_floats() const {
  const std::size_t cols = std::size_t(G) * OH() * OW(), pooled = std::size_t(PH()) * PW();
  // + the pooling's column-pair maxima (2 * pooled floats) and their cells (2 * pooled bytes)
  return (std::size_t(s.C) * s.K * s.K + std::size_t(OC)) * cols + 2 * pooled + pooled / 2 + 1;
}

std::size_t ConvPool::worker_floats() const {
  return scratch_floats() + std::size_t(OC) * s.C * s.K * s.K + std::size_t(OC);
}

int conv_pool_chunk(const kernels::Shape2d& s, int OC, int Bmax) {
  const std::int64_t ohw = std::int64_t(s.OH()) * s.OW();
  const std::int64_t per_image = (std::int64_t(s.C) * s.K * s.K + OC) * ohw;      // floats
  const std::int64_t want = (2048 + ohw - 1) / ohw;                               // >= 2048 columns
  const std::int64_t fits = std::max<std::int64_t>(1, (256 * 1024) / per_image);  // ~1 MB
  return static_cast<int>(std::clamp<std::int64_t>(std::min(want, fits), 1, Bmax));
}

namespace {

// Images [b0, b0 + G) of conv_pool_forward, with `scratch` this worker's.
GREENBENCH_MULTIVERSION
void chunk_forward(float* out, std::uint8_t* arg, float* scratch, const float* inp,
                   const float* weight, const float* bias, const ConvPool& p, int b0, int G) {
  const kernels::Shape2d& s = p.s;
  const int OC = p.OC, OW = p.OW(), PH = p.PH(), PW = p.PW(), CKK = s.C * s.K * s.K;
  const std::int64_t OHW = std::int64_t(p.OH()) * OW, PHW = std::int64_t(PH) * PW;
  const std::int64_t in_stride = std::int64_t(s.C) * s.H * s.W;
  const std::int64_t N = G * OHW;
  float* col = scratch;                           // (CKK, N)
  float* conv = scratch + std::int64_t(CKK) * N;  // (OC, N)
  for (int g = 0; g < G; g++)
    kernels::detail::im2col(col + g * OHW, inp + (b0 + g) * in_stride, s, N);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, OC, int(N), CKK, 1.0f, weight, CKK, col,
              int(N), 0.0f, conv, int(N));
  float* vm = conv + std::int64_t(OC) * N;                           // (PH, 2*PW)
  std::uint8_t* vk = reinterpret_cast<std::uint8_t*>(vm + 2 * PHW);  // (PH, 2*PW)
  for (int g = 0; g < G; g++) {
    for (int o = 0; o < OC; o++) {
      const std::int64_t off = ((std::int64_t(b0) + g) * OC + o) * PHW;
      pool_plane(out + off, arg + off, conv + o * N + g * OHW, OW, PH, PW, bias ? bias[o] : 0.0f,
                 vm, vk);
    }
  }
}

}  // namespace

void conv_pool_forward(float* out, std::uint8_t* arg, float* scratch_all, const float* inp,
                       const float* weight, const float* bias, const ConvPool& p, int B,
                       int workers, std::size_t slot) {
  const int chunks = (B + p.G - 1) / p.G;
  kernels::parallel_for(workers, chunks, [&](int chunk, int w) {
    const int b0 = chunk * p.G;
    chunk_forward(out, arg, scratch_all + std::size_t(w) * slot, inp, weight, bias, p, b0,
                  std::min(p.G, B - b0));
  });
}

namespace {

// Shared tail of both backwards, for images [b0, b0 + G) with dconv (OC, G*OH*OW) filled:
// dweight += dconv * im2col^T (the im2col is recomputed into `col`), and dinp from
// weight^T * dconv through col2im.
GREENBENCH_MULTIVERSION
void chunk_backward(float* dinp, float* dweight, float* col, const float* dconv, const float* inp,
                    const float* weight, const ConvPool& p, int b0, int G, bool acc,
                    bool dweight_fresh) {
  const kernels::Shape2d& s = p.s;
  const int OC = p.OC, CKK = s.C * s.K * s.K;
  const std::int64_t OHW = std::int64_t(p.OH()) * p.OW(), N = G * OHW;
  const std::int64_t in_stride = std::int64_t(s.C) * s.H * s.W;
  for (int g = 0; g < G; g++)
    kernels::detail::im2col(col + g * OHW, inp + (b0 + g) * in_stride, s, N);
  // dweight (OC, CKK) += dconv (OC, N) * col^T (N, CKK)
  const float beta = dweight_fresh ? 0.0f : 1.0f;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, OC, CKK, int(N), 1.0f, dconv, int(N), col,
              int(N), beta, dweight, CKK);
  if (dinp) {
    // dcol (CKK, N) = weight^T (CKK, OC) * dconv (OC, N), into the col buffer.
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, CKK, int(N), OC, 1.0f, weight, CKK, dconv,
                int(N), 0.0f, col, int(N));
    for (int g = 0; g < G; g++)
      kernels::detail::col2im(dinp + (b0 + g) * in_stride, col + g * OHW, s,
                              acc ? kernels::Grad::accumulate : kernels::Grad::overwrite, N);
  }
}

// One row pair of a conv-output gradient: each 2x2 window of rows r0, r1 gets d at its
// winning cell k (0..3) and 0 at the other three (all four where k = 255, the ReLU's 0), for
// windows px < PW, PW >= L.
template <int L>
GREENBENCH_INLINE void unpool_row(float* r0, float* r1, const float* d, const std::uint8_t* k,
                                  int PW) {
  using V = Vec<L>;
  const typename V::f zero = {};
  for (int x0 = 0;; x0 += L) {
    const int x = std::min(x0, PW - L);
    const typename V::f v = V::load(d + x);
    const typename V::i kk = V::load_bytes(k + x);
    typename V::f lo, hi;
    V::interleave(kk == 0 ? v : zero, kk == 1 ? v : zero, lo, hi);
    V::store(r0 + 2 * x, lo);
    V::store(r0 + 2 * x + L, hi);
    V::interleave(kk == 2 ? v : zero, kk == 3 ? v : zero, lo, hi);
    V::store(r1 + 2 * x, lo);
    V::store(r1 + 2 * x + L, hi);
    if (x0 + L >= PW) break;
  }
}

GREENBENCH_INLINE void unpool_row_scalar(float* r0, float* r1, const float* d,
                                         const std::uint8_t* k, int PW) {
  for (int px = 0; px < PW; px++) {
    const int kk = k[px];
    r0[2 * px] = kk == 0 ? d[px] : 0.0f;
    r0[2 * px + 1] = kk == 1 ? d[px] : 0.0f;
    r1[2 * px] = kk == 2 ? d[px] : 0.0f;
    r1[2 * px + 1] = kk == 3 ? d[px] : 0.0f;
  }
}

// One conv-output plane's gradient dz (OH, OW) from the pooled gradient dy (PH, PW) and the
// winners a (see unpool_row); the row and column that floor pooling left out get 0. Every cell
// is written, so dz needs no zero-fill first.
GREENBENCH_INLINE void unpool_plane(float* __restrict dz, const float* __restrict dy,
                                    const std::uint8_t* __restrict a, int OH, int OW, int PH,
                                    int PW) {
  for (int py = 0; py < PH; py++) {
    float* r0 = dz + std::int64_t(2 * py) * OW;
    float* r1 = r0 + OW;
    const float* d = dy + std::int64_t(py) * PW;
    const std::uint8_t* k = a + std::int64_t(py) * PW;
    if (PW >= 8) {
      unpool_row<8>(r0, r1, d, k, PW);
    } else if (PW >= 4) {
      unpool_row<4>(r0, r1, d, k, PW);
    } else {
      unpool_row_scalar(r0, r1, d, k, PW);
    }
    if (OW > 2 * PW) r0[OW - 1] = r1[OW - 1] = 0.0f;
  }
  for (std::int64_t i = std::int64_t(2 * PH) * OW; i < std::int64_t(OH) * OW; i++) dz[i] = 0.0f;
}

// dconv (OC, G*OH*OW) of images [b0, b0 + G) from dout through the pooling's argmax and the
// ReLU; db_sum (OC) += the bias gradient (nullptr: skipped).
GREENBENCH_MULTIVERSION
void chunk_unpool(float* dconv, float* db_sum, const float* dout, const std::uint8_t* arg,
                  const ConvPool& p, int b0, int G) {
  const int OC = p.OC, OH = p.OH(), OW = p.OW(), PH = p.PH(), PW = p.PW();
  const std::int64_t OHW = std::int64_t(OH) * OW, PHW = std::int64_t(PH) * PW;
  const std::int64_t N = G * OHW;
  for (int g = 0; g < G; g++) {
    for (int o = 0; o < OC; o++) {
      const std::int64_t off = ((std::int64_t(b0) + g) * OC + o) * PHW;
      float* dz = dconv + o * N + g * OHW;
      unpool_plane(dz, dout + off, arg + off, OH, OW, PH, PW);
      if (db_sum) db_sum[o] += kernels::detail::sum_floats(dz, OHW);
    }
  }
}

}  // namespace

void conv_pool_backward(float* dinp, float* dweight, float* dbias, float* scratch_all,
                        const float* dout, const std::uint8_t* arg, const float* inp,
                        const float* weight, const ConvPool& p, int B, kernels::Grad mode,
                        int workers, std::size_t slot) {
  const kernels::Shape2d& s = p.s;
  const int OC = p.OC, OW = p.OW(), CKK = s.C * s.K * s.K;
  const bool acc = mode == kernels::Grad::accumulate;
  const int chunks = (B + p.G - 1) / p.G;
  workers = std::max(1, std::min(workers, chunks));
  // Worker w > 0's gradients in its slot, after its scratch (ConvPool::worker_floats).
  const std::size_t dw_at = p.scratch_floats(), db_at = dw_at + std::size_t(OC) * CKK;
  // Worker 0 sums into dweight / dbias (as the mode says); worker w > 0 into its own buffers
  // at the end of its slot, zeroed by its first chunk, added in worker order below.
  auto grads_of = [&](int w, float*& dw, float*& db) {
    if (w == 0) {
      dw = dweight, db = dbias;
    } else {
      dw = scratch_all + std::size_t(w) * slot + dw_at;
      db = scratch_all + std::size_t(w) * slot + db_at;
    }
  };
  if (dbias && !acc) std::memset(dbias, 0, sizeof(float) * OC);
  for (int w = 1; w < workers; w++) {
    float *dw, *db;
    grads_of(w, dw, db);
    std::memset(db, 0, sizeof(float) * OC);
  }
  kernels::parallel_for(workers, chunks, [&](int chunk, int w) {
    float* scratch = scratch_all + std::size_t(w) * slot;
    float *dw, *db_sum;
    grads_of(w, dw, db_sum);
    const int b0 = chunk * p.G;
    const int G = std::min(p.G, B - b0);
    float* col = scratch;                                          // (CKK, N)
    float* dconv = scratch + std::int64_t(CKK) * G * p.OH() * OW;  // (OC, N)
    chunk_unpool(dconv, db_sum, dout, arg, p, b0, G);
    // Fresh on this worker's first chunk, unless worker 0 accumulates into the caller's.
    const bool fresh = chunk < workers && (w > 0 || !acc);
    chunk_backward(dinp, dw, col, dconv, inp, weight, p, b0, G, acc, fresh);
  });
  kernels::worker_sums_add(dweight, scratch_all, slot, dw_at, std::size_t(OC) * CKK, workers);
  if (dbias) kernels::worker_sums_add(dbias, scratch_all, slot, db_at, OC, workers);
}

}  // namespace greenbench::models
