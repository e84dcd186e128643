// The source factory: opens a source by name, probes them all (saying why each is
// unavailable), and resolves `auto` to the best readable CPU source plus NVML GPUs, falling
// back to the labelled estimate. Not a source itself.
#include <fmt/format.h>

#include "sources.hpp"

namespace greenbench {

const std::vector<std::string>& cpu_source_names() {
  static const std::vector<std::string> names = {"rapl", "perf", "msr"};
  return names;
}

std::unique_ptr<EnergySource> source_open(const std::string& name, const SourcePaths& paths) {
  if (name == "rapl") return detail::rapl_source_open(paths);
  if (name == "perf") return detail::perf_source_open(paths);
  if (name == "msr") return detail::msr_source_open(paths);
  if (name == "nvml") return detail::nvml_source_open(paths);
  if (name == "estimate") return estimate_source_open(estimate_params_detect(paths), paths);
  throw SourceUnavailable(name, "unknown meter source", "",
                          "use one of auto, rapl, perf, msr, nvml, estimate");
}

std::vector<SourceProbe> sources_probe(const SourcePaths& paths) {
  std::vector<SourceProbe> out;
  std::vector<std::string> names = cpu_source_names();
  names.push_back("nvml");
  names.push_back("estimate");
  for (const auto& name : names) {
    SourceProbe p;
    p.name = name;
    try {
      auto src = source_open(name, paths);
      p.available = true;
      p.counters = src->counters();
      p.details = src->describe();
    } catch (const SourceUnavailable& e) {
      p.reason = e.reason;
      p.file = e.file;
      p.fix = e.fix;
    }
    out.push_back(std::move(p));
  }
  return out;
}

OpenedSources sources_open(const std::string& spec, const SourcePaths& paths) {
  OpenedSources opened;
  if (spec != "auto") {
    opened.sources.push_back(source_open(spec, paths));
    return opened;
  }
  std::string why_not;
  for (const auto& name : cpu_source_names()) {
    try {
      opened.sources.push_back(source_open(name, paths));
      break;
    } catch (const SourceUnavailable& e) {
      why_not += fmt::format("{}{}: {}", why_not.empty() ? "" : "; ", name, e.reason);
    }
  }
  if (opened.sources.empty()) {
    opened.sources.push_back(source_open("estimate", paths));
    opened.fallback_note = fmt::format(
        "no readable CPU energy counter ({}); using the `estimate` power model: "
        "its figures are estimated, not measured",
        why_not);
  }
  try {
    opened.sources.push_back(source_open("nvml", paths));
  } catch (const SourceUnavailable&) {
    // No NVIDIA GPU here: nothing to add, and nothing the user asked for explicitly.
  }
  return opened;
}

}  // namespace greenbench
