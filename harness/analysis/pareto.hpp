// The energy-accuracy Pareto front: the runs no other run beats on both less energy and
// higher accuracy. Not the tables or the findings.
#pragma once

#include <cstddef>
#include <vector>

namespace greenbench::analysis {

// Indices of the non-dominated points, by energy ascending. Point a dominates b when
// energy_j[a] <= energy_j[b] and accuracy[a] >= accuracy[b], one of them strictly; identical
// points do not dominate each other (both stay). Points with a non-finite value are skipped.
std::vector<size_t> pareto_front(const std::vector<double>& energy_j,
                                 const std::vector<double>& accuracy);

}  // namespace greenbench::analysis
