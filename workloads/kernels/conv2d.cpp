// conv2d: im2col + OpenBLAS sgemm per image, and its plain-loop reference. See conv2d.hpp.
#include "kernels/conv2d.hpp"

#include <cblas.h>

#include <algorithm>

#include "kernels/multiversion.hpp"
#include "kernels/parallel.hpp"

namespace greenbench::kernels {

namespace {
bool is_pointwise(const Shape2d& s) {
  return s.K == 1 && s.stride == 1 && s.pad == 0;
}
}  // namespace

namespace detail {

// Keeps GCC from turning the short zero-fill and copy loops below into memset/memcpy calls:
// with K = 3, pad = 1 they are 1 and OW - 1 floats long, and a libc call per row cost more
// than the whole copy (seen as ~14% of a CNN train step in memset).
#if defined(__GNUC__) && !defined(__clang__)
#define GB_NO_LIBC_LOOPS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define GB_NO_LIBC_LOOPS
#endif

namespace {

// "Same" convolutions (stride 1, 2 * pad = K - 1, so OH = H and OW = W) take a flat path: each
// (c, kh, kw) plane of col is the image shifted by (kh - pad) * W + (kw - pad), one long
// vectorised copy, then the cells whose column wrapped into the neighbouring row are zeroed.
// Row-by-row copies of 14 or 28 floats were ~10% of a CNN train step.
bool is_same(const Shape2d& s) {
  return s.stride == 1 && 2 * s.pad == s.K - 1;
}

// Zeroes the cells of a tap-kw plane (H, W) whose column wrapped into the neighbouring row:
// columns [0, pad - kw) or [W - (kw - pad), W) of every row (at most W); none for the centre
// column.
// (One store a row for K = 3: the loops over the row with both bounds cost as much as the copy.)
void zero_wrapped(float* plane, const Shape2d& s, int kw) {
  const int W = s.W, n = std::min(W, kw < s.pad ? s.pad - kw : kw - s.pad);  // (W < pad)
  if (n == 0) return;
  float* first = plane + (kw < s.pad ? 0 : W - n);
  if (n == 1) {
    for (int oh = 0; oh < s.H; oh++) first[oh * W] = 0.0f;
    return;
  }
  for (int oh = 0; oh < s.H; oh++)
    for (int j = 0; j < n; j++) first[oh * W + j] = 0.0f;
}

GREENBENCH_MULTIVERSION GB_NO_LIBC_LOOPS void im2col_same(float* col, const float* image,
                                                          const Shape2d& s, std::int64_t ld) {
  const int H = s.H, W = s.W, K = s.K, pad = s.pad;
  const std::int64_t N = (std::int64_t)H * W;
  for (int c = 0; c < s.C; c++) {
    const float* img_c = image + c * N;
    for (int kh = 0; kh < K; kh++) {
      for (int kw = 0; kw < K; kw++, col += ld) {
        const std::int64_t shift = (std::int64_t)(kh - pad) * W + (kw - pad);
        const std::int64_t lo = shift < 0 ? -shift : 0, hi = shift > 0 ? N - shift : N;
        for (std::int64_t i = 0; i < lo; i++) col[i] = 0.0f;
        for (std::int64_t i = lo; i < hi; i++) col[i] = img_c[i + shift];
        for (std::int64_t i = hi; i < N; i++) col[i] = 0.0f;
        zero_wrapped(col, s, kw);
      }
    }
  }
}

// Adjoint of im2col_same; zeroes the wrapped cells of `col` (scratch) before the flat add.
// Overwrite: the centre tap (shift 0, no wrapped cells) covers every pixel, so it is stored
// first and the other taps add to it.
GREENBENCH_MULTIVERSION void col2im_same(float* image, float* col, const Shape2d& s, bool overwrite,
                                         std::int64_t ld) {
  const int H = s.H, W = s.W, K = s.K, pad = s.pad, centre = pad * K + pad;
  const std::int64_t N = (std::int64_t)H * W;
  for (int c = 0; c < s.C; c++, col += K * K * ld) {
    float* img_c = image + c * N;
    if (overwrite) {
      const float* src = col + centre * ld;
      for (std::int64_t i = 0; i < N; i++) img_c[i] = src[i];
    }
    for (int kh = 0; kh < K; kh++) {
      for (int kw = 0; kw < K; kw++) {
        if (overwrite && kh * K + kw == centre) continue;
        float* tap = col + (kh * K + kw) * ld;
        zero_wrapped(tap, s, kw);
        const std::int64_t shift = (std::int64_t)(kh - pad) * W + (kw - pad);
        const std::int64_t lo = shift < 0 ? -shift : 0, hi = shift > 0 ? N - shift : N;
        for (std::int64_t i = lo; i < hi; i++) img_c[i + shift] += tap[i];
      }
    }
  }
}

// Output columns [lo, hi) of tap kw that read inside the image; the rest read padding.
void col_range(const Shape2d& s, int kw, int* lo, int* hi) {
  const int OW = s.OW(), st = s.stride, pad = s.pad;
  int l = pad - kw > 0 ? (pad - kw + st - 1) / st : 0;
  int h = (s.W - 1 + pad - kw) >= 0 ? (s.W - 1 + pad - kw) / st + 1 : 0;
  if (h > OW) h = OW;
  if (l > h) l = h;
  *lo = l, *hi = h;
}

}  // namespace

GREENBENCH_MULTIVERSION GB_NO_LIBC_LOOPS void im2col(float* col, const float* image,
                                                     const Shape2d& s, std::int64_t ld) {
  const int H = s.H, W = s.W, K = s.K, OH = s.OH(), OW = s.OW(), st = s.stride, pad = s.pad;
  if (ld == 0) ld = (std::int64_t)OH * OW;
  if (is_same(s)) return im2col_same(col, image, s, ld);
  for (int c = 0; c < s.C; c++) {
    const float* img_c = image + (std::int64_t)c * H * W;
    for (int kh = 0; kh < K; kh++) {
      for (int kw = 0; kw < K; kw++, col += ld) {
        int ow_lo, ow_hi;
        col_range(s, kw, &ow_lo, &ow_hi);
        for (int oh = 0; oh < OH; oh++) {
          float* dst = col + (std::int64_t)oh * OW;
          int ih = oh * st - pad + kh;
          if (ih < 0 || ih >= H) {
            for (int ow = 0; ow < OW; ow++) dst[ow] = 0.0f;
            continue;
          }
          const float* src = img_c + (std::int64_t)ih * W - pad + kw;
          for (int ow = 0; ow < ow_lo; ow++) dst[ow] = 0.0f;
          if (st == 1) {
            for (int ow = ow_lo; ow < ow_hi; ow++) dst[ow] = src[ow];
          } else {
            for (int ow = ow_lo; ow < ow_hi; ow++) dst[ow] = src[ow * st];
          }
          for (int ow = ow_hi; ow < OW; ow++) dst[ow] = 0.0f;
        }
      }
    }
  }
}

GREENBENCH_MULTIVERSION GB_NO_LIBC_LOOPS void col2im(float* image, float* col, const Shape2d& s,
                                                     Grad mode, std::int64_t ld) {
  const int H = s.H, W = s.W, K = s.K, OH = s.OH(), OW = s.OW(), st = s.stride, pad = s.pad;
  if (ld == 0) ld = (std::int64_t)OH * OW;
  if (is_same(s)) return col2im_same(image, col, s, mode == Grad::overwrite, ld);
  if (mode == Grad::overwrite)
    for (std::int64_t i = 0; i < (std::int64_t)s.C * H * W; i++) image[i] = 0.0f;
  for (int c = 0; c < s.C; c++) {
    float* img_c = image + (std::int64_t)c * H * W;
    for (int kh = 0; kh < K; kh++) {
      for (int kw = 0; kw < K; kw++, col += ld) {
        int ow_lo, ow_hi;
        col_range(s, kw, &ow_lo, &ow_hi);
        for (int oh = 0; oh < OH; oh++) {
          const float* srow = col + (std::int64_t)oh * OW;
          int ih = oh * st - pad + kh;
          if (ih < 0 || ih >= H) continue;
          float* dst = img_c + (std::int64_t)ih * W - pad + kw;
          if (st == 1) {
            for (int ow = ow_lo; ow < ow_hi; ow++) dst[ow] += srow[ow];
          } else {
            for (int ow = ow_lo; ow < ow_hi; ow++) dst[ow * st] += srow[ow];
          }
        }
      }
    }
  }
}

}  // namespace detail

std::size_t conv2d_scratch_floats(const Shape2d& s) {
  if (is_pointwise(s)) return 0;
  return std::size_t(s.C) * s.K * s.K * s.OH() * s.OW();
}

std::size_t conv2d_worker_floats(const Shape2d& s, int OC) {
  return conv2d_scratch_floats(s) + std::size_t(OC) * s.C * s.K * s.K;
}

void conv2d_forward(float* out, float* scratch_all, const float* inp, const float* weight,
                    const float* bias, const Shape2d& s, int OC, int workers, std::size_t slot) {
  const int CKK = s.C * s.K * s.K, OHW = s.OH() * s.OW();
  const std::int64_t in_stride = (std::int64_t)s.C * s.H * s.W, out_stride = (std::int64_t)OC * OHW;
  parallel_for(workers, s.B, [&](int b, int w) {
    float* scratch = scratch_all + std::size_t(w) * slot;
    const float* inp_b = inp + b * in_stride;  // (C, H, W)
    float* out_b = out + b * out_stride;       // (OC, OH, OW)
    const float* col = inp_b;                  // (C*K*K, OH*OW)
    if (!is_pointwise(s)) {
      detail::im2col(scratch, inp_b, s);
      col = scratch;
    }
    float beta = 0.0f;
    if (bias != nullptr) {
      for (int o = 0; o < OC; o++) {
        float* row = out_b + (std::int64_t)o * OHW;
        for (int i = 0; i < OHW; i++) row[i] = bias[o];
      }
      beta = 1.0f;
    }
    // out_b (OC, OHW) = weight (OC, CKK) * col (CKK, OHW)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, OC, OHW, CKK, 1.0f, weight, CKK, col,
                OHW, beta, out_b, OHW);
  });
}

