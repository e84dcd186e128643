// Global average pooling and its reference. See global_avg_pool.hpp.
#include "kernels/global_avg_pool.hpp"

#include <cstdint>

namespace greenbench::kernels {

void global_avg_pool_forward(float* out, const float* inp, int B, int C, int H, int W) {
  const int HW = H * W;
  const float scale = 1.0f / HW;
  for (std::int64_t p = 0; p < (std::int64_t)B * C; p++) {
    out[p] = detail::sum_floats(inp + p * HW, HW) * scale;
  }
}

void global_avg_pool_backward(float* dinp, const float* dout, int B, int C, int H, int W,
                              Grad mode) {
  const int HW = H * W;
  const float scale = 1.0f / HW;
  for (std::int64_t p = 0; p < (std::int64_t)B * C; p++) {
    float g = dout[p] * scale;
    float* dx = dinp + p * HW;
    if (mode == Grad::overwrite) {
      for (int i = 0; i < HW; i++) dx[i] = g;
    } else {
      for (int i = 0; i < HW; i++) dx[i] += g;
    }
  }
}

void global_avg_pool_forward_naive(float* out, const float* inp, int B, int C, int H, int W) {
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++) {
      double acc = 0.0;
      for (int h = 0; h < H; h++)
        for (int w = 0; w < W; w++) acc += inp[((b * C + c) * H + h) * W + w];
      out[b * C + c] = (float)(acc / (H * W));
    }
}

void global_avg_pool_backward_naive(float* dinp, const float* dout, int B, int C, int H, int W,
                                    Grad mode) {
  for (int b = 0; b < B; b++)
    for (int c = 0; c < C; c++)
      for (int h = 0; h < H; h++)
        for (int w = 0; w < W; w++) {
          int i = ((b * C + c) * H + h) * W + w;
          float g = dout[b * C + c] / (float)(H * W);
          dinp[i] = mode == Grad::accumulate ? dinp[i] + g : g;
        }
}

}  // namespace greenbench::kernels
