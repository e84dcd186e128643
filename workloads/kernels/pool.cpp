// Max and average pooling: direct loops (a 2x2 stride-2 fast path) and references. See pool.hpp.
#include "kernels/pool.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>

#include "kernels/multiversion.hpp"

namespace greenbench::kernels {

namespace {

bool is_2x2(const Shape2d& s) {
  return s.K == 2 && s.stride == 2 && s.pad == 0;
}

// One output row of the 2x2 stride-2 max-pool backward: writes all four cells of each window
// (g to the first maximum, 0 elsewhere), so dinp needs no zeroing first. Rows are short (7,
// 14 windows) so many windows land in the scalar epilogue; the selection is bit masks (no
// data-dependent branch to mispredict on random data), and __restrict spares GCC a run-time
// alias check that fails for adjacent rows (d1 = d0 + W) and sent everything down the scalar
// path (BM_maxpool2x2/mode:1 at (128, 32, 28, 28): 6.6 ms before, 1.9 ms after).
GREENBENCH_INLINE std::uint32_t mask_of(bool b) {
  return 0u - (std::uint32_t)b;
}

template <bool kAccumulate>
GREENBENCH_INLINE void maxpool2x2_backward_row(float* __restrict d0, float* __restrict d1,
                                               const float* __restrict r0,
                                               const float* __restrict r1,
                                               const float* __restrict dy, int OW) {
  for (int ow = 0; ow < OW; ow++) {
    const int c = 2 * ow;
    const float a = r0[c], b = r0[c + 1], e = r1[c], f = r1[c + 1];
    // Same tie order as the forward and the reference: first maximum in row-major order.
    const std::uint32_t l0 = mask_of(a >= b), l1 = mask_of(e >= f);
    const std::uint32_t top = mask_of(std::max(a, b) >= std::max(e, f));
    const std::uint32_t g = std::bit_cast<std::uint32_t>(dy[ow]);
    const float g00 = std::bit_cast<float>(g & top & l0);
    const float g01 = std::bit_cast<float>(g & top & ~l0);
    const float g10 = std::bit_cast<float>(g & ~top & l1);
    const float g11 = std::bit_cast<float>(g & ~top & ~l1);
    if (kAccumulate) {
      d0[c] += g00, d0[c + 1] += g01, d1[c] += g10, d1[c + 1] += g11;
    } else {
      d0[c] = g00, d0[c + 1] = g01, d1[c] = g10, d1[c + 1] = g11;
    }
  }
}

// Index in the (H, W) plane of the first maximum of window (oh, ow); -1 if all padding.
inline int window_argmax(const float* x, const Shape2d& s, int oh, int ow) {
  int best = -1;
  float best_v = -std::numeric_limits<float>::infinity();
  for (int kh = 0; kh < s.K; kh++) {
    int ih = oh * s.stride - s.pad + kh;
    if (ih < 0 || ih >= s.H) continue;
    for (int kw = 0; kw < s.K; kw++) {
      int iw = ow * s.stride - s.pad + kw;
      if (iw < 0 || iw >= s.W) continue;
      float v = x[ih * s.W + iw];
      if (best < 0 || v > best_v) {
        best = ih * s.W + iw;
        best_v = v;
      }
    }
  }
  return best;
}

}  // namespace

GREENBENCH_MULTIVERSION
void maxpool_forward(float* out, const float* inp, const Shape2d& s) {
  const int OH = s.OH(), OW = s.OW(), HW = s.H * s.W;
  const std::int64_t planes = (std::int64_t)s.B * s.C;
  for (std::int64_t p = 0; p < planes; p++) {
    const float* x = inp + p * HW;
    float* y = out + p * OH * OW;
    if (is_2x2(s)) {
      for (int oh = 0; oh < OH; oh++) {
        const float* r0 = x + (2 * oh) * s.W;
        const float* r1 = r0 + s.W;
        float* yr = y + oh * OW;
        for (int ow = 0; ow < OW; ow++) {
          float a = r0[2 * ow] >= r0[2 * ow + 1] ? r0[2 * ow] : r0[2 * ow + 1];
          float b = r1[2 * ow] >= r1[2 * ow + 1] ? r1[2 * ow] : r1[2 * ow + 1];
          yr[ow] = a >= b ? a : b;
        }
      }
    } else {
      for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) y[oh * OW + ow] = x[window_argmax(x, s, oh, ow)];
    }
  }
}

