// Fused conv + ReLU + 2x2 max-pool over image chunks. See conv_pool.hpp. The im2col here
// writes each image's columns into a chunk-wide matrix (leading dimension G*OH*OW), which
// kernels/conv2d's per-image im2col cannot; the arithmetic is one OpenBLAS sgemm per chunk.
#include "models/conv_pool.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "kernels/multiversion.hpp"
#include "kernels/parallel.hpp"

namespace greenbench::models {

namespace {

// Output columns [lo, hi) of kernel column kw that read inside the image.
inline void col_range(int W, int OW, int kw, int stride, int pad, int& lo, int& hi) {
  lo = pad - kw > 0 ? (pad - kw + stride - 1) / stride : 0;
  hi = (W - 1 + pad - kw) >= 0 ? (W - 1 + pad - kw) / stride + 1 : 0;
  hi = std::min(hi, OW);
  lo = std::min(lo, hi);
}

// col (C*K*K, ld): this image's OH*OW columns <- image (C, H, W).
GREENBENCH_MULTIVERSION
void im2col_ld(float* col, std::int64_t ld, const float* image, const kernels::Shape2d& s) {
  const int H = s.H, W = s.W, K = s.K, OH = s.OH(), OW = s.OW(), st = s.stride, pad = s.pad;
  for (int c = 0; c < s.C; c++) {
    const float* img = image + std::int64_t(c) * H * W;
    for (int kh = 0; kh < K; kh++) {
      for (int kw = 0; kw < K; kw++, col += ld) {
        int lo, hi;
        col_range(W, OW, kw, st, pad, lo, hi);
        for (int oh = 0; oh < OH; oh++) {
          float* dst = col + oh * OW;
          const int ih = oh * st - pad + kh;
          if (ih < 0 || ih >= H) {
            std::memset(dst, 0, sizeof(float) * OW);
            continue;
          }
          const float* src = img + std::int64_t(ih) * W - pad + kw;
          for (int ow = 0; ow < lo; ow++) dst[ow] = 0.0f;
          if (st == 1) {
            std::memcpy(dst + lo, src + lo, sizeof(float) * (hi - lo));
          } else {
            for (int ow = lo; ow < hi; ow++) dst[ow] = src[ow * st];
          }
          for (int ow = hi; ow < OW; ow++) dst[ow] = 0.0f;
        }
      }
    }
  }
}

// image (C, H, W) += col (C*K*K, ld), this image's columns; the adjoint of im2col_ld.
GREENBENCH_MULTIVERSION
void col2im_add_ld(float* image, const float* col, std::int64_t ld, const kernels::Shape2d& s) {
  const int H = s.H, W = s.W, K = s.K, OH = s.OH(), OW = s.OW(), st = s.stride, pad = s.pad;
  for (int c = 0; c < s.C; c++) {
    float* img = image + std::int64_t(c) * H * W;
    for (int kh = 0; kh < K; kh++) {
      for (int kw = 0; kw < K; kw++, col += ld) {
        int lo, hi;
        col_range(W, OW, kw, st, pad, lo, hi);
        for (int oh = 0; oh < OH; oh++) {
          const int ih = oh * st - pad + kh;
          if (ih < 0 || ih >= H) continue;
          const float* src = col + oh * OW;
          float* dst = img + std::int64_t(ih) * W - pad + kw;
          if (st == 1) {
            for (int ow = lo; ow < hi; ow++) dst[ow] += src[ow];
          } else {
            for (int ow = lo; ow < hi; ow++) dst[ow * st] += src[ow];
          }
        }
      }
    }
  }
}

// One pooled plane: y (PH, PW) = relu(max of each 2x2 cell of z (OH, OW) + bias), a (PH, PW)
// = the first maximum's cell (0..3, row-major) or 255 where the ReLU gave 0 (NaN passes, as in
// PyTorch). Vertical pairs first into vm/vk (PH, 2*PW), then horizontal pairs over the whole
// plane in one flat loop: long vectorised loops, and no data-dependent branches (they would
// mispredict about half the time on activations).
inline void pool_plane(float* __restrict y, std::uint8_t* __restrict a, const float* __restrict z,
                       int OW, int PH, int PW, float bias, float* __restrict vm,
                       std::uint8_t* __restrict vk) {
  const int n = 2 * PW;
  for (int py = 0; py < PH; py++) {  // max of each column pair; ties keep the top cell
    const float* r0 = z + std::int64_t(2 * py) * OW;
    const float* r1 = r0 + OW;
    float* v = vm + std::int64_t(py) * n;
    std::uint8_t* k = vk + std::int64_t(py) * n;
    for (int x = 0; x < n; x++) {
      const int lower = r1[x] > r0[x];
      v[x] = lower ? r1[x] : r0[x];
      k[x] = static_cast<std::uint8_t>(2 * lower);
    }
  }
  const std::int64_t P = std::int64_t(PH) * PW;
  for (std::int64_t i = 0; i < P; i++) {
    const float l = vm[2 * i], r = vm[2 * i + 1];
    const int kl = vk[2 * i], kr = vk[2 * i + 1];
    // The right column wins if strictly greater, or on a tie where its top cell (1) comes
    // before the left column's bottom cell (2). Bitwise, not short-circuit, logic.
    const int right = (r > l) | ((r == l) & (kl == 2) & (kr == 0));
    const float m = (right ? r : l) + bias;
    const int k = right ? kr + 1 : kl;
    const int pass = !(m <= 0.0f);  // ReLU; NaN passes through
    y[i] = pass ? m : 0.0f;
    a[i] = static_cast<std::uint8_t>(pass ? k : 255);
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
  for (int g = 0; g < G; g++) im2col_ld(col + g * OHW, N, inp + (b0 + g) * in_stride, s);
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
  for (int g = 0; g < G; g++) im2col_ld(col + g * OHW, N, inp + (b0 + g) * in_stride, s);
  // dweight (OC, CKK) += dconv (OC, N) * col^T (N, CKK)
  const float beta = dweight_fresh ? 0.0f : 1.0f;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, OC, CKK, int(N), 1.0f, dconv, int(N), col,
              int(N), beta, dweight, CKK);
  if (dinp) {
    // dcol (CKK, N) = weight^T (CKK, OC) * dconv (OC, N), into the col buffer.
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, CKK, int(N), OC, 1.0f, weight, CKK, dconv,
                int(N), 0.0f, col, int(N));
    for (int g = 0; g < G; g++) {
      float* di = dinp + (b0 + g) * in_stride;
      if (!acc) std::memset(di, 0, sizeof(float) * in_stride);
      col2im_add_ld(di, col + g * OHW, N, s);
    }
  }
}

// dconv (OC, G*OH*OW) of images [b0, b0 + G) from dout through the pooling's argmax and the
// ReLU; db_sum (OC) += the bias gradient (nullptr: skipped).
GREENBENCH_MULTIVERSION
void chunk_unpool(float* dconv, float* db_sum, const float* dout, const std::uint8_t* arg,
                  const ConvPool& p, int b0, int G) {
  const int OC = p.OC, OW = p.OW(), PH = p.PH(), PW = p.PW();
  const std::int64_t OHW = std::int64_t(p.OH()) * OW, PHW = std::int64_t(PH) * PW;
  const std::int64_t N = G * OHW;
  std::memset(dconv, 0, sizeof(float) * OC * N);
  for (int g = 0; g < G; g++) {
    for (int o = 0; o < OC; o++) {
      const std::int64_t off = ((std::int64_t(b0) + g) * OC + o) * PHW;
      const float* dy = dout + off;  // (PH, PW)
      const std::uint8_t* a = arg + off;
      float* dz = dconv + o * N + g * OHW;  // (OH, OW)
      float db = 0.0f;
      // Branch-free scatter: a cell the ReLU zeroed (255) writes 0 into its window.
      for (int py = 0, i = 0; py < PH; py++) {
        float* row = dz + 2 * py * OW;
        for (int px = 0; px < PW; px++, i++) {
          const int k = a[i];
          const float d = k == 255 ? 0.0f : dy[i];
          row[((k >> 1) & 1) * OW + 2 * px + (k & 1)] = d;
          db += d;
        }
      }
      if (db_sum) db_sum[o] += db;
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
