// Plausibility of a window's implied power per domain (docs/meter.md): a package (or core)
// above a ceiling derived from the estimate's TDP table, a package or psys below a floor
// while CPUs are busy. Flags only; it never changes a figure. Not the TDP table itself
// (meter/estimate_table.cpp) and not the sampler.
#include "plausibility.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstring>

#include "sources.hpp"

namespace greenbench {

namespace {
constexpr double kCeilingTimesTdp =
    2.5;                               // PL2 reaches ~2x TDP on desktop parts (13900K: 253/125 W)
constexpr double kBusyFloorW = 1.0;    // a package running code draws watts, never ~0
constexpr double kMinDurationS = 0.1;  // shorter windows are too coarse to judge
}  // namespace

PlausibilityBounds plausibility_bounds_detect(const SourcePaths& paths) {
  PlausibilityBounds b;
  b.busy_floor_w = kBusyFloorW;
  b.proc_stat_path = detail::path_join(paths.proc_root, "stat");
  try {
    const EstimateParams p = estimate_params_detect(paths);
    // The generic table entry is per logical CPU: a package is then every CPU this OS sees.
    const double package_tdp_w = p.package_threads == 1 ? p.tdp_w * p.visible_threads : p.tdp_w;
    b.package_max_w = kCeilingTimesTdp * package_tdp_w;
  } catch (const SourceUnavailable&) {
    b.package_max_w = 0;  // no table entry to judge by: no ceiling
  }
  return b;
}

std::optional<double> cpu_busy_s_read(const std::string& proc_stat_path) {
  const int fd = open(proc_stat_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  const long ticks = sysconf(_SC_CLK_TCK);
  const auto busy = detail::proc_stat_busy_s(fd, ticks > 0 ? double(ticks) : 100.0);
  close(fd);
  return busy;
}

namespace detail {

std::vector<std::string> window_plausibility_check(const EnergyWindow& w,
                                                   const std::vector<CounterSpec>& specs,
                                                   const std::vector<bool>& modelled,
                                                   const PlausibilityBounds& b, double busy_cpus) {
  std::vector<std::string> out;
  if (!(w.duration_s >= kMinDurationS)) return out;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (modelled[i]) continue;
    auto it = w.energy_j.find(specs[i].domain);
    if (it == w.energy_j.end()) continue;
    const double power_w = it->second / w.duration_s;
    const DomainKind kind = specs[i].kind;
    if (b.package_max_w > 0 && (kind == DomainKind::package || kind == DomainKind::core) &&
        power_w > b.package_max_w)
      out.push_back(fmt::format(
          "{}: {:.1f} W average is above the plausible ceiling {:.0f} W ({} x the TDP table's "
          "package power): a counter fault or an undetected reset",
          specs[i].domain, power_w, b.package_max_w, kCeilingTimesTdp));
    if (b.busy_floor_w > 0 && (kind == DomainKind::package || kind == DomainKind::psys) &&
        busy_cpus >= b.busy_cpus_min && power_w < b.busy_floor_w)
      out.push_back(fmt::format(
          "{}: {:.3f} W average while {:.1f} CPUs were busy is below the plausible floor {:.1f} W: "
          "the counter may not count",
          specs[i].domain, power_w, busy_cpus, b.busy_floor_w));
  }
  return out;
}

}  // namespace detail
}  // namespace greenbench
