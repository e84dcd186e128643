// Deterministic random numbers for data: seeds split into streams, and uniform, noise and
// bounded draws from std::mt19937_64's raw output (std:: distributions differ between
// standard libraries; these do not). Not for model initialisation.
#pragma once

#include <cstdint>
#include <random>

namespace greenbench::detail {

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// An independent generator for stream `stream` of `seed` (e.g. prototypes, train, test).
inline std::mt19937_64 random_stream(uint64_t seed, uint64_t stream) {
  return std::mt19937_64(splitmix64(seed ^ splitmix64(stream)));
}

// Uniform in [0, 1), 53 bits.
inline double random_uniform(std::mt19937_64& g) {
  return static_cast<double>(g() >> 11) * 0x1.0p-53;
}

// Uniform integer in [0, n), n > 0, without modulo bias (rejection).
inline uint64_t random_below(std::mt19937_64& g, uint64_t n) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = g();
  while (x >= limit);
  return x % n;
}

}  // namespace greenbench::detail
