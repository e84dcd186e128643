// dataset_permutation: the per-epoch shuffle, Fisher-Yates over mt19937_64 seeded from
// (seed, epoch), identical on every platform. Not the batch gather (batch.cpp).
#include <numeric>
#include <stdexcept>

#include "data/random.hpp"
#include "greenbench/dataset.hpp"

namespace greenbench {

std::vector<int> dataset_permutation(int n, uint64_t seed, int64_t epoch) {
  if (n < 0) throw std::invalid_argument("dataset_permutation: n = " + std::to_string(n) + " < 0");
  constexpr uint64_t kShuffleTag = 0x73687566666c6500ull;  // "shuffle": apart from data streams
  std::mt19937_64 g =
      detail::random_stream(detail::splitmix64(seed ^ kShuffleTag), static_cast<uint64_t>(epoch));
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  for (int i = n - 1; i > 0; --i) {
    const auto j = static_cast<int>(detail::random_below(g, static_cast<uint64_t>(i) + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  return order;
}

}  // namespace greenbench