void conv2d_backward(float* dinp, float* dweight, float* dbias, float* scratch_all,
                     const float* dout, const float* inp, const float* weight, const Shape2d& s,
                     int OC, Grad mode, int workers, std::size_t slot) {
  const int CKK = s.C * s.K * s.K, OHW = s.OH() * s.OW();
  const std::int64_t in_stride = (std::int64_t)s.C * s.H * s.W, out_stride = (std::int64_t)OC * OHW;
  const bool acc = mode == Grad::accumulate;
  const bool pointwise = is_pointwise(s);
  workers = std::max(1, std::min(workers, s.B));
  if (dbias != nullptr) {
    for (int o = 0; o < OC; o++) {
      float g = 0.0f;
      for (int b = 0; b < s.B; b++) {
        g += detail::sum_floats(dout + b * out_stride + (std::int64_t)o * OHW, OHW);
      }
      dbias[o] = acc ? dbias[o] + g : g;
    }
  }
  // Worker 0 sums into dweight (as the mode says); worker w > 0 into its slot's tail.
  auto dweight_of = [&](int w) {
    return w == 0 ? dweight : scratch_all + std::size_t(w) * slot + conv2d_scratch_floats(s);
  };
  parallel_for(workers, s.B, [&](int b, int w) {
    float* scratch = scratch_all + std::size_t(w) * slot;
    const float* inp_b = inp + b * in_stride;
    const float* dout_b = dout + b * out_stride;  // (OC, OHW)
    if (dweight != nullptr) {
      const float* col = inp_b;
      if (!pointwise) {
        detail::im2col(scratch, inp_b, s);
        col = scratch;
      }
      // dweight (OC, CKK) += dout_b (OC, OHW) * col^T (OHW, CKK); fresh on the worker's first
      // image unless worker 0 accumulates into the caller's gradient.
      const bool fresh = b < workers && (w > 0 || !acc);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, OC, CKK, OHW, 1.0f, dout_b, OHW, col,
                  OHW, fresh ? 0.0f : 1.0f, dweight_of(w), CKK);
    }
    if (dinp != nullptr) {
      float* dinp_b = dinp + b * in_stride;
      if (pointwise) {
        // dinp_b (C, HW) = weight^T (C, OC) * dout_b (OC, HW)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, CKK, OHW, OC, 1.0f, weight, CKK,
                    dout_b, OHW, acc ? 1.0f : 0.0f, dinp_b, OHW);
      } else {
        // dcol (CKK, OHW) = weight^T (CKK, OC) * dout_b (OC, OHW); reuses the im2col scratch.
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, CKK, OHW, OC, 1.0f, weight, CKK,
                    dout_b, OHW, 0.0f, scratch, OHW);
        detail::col2im(dinp_b, scratch, s, mode);
      }
    }
  });
  if (dweight != nullptr)
    worker_sums_add(dweight, scratch_all, slot, conv2d_scratch_floats(s), std::size_t(OC) * CKK,
                    workers);
}

