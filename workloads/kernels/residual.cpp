// Residual add and its reference. See residual.hpp.
#include "kernels/residual.hpp"

#include "kernels/multiversion.hpp"

namespace greenbench::kernels {

namespace {
GREENBENCH_MULTIVERSION
void pass_grad(float* dinp, const float* dout, std::int64_t N, Grad mode) {
  if (dinp == nullptr) return;
  if (mode == Grad::overwrite) {
    for (std::int64_t i = 0; i < N; i++) dinp[i] = dout[i];
  } else {
    for (std::int64_t i = 0; i < N; i++) dinp[i] += dout[i];
  }
}
}  // namespace

GREENBENCH_MULTIVERSION
void residual_forward(float* out, const float* inp1, const float* inp2, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) out[i] = inp1[i] + inp2[i];
}

GREENBENCH_MULTIVERSION
void residual_backward(float* dinp1, float* dinp2, const float* dout, std::int64_t N, Grad mode) {
  pass_grad(dinp1, dout, N, mode);
  pass_grad(dinp2, dout, N, mode);
}

void residual_forward_naive(float* out, const float* inp1, const float* inp2, std::int64_t N) {
  for (std::int64_t i = 0; i < N; i++) out[i] = (float)((double)inp1[i] + (double)inp2[i]);
}

void residual_backward_naive(float* dinp1, float* dinp2, const float* dout, std::int64_t N,
                             Grad mode) {
  for (std::int64_t i = 0; i < N; i++) {
    if (dinp1 != nullptr) dinp1[i] = (mode == Grad::accumulate ? dinp1[i] : 0.0f) + dout[i];
    if (dinp2 != nullptr) dinp2[i] = (mode == Grad::accumulate ? dinp2[i] : 0.0f) + dout[i];
  }
}

}  // namespace greenbench::kernels
