// Depthwise conv2d: direct loops and the plain-loop reference. See depthwise_conv2d.hpp.
#include "kernels/depthwise_conv2d.hpp"

#include <algorithm>
#include <cstring>

#include "kernels/conv2d.hpp"
#include "kernels/parallel.hpp"

namespace greenbench::kernels {

namespace {
// Output columns [lo, hi) whose tap kw reads inside the image row (the rest read padding).
void tap_range(const Shape2d& s, int kw, int* lo, int* hi) {
  int st = s.stride, OW = s.OW();
  int l = s.pad - kw > 0 ? (s.pad - kw + st - 1) / st : 0;
  int h = (s.W - 1 + s.pad - kw) >= 0 ? (s.W - 1 + s.pad - kw) / st + 1 : 0;
  if (h > OW) h = OW;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}
}  // namespace

void depthwise_conv2d_forward(float* out, const float* inp, const float* weight, const float* bias,
                              const Shape2d& s, int workers) {
  const int H = s.H, W = s.W, K = s.K, OH = s.OH(), OW = s.OW(), st = s.stride;
  parallel_for(workers, s.B, [&](int b, int) {
    for (int c = 0; c < s.C; c++) {
      const float* x = inp + ((std::int64_t)b * s.C + c) * H * W;  // (H, W)
      float* y = out + ((std::int64_t)b * s.C + c) * OH * OW;      // (OH, OW)
      const float* w = weight + (std::int64_t)c * K * K;           // (K, K)
      float b0 = bias != nullptr ? bias[c] : 0.0f;
      for (int i = 0; i < OH * OW; i++) y[i] = b0;
      for (int kw = 0; kw < K; kw++) {
        int lo, hi;
        tap_range(s, kw, &lo, &hi);
        for (int oh = 0; oh < OH; oh++) {
          float* yrow = y + oh * OW;
          for (int kh = 0; kh < K; kh++) {
            int ih = oh * st - s.pad + kh;
            if (ih < 0 || ih >= H) continue;
            float wv = w[kh * K + kw];
            const float* xrow = x + ih * W;
            int off = kw - s.pad;
            if (st == 1) {
              for (int ow = lo; ow < hi; ow++) yrow[ow] += wv * xrow[ow + off];
            } else {
              for (int ow = lo; ow < hi; ow++) yrow[ow] += wv * xrow[ow * st + off];
            }
          }
        }
      }
    }
  });
}

void depthwise_conv2d_backward(float* dinp, float* dweight, float* dbias, const float* dout,
                               const float* inp, const float* weight, const Shape2d& s, Grad mode,
                               int workers, float* scratch, std::size_t slot) {
  const int H = s.H, W = s.W, K = s.K, OH = s.OH(), OW = s.OW(), st = s.stride;
  const bool acc = mode == Grad::accumulate;
  if (!acc) {
    if (dinp != nullptr) std::memset(dinp, 0, sizeof(float) * s.B * s.C * H * W);
    if (dweight != nullptr) std::memset(dweight, 0, sizeof(float) * s.C * K * K);
    if (dbias != nullptr) std::memset(dbias, 0, sizeof(float) * s.C);
  }
  workers = scratch == nullptr ? 1 : std::max(1, std::min(workers, s.B));
  const std::size_t KK = std::size_t(K) * K;
  // Worker 0 sums into dweight / dbias; worker w > 0 into its slot (weights, then biases).
  auto grad_of = [&](int w, float* own, std::size_t at) -> float* {
    if (own == nullptr) return nullptr;
    return w == 0 ? own : scratch + std::size_t(w) * slot + at;
  };
  for (int w = 1; w < workers; w++)
    std::memset(scratch + std::size_t(w) * slot, 0, sizeof(float) * (s.C * KK + s.C));
  parallel_for(workers, s.B, [&](int b, int wk) {
    float* dweight_w = grad_of(wk, dweight, 0);
    float* dbias_w = grad_of(wk, dbias, s.C * KK);
    for (int c = 0; c < s.C; c++) {
      const float* x = inp + ((std::int64_t)b * s.C + c) * H * W;
      const float* dy = dout + ((std::int64_t)b * s.C + c) * OH * OW;
      float* dx = dinp != nullptr ? dinp + ((std::int64_t)b * s.C + c) * H * W : nullptr;
      const float* w = weight + (std::int64_t)c * K * K;
      if (dbias_w != nullptr) {
        dbias_w[c] += detail::sum_floats(dy, (std::int64_t)OH * OW);
      }
      for (int kw = 0; kw < K; kw++) {
        int lo, hi;
        tap_range(s, kw, &lo, &hi);
        int off = kw - s.pad;
        for (int kh = 0; kh < K; kh++) {
          float wv = w[kh * K + kw];
          float gw = 0.0f;
          for (int oh = 0; oh < OH; oh++) {
            int ih = oh * st - s.pad + kh;
            if (ih < 0 || ih >= H) continue;
            const float* dyrow = dy + oh * OW;
            const float* xrow = x + ih * W;
            if (st == 1) {
              for (int ow = lo; ow < hi; ow++) gw += dyrow[ow] * xrow[ow + off];
              if (dx != nullptr) {
                float* dxrow = dx + ih * W;
                for (int ow = lo; ow < hi; ow++) dxrow[ow + off] += wv * dyrow[ow];
              }
            } else {
              for (int ow = lo; ow < hi; ow++) gw += dyrow[ow] * xrow[ow * st + off];
              if (dx != nullptr) {
                float* dxrow = dx + ih * W;
                for (int ow = lo; ow < hi; ow++) dxrow[ow * st + off] += wv * dyrow[ow];
              }
            }
          }
          if (dweight_w != nullptr) dweight_w[(std::int64_t)c * K * K + kh * K + kw] += gw;
        }
      }
    }
  });
  if (dweight != nullptr) worker_sums_add(dweight, scratch, slot, 0, s.C * KK, workers);
  if (dbias != nullptr) worker_sums_add(dbias, scratch, slot, s.C * KK, s.C, workers);
}

// A depthwise conv is a grouped conv with one input channel per group.
void depthwise_conv2d_forward_naive(float* out, const float* inp, const float* weight,
                                    const float* bias, const Shape2d& s) {
  detail::grouped_conv2d_forward_naive(out, inp, weight, bias, s, s.C, s.C);
}

void depthwise_conv2d_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                                     const float* inp, const float* weight, const Shape2d& s,
                                     Grad mode) {
  detail::grouped_conv2d_backward_naive(dinp, dweight, dbias, dout, inp, weight, s, s.C, s.C, mode);
}

}  // namespace greenbench::kernels
