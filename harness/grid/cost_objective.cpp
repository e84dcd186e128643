// The objectives (docs/tuning.md, "Objectives"): parsing, names, and each one's cost.
#include "cost_objective.hpp"

#include <fmt/format.h>

#include <limits>

#include "greenbench/errors.hpp"

namespace greenbench {

TuneObjective tune_objective_parse(const std::string& text, const std::string& what) {
  if (text == "energy") return TuneObjective::energy;
  if (text == "time") return TuneObjective::time;
  if (text == "edp") return TuneObjective::edp;
  if (text == "zeus") return TuneObjective::zeus;
  throw InputError(fmt::format("{}: unknown objective '{}'", what, text), "", 0, 0,
                   "use energy, time, edp or zeus");
}

std::string tune_objective_name(TuneObjective o) {
  switch (o) {
    case TuneObjective::energy:
      return "energy";
    case TuneObjective::time:
      return "time";
    case TuneObjective::edp:
      return "edp";
    case TuneObjective::zeus:
      return "zeus";
  }
  return "?";
}

double TuneCost::of(double energy_j, double seconds) const {
  switch (objective) {
    case TuneObjective::energy:
      return energy_j;
    case TuneObjective::time:
      return seconds;
    case TuneObjective::edp:
      return energy_j * seconds;
    case TuneObjective::zeus:
      return eta * energy_j + (1 - eta) * max_power_w * seconds;
  }
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace greenbench
