// What a results folder's energies are worth before anything is computed on them: runs whose
// metered time is above zero but whose energy is not, runs the meter flagged (warnings: stuck
// counters, implausible power), runs marked no_energy. Shared by analyze, report and estimate
// fit (docs/analysis.md). Not the statistics.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace greenbench {

// True for a row whose energy is no measurement: status no_energy, or metered time
// (train_s + infer_s) above zero with energy_j not above zero (folders written before
// greenbench marked such runs). Such rows are left out of every computation.
bool energy_unusable(const nlohmann::json& row);

// Plain sentences about the folder's energies (empty when there is nothing to say): how many
// runs have zero energy or were marked no_energy, how many carry meter warnings (with the first).
std::vector<std::string> energy_problems(const std::vector<nlohmann::json>& runs,
                                         const std::string& dir);

}  // namespace greenbench
