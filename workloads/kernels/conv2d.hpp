// 2-D convolution (groups = 1), NCHW, square K x K kernel, stride, zero padding, bias.
// Fast path: im2col of each image into caller-provided scratch, then cblas_sgemm (1x1 stride-1
// unpadded convs skip im2col). Not depthwise (see depthwise_conv2d.hpp). _naive: plain loops.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common.hpp"

namespace greenbench::kernels {

// Floats of scratch conv2d_forward / conv2d_backward need for shape `s` (one im2col image:
// C*K*K x OH*OW). Allocate once (e.g. in the model's arena); never allocated inside a step.
std::size_t conv2d_scratch_floats(const Shape2d& s);
// Floats one of several workers needs: its im2col scratch and its own weight gradient.
std::size_t conv2d_worker_floats(const Shape2d& s, int OC);

// Images go to `workers` threads (kernels/parallel.hpp; OpenBLAS must be at one thread when
// workers > 1); worker w uses scratch + w * slot. workers 1: slot unused, scratch needs
// conv2d_scratch_floats(s) floats; more: slot >= conv2d_worker_floats(s, OC).

// out (B, OC, OH, OW) = conv(inp (B, C, H, W), weight (OC, C, K, K)) + bias (OC).
// bias may be nullptr.
void conv2d_forward(float* out, float* scratch, const float* inp, const float* weight,
                    const float* bias, const Shape2d& s, int OC, int workers = 1,
                    std::size_t slot = 0);
// dinp (B, C, H, W), dweight (OC, C, K, K), dbias (OC) from dout (B, OC, OH, OW).
// Any gradient output may be nullptr (dinp of the first layer: skips the dX GEMM and col2im).
// `mode` applies to all three. With workers, each sums its images' weight gradient in its own
// buffer; the buffers are added in worker order after.
void conv2d_backward(float* dinp, float* dweight, float* dbias, float* scratch, const float* dout,
                     const float* inp, const float* weight, const Shape2d& s, int OC, Grad mode,
                     int workers = 1, std::size_t slot = 0);

void conv2d_forward_naive(float* out, const float* inp, const float* weight, const float* bias,
                          const Shape2d& s, int OC);
void conv2d_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                           const float* inp, const float* weight, const Shape2d& s, int OC,
                           Grad mode);

// Multiply-accumulates of one sample's forward pass: OH * OW * OC * C * K * K.
inline std::int64_t conv2d_macs(const Shape2d& s, int OC) {
  return std::int64_t(s.OH()) * s.OW() * OC * s.C * s.K * s.K;
}
// FLOPs of one forward call (2 * B * MACs). Backward with dinp: 2x that; without: 1x.
inline double conv2d_flops(const Shape2d& s, int OC) {
  return 2.0 * s.B * conv2d_macs(s, OC);
}

namespace detail {
// col (C*K*K, ld) <- image (C, H, W): the image's OH*OW columns at the start of each row of
// col (ld 0: OH*OW, a matrix of its own; models/conv_pool.cpp packs several images side by
// side); zero where the window hangs over the padding. No libc call per row.
void im2col(float* col, const float* image, const Shape2d& s, std::int64_t ld = 0);
// image (C, H, W) += col (C*K*K, ld), the adjoint of im2col (mode overwrite: image = the sum,
// its old contents never read, so the caller need not zero it). May overwrite col (scratch).
void col2im(float* image, float* col, const Shape2d& s, Grad mode, std::int64_t ld = 0);
// The references behind conv2d_*_naive (groups 1) and depthwise_conv2d_*_naive (groups C):
// the C input and OC output channels in `groups` equal groups, output channel o convolving
// only its group's C / groups inputs, weight (OC, C / groups, K, K).
void grouped_conv2d_forward_naive(float* out, const float* inp, const float* weight,
                                  const float* bias, const Shape2d& s, int OC, int groups);
void grouped_conv2d_backward_naive(float* dinp, float* dweight, float* dbias, const float* dout,
                                   const float* inp, const float* weight, const Shape2d& s, int OC,
                                   int groups, Grad mode);
}  // namespace detail

}  // namespace greenbench::kernels
