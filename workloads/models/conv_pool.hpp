// A model-level fusion: conv (K x K, stride, pad, bias) + ReLU + 2x2/2 max-pool in one op over
// chunks of G images, with one im2col GEMM per chunk (N = G*OH*OW) and the ReLU and pooling
// done on the GEMM output while it is in cache; only the pooled output and a 1-byte argmax
// are kept. Same results as conv2d -> relu -> maxpool (PyTorch's first-maximum rule).
// Not a general conv (kernels/conv2d.hpp) and not used where the conv output feeds anything else.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/common.hpp"

namespace greenbench::models {

// Geometry of one fused op: conv input s (s.B ignored), OC out channels, G images per chunk.
struct ConvPool {
  kernels::Shape2d s;
  int OC = 0;
  int G = 1;
  int OH() const { return s.OH(); }
  int OW() const { return s.OW(); }
  int PH() const { return s.OH() / 2; }  // pooled, floor mode
  int PW() const { return s.OW() / 2; }
  // Floats of scratch: the chunk's im2col (C*K*K, G*OH*OW), conv output (OC, G*OH*OW), and
  // one plane of pooling temporaries.
  std::size_t scratch_floats() const;
  // Floats one worker needs: its scratch, and its own weight and bias gradient (OC*C*K*K + OC)
  // to be summed after a parallel backward.
  std::size_t worker_floats() const;
};

// Images per chunk for `s`: enough columns for an efficient GEMM, scratch within ~1 MB.
int conv_pool_chunk(const kernels::Shape2d& s, int OC, int Bmax);

// Chunks go to `workers` threads (kernels/parallel.hpp; OpenBLAS must be at one thread when
// workers > 1); worker w uses scratch + w * slot, slot >= p.worker_floats() floats.

// out (B, OC, PH, PW) = maxpool2(relu(conv(inp (B, C, H, W), weight (OC, C, K, K)) + bias (OC)));
// arg (B, OC, PH, PW): which of the 4 window cells won (0..3), 255 where the ReLU gave 0.
void conv_pool_forward(float* out, std::uint8_t* arg, float* scratch, const float* inp,
                       const float* weight, const float* bias, const ConvPool& p, int B,
                       int workers = 1, std::size_t slot = 0);
// dweight (OC, C, K, K), dbias (OC) and dinp (B, C, H, W) (nullptr: skipped) from
// dout (B, OC, PH, PW); `mode` applies to all three. Each worker sums its chunks' weight and
// bias gradients in its own buffer; the buffers are added in worker order after.
void conv_pool_backward(float* dinp, float* dweight, float* dbias, float* scratch,
                        const float* dout, const std::uint8_t* arg, const float* inp,
                        const float* weight, const ConvPool& p, int B, kernels::Grad mode,
                        int workers = 1, std::size_t slot = 0);

}  // namespace greenbench::models
