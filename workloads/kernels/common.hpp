// Shared vocabulary of the kernels: gradient write mode and 2-D window geometry.
// Not an op: no arithmetic lives here. Shape letters: B, C, OC, H, W, K (see STYLE.md).
#pragma once

#include <cstdint>

namespace greenbench::kernels {

// How a `_backward` writes each of its gradient outputs (dinp, dweight, dbias, ...).
// overwrite: grad = g. accumulate: grad += g (llm.c style; the caller zeroes once per step).
enum class Grad { overwrite, accumulate };

// Geometry of a 2-D window op (conv2d, depthwise conv, pooling) over NCHW input (B, C, H, W):
// square K x K window, equal stride and zero padding on both axes.
struct Shape2d {
  int B = 1, C = 1, H = 1, W = 1;
  int K = 1, stride = 1, pad = 0;
  int OH() const { return (H + 2 * pad - K) / stride + 1; }
  int OW() const { return (W + 2 * pad - K) / stride + 1; }
};

}  // namespace greenbench::kernels