namespace detail {

namespace {
// Calls cell(yi, o, taps) for every output cell yi of (B, OC, OH, OW) in order, o its channel;
// taps(term) calls term(xi, wi) for each product inp[xi] * weight[wi] that the cell sums, in
// order (cg, kh, kw), skipping taps over the padding. Output channel o reads the input
// channels [g Cg, (g + 1) Cg), g = o / OCg.
template <typename Cell>
void grouped_conv2d_cells(const Shape2d& s, int OC, int groups, Cell cell) {
  const int C = s.C, H = s.H, W = s.W, K = s.K, OH = s.OH(), OW = s.OW();
  const int Cg = C / groups, OCg = OC / groups;
  std::int64_t yi = 0;
  for (int b = 0; b < s.B; b++)
    for (int o = 0; o < OC; o++)
      for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++, yi++)
          cell(yi, o, [&](auto term) {
            for (int cg = 0; cg < Cg; cg++)
              for (int kh = 0; kh < K; kh++)
                for (int kw = 0; kw < K; kw++) {
                  int ih = oh * s.stride - s.pad + kh, iw = ow * s.stride - s.pad + kw;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  const int c = o / OCg * Cg + cg;
                  term(((b * C + c) * H + ih) * W + iw, ((o * Cg + cg) * K + kh) * K + kw);
                }
          });
}
}  // namespace

