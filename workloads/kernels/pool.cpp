// Max and average pooling: direct loops (a 2x2 stride-2 fast path) and references. See pool.hpp.
#include "kernels/pool.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

namespace greenbench::kernels {

namespace {

bool is_2x2(const Shape2d& s) { return s.K == 2 && s.stride == 2 && s.pad == 0; }

// One output row of the 2x2 stride-2 max-pool backward: writes all four cells of each window
// (g to the first maximum, 0 elsewhere), so dinp needs no zeroing first. Branch-free so it
// vectorises.
template <bool kAccumulate>
void maxpool2x2_backward_row(float* d0, float* d1, const float* r0, const float* r1,
                             const float* dy, int OW) {
  for (int ow = 0; ow < OW; ow++) {
    const float g = dy[ow];
    const int c = 2 * ow;
    // Same tie order as the forward and the reference: first maximum in row-major order.
    const bool left0 = r0[c] >= r0[c + 1], left1 = r1[c] >= r1[c + 1];
    const float m0 = left0 ? r0[c] : r0[c + 1], m1 = left1 ? r1[c] : r1[c + 1];
    const bool top = m0 >= m1;
    // Selects only (no &&, whose short-circuit is control flow), so GCC vectorises the loop.
    const float gt = top ? g : 0.0f, gb = top ? 0.0f : g;
    const float g00 = left0 ? gt : 0.0f, g01 = left0 ? 0.0f : gt;
    const float g10 = left1 ? gb : 0.0f, g11 = left1 ? 0.0f : gb;
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

void avgpool_forward(float* out, const float* inp, const Shape2d& s) {
  const int OH = s.OH(), OW = s.OW(), HW = s.H * s.W;
  const float scale = 1.0f / (s.K * s.K);
  const std::int64_t planes = (std::int64_t)s.B * s.C;
  for (std::int64_t p = 0; p < planes; p++) {
    const float* x = inp + p * HW;
    float* y = out + p * OH * OW;
    for (int oh = 0; oh < OH; oh++)
      for (int ow = 0; ow < OW; ow++) {
        float acc = 0.0f;
        for (int kh = 0; kh < s.K; kh++) {
          int ih = oh * s.stride - s.pad + kh;
          if (ih < 0 || ih >= s.H) continue;
          for (int kw = 0; kw < s.K; kw++) {
            int iw = ow * s.stride - s.pad + kw;
            if (iw >= 0 && iw < s.W) acc += x[ih * s.W + iw];
          }
        }
        y[oh * OW + ow] = acc * scale;
      }
  }
}

void avgpool_backward(float* dinp, const float* dout, const Shape2d& s, Grad mode) {
  const int OH = s.OH(), OW = s.OW(), HW = s.H * s.W;
  const float scale = 1.0f / (s.K * s.K);
  const std::int64_t planes = (std::int64_t)s.B * s.C;
  if (mode == Grad::overwrite) std::memset(dinp, 0, sizeof(float) * planes * HW);
  for (std::int64_t p = 0; p < planes; p++) {
    float* dx = dinp + p * HW;
    const float* dy = dout + p * OH * OW;
    for (int oh = 0; oh < OH; oh++)
      for (int ow = 0; ow < OW; ow++) {
        float g = dy[oh * OW + ow] * scale;
        for (int kh = 0; kh < s.K; kh++) {
          int ih = oh * s.stride - s.pad + kh;
          if (ih < 0 || ih >= s.H) continue;
          for (int kw = 0; kw < s.K; kw++) {
            int iw = ow * s.stride - s.pad + kw;
            if (iw >= 0 && iw < s.W) dx[ih * s.W + iw] += g;
          }
        }
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

void avgpool_forward_naive(float* out, const float* inp, const Shape2d& s) {
  const int C = s.C, H = s.H, W = s.W, OH = s.OH(), OW = s.OW();
  for (int b = 0; b < s.B; b++)
    for (int c = 0; c < C; c++)
      for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++) {
          double acc = 0.0;
          for (int kh = 0; kh < s.K; kh++)
            for (int kw = 0; kw < s.K; kw++) {
              int ih = oh * s.stride - s.pad + kh, iw = ow * s.stride - s.pad + kw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              acc += inp[((b * C + c) * H + ih) * W + iw];
            }
          out[((b * C + c) * OH + oh) * OW + ow] = (float)(acc / (s.K * s.K));
        }
}

void avgpool_backward_naive(float* dinp, const float* dout, const Shape2d& s, Grad mode) {
  const int C = s.C, H = s.H, W = s.W, OH = s.OH(), OW = s.OW();
  if (mode == Grad::overwrite)
    for (int i = 0; i < s.B * C * H * W; i++) dinp[i] = 0.0f;
  for (int b = 0; b < s.B; b++)
    for (int c = 0; c < C; c++)
      for (int oh = 0; oh < OH; oh++)
        for (int ow = 0; ow < OW; ow++)
          for (int kh = 0; kh < s.K; kh++)
            for (int kw = 0; kw < s.K; kw++) {
              int ih = oh * s.stride - s.pad + kh, iw = ow * s.stride - s.pad + kw;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              dinp[((b * C + c) * H + ih) * W + iw] +=
                  dout[((b * C + c) * OH + oh) * OW + ow] / (float)(s.K * s.K);
            }
}

}  // namespace greenbench::kernels
