// Elementwise activations over N floats: ReLU, GELU (exact erf form, PyTorch's nn.GELU()
// default, and the tanh approximation, nn.GELU(approximate="tanh")), tanh.
// The models use the exact-erf gelu_* unless a config asks for the approximation.
#pragma once

#include <cstdint>

#include "kernels/common.hpp"

namespace greenbench::kernels {

// out (N) = max(inp, 0); out may alias inp.
void relu_forward(float* out, const float* inp, std::int64_t N);
// dinp (N) = dout * (inp > 0); the gradient at 0 is 0, as in PyTorch.
void relu_backward(float* dinp, const float* dout, const float* inp, std::int64_t N, Grad mode);

// out (N) = inp * Phi(inp) = 0.5 * inp * (1 + erf(inp / sqrt(2))).
void gelu_forward(float* out, const float* inp, std::int64_t N);
// dinp (N) = dout * (Phi(inp) + inp * phi(inp)).
void gelu_backward(float* dinp, const float* dout, const float* inp, std::int64_t N, Grad mode);

// out (N) = 0.5 * inp * (1 + tanh(sqrt(2/pi) * (inp + 0.044715 * inp^3))).
void gelu_tanh_forward(float* out, const float* inp, std::int64_t N);
void gelu_tanh_backward(float* dinp, const float* dout, const float* inp, std::int64_t N,
                        Grad mode);

// out (N) = tanh(inp).
void tanh_forward(float* out, const float* inp, std::int64_t N);
// dinp (N) = dout * (1 - out^2), from the forward's output.
void tanh_backward(float* dinp, const float* dout, const float* out, std::int64_t N, Grad mode);

// The two signatures every activation above has: forward out (N) = f(inp); backward
// dinp (N) = dout * f'(inp), from the forward's input x (tanh: from its output).
using ActivationForwardFn = void(float* out, const float* inp, std::int64_t N);
using ActivationBackwardFn = void(float* dinp, const float* dout, const float* x, std::int64_t N,
                                  Grad mode);

// References: double precision, formulas written out independently of the fast versions.
ActivationForwardFn relu_forward_naive, gelu_forward_naive, gelu_tanh_forward_naive,
    tanh_forward_naive;
ActivationBackwardFn relu_backward_naive, gelu_backward_naive, gelu_tanh_backward_naive,
    tanh_backward_naive;

// FLOPs of one forward call (rough: 1 for ReLU, ~10 for GELU and tanh per element).
inline double relu_flops(std::int64_t N) {
  return double(N);
}
inline double gelu_flops(std::int64_t N) {
  return 10.0 * N;
}
inline double tanh_flops(std::int64_t N) {
  return 10.0 * N;
}

}  // namespace greenbench::kernels
