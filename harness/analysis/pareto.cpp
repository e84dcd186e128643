// The energy-accuracy Pareto front (see pareto.hpp): sort by energy, then accuracy
// descending, and keep each point whose accuracy reaches the best seen so far. O(n log n).
#include "pareto.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace greenbench::analysis {

std::vector<size_t> pareto_front(const std::vector<double>& energy_j,
                                 const std::vector<double>& accuracy) {
  std::vector<size_t> idx;
  for (size_t i = 0; i < std::min(energy_j.size(), accuracy.size()); ++i)
    if (std::isfinite(energy_j[i]) && std::isfinite(accuracy[i])) idx.push_back(i);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    if (energy_j[a] != energy_j[b]) return energy_j[a] < energy_j[b];
    return accuracy[a] > accuracy[b];
  });
  std::vector<size_t> front;
  double best_acc = -INFINITY;
  for (size_t k = 0; k < idx.size(); ++k) {
    const size_t i = idx[k];
    if (accuracy[i] > best_acc) {
      front.push_back(i);
      best_acc = accuracy[i];
    } else if (accuracy[i] == best_acc && !front.empty() && energy_j[front.back()] == energy_j[i]) {
      front.push_back(i);  // identical to the last front point: neither dominates
    }
  }
  return front;
}

}  // namespace greenbench::analysis
