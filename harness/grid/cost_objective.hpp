// The objectives a setting is judged by (docs/tuning.md, "Objectives"): energy, time, the
// energy-delay product, or Zeus's cost eta E + (1 - eta) P_max T. One definition for the tuner
// (harness/tune/) and for in-run adaptation (the grid key `adapt`, harness/run/adapt_run.*).
#pragma once

#include <string>

namespace greenbench {

enum class TuneObjective { energy, time, edp, zeus };

// "energy" | "time" | "edp" | "zeus"; InputError "WHAT: unknown objective ..." otherwise, `what`
// naming where the text came from ("--objective", "adapt").
TuneObjective tune_objective_parse(const std::string& text,
                                   const std::string& what = "--objective");
std::string tune_objective_name(TuneObjective objective);

// An objective's cost of a run (or of a share of one, e.g. per sample) that used `energy_j` in
// `seconds`.
struct TuneCost {
  TuneObjective objective = TuneObjective::energy;
  double eta = 0.5;        // zeus: weight of energy
  double max_power_w = 0;  // zeus: P_max, the highest average power the profiles saw
  double of(double energy_j, double seconds) const;
};

}  // namespace greenbench
