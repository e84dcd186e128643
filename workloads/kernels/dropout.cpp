// Inverted dropout with a counter-based mask, and its reference. See dropout.hpp.
#include "kernels/dropout.hpp"

namespace greenbench::kernels {

namespace {
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}
// Keep when the 24-bit uniform u = h >> 40 satisfies u >= p * 2^24.
inline std::uint32_t drop_threshold(float p) {
  return (std::uint32_t)((double)p * 16777216.0);
}
}  // namespace

bool dropout_keep(std::uint64_t seed, std::int64_t i, float p) {
  std::uint64_t h = splitmix64(splitmix64(seed) ^ (std::uint64_t)i);
  return (std::uint32_t)(h >> 40) >= drop_threshold(p);
}

void dropout_forward(float* out, std::uint8_t* mask, const float* inp, std::int64_t N, float p,
                     std::uint64_t seed) {
  const std::uint64_t key = splitmix64(seed);
  const std::uint32_t threshold = drop_threshold(p);
  const float scale = 1.0f / (1.0f - p);
  for (std::int64_t i = 0; i < N; i++) {
    std::uint8_t keep = (std::uint32_t)(splitmix64(key ^ (std::uint64_t)i) >> 40) >= threshold;
    mask[i] = keep;
    out[i] = keep ? inp[i] * scale : 0.0f;
  }
}

void dropout_backward(float* dinp, const float* dout, const std::uint8_t* mask, std::int64_t N,
                      float p, Grad mode) {
  const float scale = 1.0f / (1.0f - p);
  for (std::int64_t i = 0; i < N; i++) {
    float g = mask[i] ? dout[i] * scale : 0.0f;
    dinp[i] = mode == Grad::accumulate ? dinp[i] + g : g;
  }
}

void dropout_forward_naive(float* out, std::uint8_t* mask, const float* inp, std::int64_t N,
                           float p, std::uint64_t seed) {
  for (std::int64_t i = 0; i < N; i++) {
    mask[i] = dropout_keep(seed, i, p) ? 1 : 0;
    out[i] = (float)(mask[i] * (double)inp[i] / (1.0 - p));
  }
}

void dropout_backward_naive(float* dinp, const float* dout, const std::uint8_t* mask,
                            std::int64_t N, float p, Grad mode) {
  for (std::int64_t i = 0; i < N; i++) {
    double g = mask[i] * (double)dout[i] / (1.0 - p);
    dinp[i] = (float)(mode == Grad::accumulate ? dinp[i] + g : g);
  }
}

}  // namespace greenbench::kernels
