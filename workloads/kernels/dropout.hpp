// Inverted dropout: keeps each element with probability 1 - p and scales it by 1 / (1 - p),
// so eval needs no rescale (skip the op in eval). The keep mask comes from a counter-based
// hash of (seed, index): the same seed gives the same mask on any thread count.
#pragma once

#include <cstdint>

#include "kernels/common.hpp"

namespace greenbench::kernels {

// out (N) = inp (N) * mask / (1 - p); mask (N) in {0, 1} saved for the backward.
// p in [0, 1); use a fresh seed per step (e.g. run seed * 1000003 + step).
void dropout_forward(float* out, std::uint8_t* mask, const float* inp, std::int64_t N, float p,
                     std::uint64_t seed);
// dinp (N) = dout * mask / (1 - p).
void dropout_backward(float* dinp, const float* dout, const std::uint8_t* mask, std::int64_t N,
                      float p, Grad mode);

void dropout_forward_naive(float* out, std::uint8_t* mask, const float* inp, std::int64_t N,
                           float p, std::uint64_t seed);
void dropout_backward_naive(float* dinp, const float* dout, const std::uint8_t* mask,
                            std::int64_t N, float p, Grad mode);

// The keep decision of element i: a splitmix64 hash of seed and i, top 24 bits as a uniform
// in [0, 1), kept when >= p.
bool dropout_keep(std::uint64_t seed, std::int64_t i, float p);

}  // namespace greenbench::kernels