void grouped_conv2d_forward_naive(float* out, const float* inp, const float* weight,
                                  const float* bias, const Shape2d& s, int OC, int groups) {
  grouped_conv2d_cells(s, OC, groups, [&](std::int64_t yi, int o, auto taps) {
    double acc = bias != nullptr ? bias[o] : 0.0;
    taps([&](int xi, int wi) { acc += (double)inp[xi] * weight[wi]; });
    out[yi] = (float)acc;
  });
}

void grouped_conv2d_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                                   const float* inp, const float* weight, const Shape2d& s, int OC,
                                   int groups, Grad mode) {
  if (mode == Grad::overwrite) {
    if (dinp != nullptr) std::fill_n(dinp, (std::int64_t)s.B * s.C * s.H * s.W, 0.0f);
    if (dweight != nullptr) std::fill_n(dweight, (std::int64_t)OC * s.C / groups * s.K * s.K, 0.0f);
    if (dbias != nullptr) std::fill_n(dbias, OC, 0.0f);
  }
  // Scatter form: every term adds to one dinp and one dweight cell.
  grouped_conv2d_cells(s, OC, groups, [&](std::int64_t yi, int o, auto taps) {
    const float g = dout[yi];
    if (dbias != nullptr) dbias[o] += g;
    taps([&](int xi, int wi) {
      if (dinp != nullptr) dinp[xi] += g * weight[wi];
      if (dweight != nullptr) dweight[wi] += g * inp[xi];
    });
  });
}

}  // namespace detail

void conv2d_forward_naive(float* out, const float* inp, const float* weight, const float* bias,
                          const Shape2d& s, int OC) {
  detail::grouped_conv2d_forward_naive(out, inp, weight, bias, s, OC, 1);
}

void conv2d_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                           const float* inp, const float* weight, const Shape2d& s, int OC,
                           Grad mode) {
  detail::grouped_conv2d_backward_naive(dinp, dweight, dbias, dout, inp, weight, s, OC, 1, mode);
}

}  // namespace greenbench::kernels
