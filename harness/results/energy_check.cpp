// energy_unusable / energy_problems: see energy_check.hpp.
#include "energy_check.hpp"

#include <fmt/format.h>

#include <cmath>

#include "greenbench/results.hpp"

namespace greenbench {

bool energy_unusable(const nlohmann::json& row) {
  if (field_text(row, "status") == "no_energy") return true;
  const std::string status = field_text(row, "status");
  if (!status.empty() && status != "ok" && status != "diverged") return false;  // excluded anyway
  double seconds = 0;
  for (const char* k : {"train_s", "infer_s"}) {
    const double s = field_number(row, k);
    if (std::isfinite(s)) seconds += s;
  }
  const double energy_j = field_number(row, "energy_j");
  return seconds > 0 && !(energy_j > 0);
}

std::vector<std::string> energy_problems(const std::vector<nlohmann::json>& runs,
                                         const std::string& dir) {
  int unusable = 0, flagged = 0, finished = 0;
  std::string first_warning, first_source;
  for (const auto& r : runs) {
    const std::string status = field_text(r, "status");
    if (status == "interrupted") continue;
    ++finished;
    if (energy_unusable(r)) {
      ++unusable;
      if (first_source.empty()) first_source = field_text(r, "meter_source");
    }
    const std::string w = field_text(r, "warnings");
    if (!w.empty()) {
      ++flagged;
      if (first_warning.empty()) first_warning = w;
    }
  }
  std::vector<std::string> out;
  if (unusable > 0)
    out.push_back(fmt::format(
        "{}: {} of {} finished runs have metered time but zero energy (meter `{}`): their "
        "counters did not count, so they are left out of every figure; re-run them with a "
        "counting source (`greenbench meter probe`) or --meter estimate",
        dir, unusable, finished, first_source.empty() ? "?" : first_source));
  if (flagged > 0)
    out.push_back(fmt::format(
        "{}: {} of {} finished runs carry meter warnings (the `warnings` column; their energy "
        "may be under- or over-counted), e.g. {}",
        dir, flagged, finished, first_warning));
  return out;
}

}  // namespace greenbench