GREENBENCH_MULTIVERSION
void maxpool_backward(float* dinp, const float* dout, const float* inp, const Shape2d& s,
                      Grad mode) {
  const int OH = s.OH(), OW = s.OW(), HW = s.H * s.W;
  const std::int64_t planes = (std::int64_t)s.B * s.C;
  const bool acc = mode == Grad::accumulate;
  if (is_2x2(s)) {
    // Windows tile the plane: write every cell of each window (g or 0) instead of zeroing
    // dinp first; only an odd last row or column, outside every window, is zeroed.
    for (std::int64_t p = 0; p < planes; p++) {
      const float* x = inp + p * HW;
      const float* dy = dout + p * OH * OW;
      float* dx = dinp + p * HW;
      for (int oh = 0; oh < OH; oh++) {
        const float* r0 = x + (2 * oh) * s.W;
        float* d0 = dx + (2 * oh) * s.W;
        float* d1 = d0 + s.W;
        if (acc)
          maxpool2x2_backward_row<true>(d0, d1, r0, r0 + s.W, dy + oh * OW, OW);
        else
          maxpool2x2_backward_row<false>(d0, d1, r0, r0 + s.W, dy + oh * OW, OW);
        if (!acc && (s.W & 1)) d0[s.W - 1] = d1[s.W - 1] = 0.0f;
      }
      if (!acc && (s.H & 1)) std::memset(dx + (s.H - 1) * s.W, 0, sizeof(float) * s.W);
    }
    return;
  }
  if (!acc) std::memset(dinp, 0, sizeof(float) * planes * HW);
  for (std::int64_t p = 0; p < planes; p++) {
    const float* x = inp + p * HW;
    const float* dy = dout + p * OH * OW;
    float* dx = dinp + p * HW;
    {
      for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) dx[window_argmax(x, s, oh, ow)] += dy[oh * OW + ow];
    }
  }
}

// References: index arithmetic over the whole tensor, no hoisting, no special cases.
void maxpool_forward_naive(float* out, const float* inp, const Shape2d& s) {
  const int C = s.C, H = s.H, W = s.W, OH = s.OH(), OW = s.OW();
  for (int b = 0; b < s.B; b++)
    for (int c = 0; c < C; c++)
      for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) {
          float m = -std::numeric_limits<float>::infinity();
          for (int kh = 0; kh < s.K; kh++)
            for (int kw = 0; kw < s.K; kw++) {
              int ih = oh * s.stride - s.pad + kh, iw = ow * s.stride - s.pad + kw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              float v = inp[((b * C + c) * H + ih) * W + iw];
              if (v > m) m = v;
            }
          out[((b * C + c) * OH + oh) * OW + ow] = m;
        }
}

void maxpool_backward_naive(float* dinp, const float* dout, const float* inp, const Shape2d& s,
                            Grad mode) {
  const int C = s.C, H = s.H, W = s.W, OH = s.OH(), OW = s.OW();
  if (mode == Grad::overwrite)
    for (int i = 0; i < s.B * C * H * W; i++) dinp[i] = 0.0f;
  for (int b = 0; b < s.B; b++)
    for (int c = 0; c < C; c++)
      for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) {
          int arg = -1;
          for (int kh = 0; kh < s.K; kh++)
            for (int kw = 0; kw < s.K; kw++) {
              int ih = oh * s.stride - s.pad + kh, iw = ow * s.stride - s.pad + kw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              int i = ((b * C + c) * H + ih) * W + iw;
              if (arg < 0 || inp[i] > inp[arg]) arg = i;
            }
          dinp[arg] += dout[((b * C + c) * OH + oh) * OW + ow];
        }
}

}  // namespace greenbench::kernels
