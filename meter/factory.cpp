// The source factory: opens a source by name, probes them all (saying why each is
// unavailable), and resolves `auto` to the best readable CPU source plus NVML GPUs, falling
// back to the labelled estimate. Every counter source passes the liveness check
// (meter/liveness.cpp) once per process before it is trusted. Not a source itself.
#include <fmt/format.h>

#include <map>
#include <mutex>

#include "sources.hpp"

namespace greenbench {

const std::vector<std::string>& cpu_source_names() {
  static const std::vector<std::string> names = {"rapl", "perf", "msr"};
  return names;
}

namespace {

std::unique_ptr<EnergySource> source_open_unchecked(const std::string& name,
                                                    const SourcePaths& paths) {
  if (name == "rapl") return detail::rapl_source_open(paths);
  if (name == "perf") return detail::perf_source_open(paths);
  if (name == "msr") return detail::msr_source_open(paths);
  if (name == "nvml") return detail::nvml_source_open(paths);
  if (name == "estimate") return estimate_source_open(estimate_params_detect(paths), paths);
  throw SourceUnavailable(name, "unknown meter source", "",
                          "use one of auto, rapl, perf, msr, nvml, estimate");
}

// The liveness verdict of each source, per set of roots: the check runs once per process
// (`meter probe` opens every source, then `auto` opens one again).
std::mutex g_verdicts_mu;
std::map<std::string, std::vector<DroppedCounter>> g_verdicts;

std::string verdict_key(const std::string& name, const SourcePaths& p) {
  return name + '\n' + p.sysfs_root + '\n' + p.proc_root + '\n' + p.dev_root + '\n' +
         p.nvml_library + '\n' + p.perf_events_root;
}

}  // namespace

std::unique_ptr<EnergySource> source_open(const std::string& name, const SourcePaths& paths) {
  auto source = source_open_unchecked(name, paths);
  if (source->estimated() || source->update_period_s() <= 0) return source;
  const std::string key = verdict_key(name, paths);
  std::vector<DroppedCounter> dead;
  bool known = false;
  {
    std::lock_guard<std::mutex> lock(g_verdicts_mu);
    auto it = g_verdicts.find(key);
    if (it != g_verdicts.end()) {
      dead = it->second;
      known = true;
    }
  }
  if (!known) {
    dead = counters_liveness_check(*source, liveness_window_s(*source));
    std::lock_guard<std::mutex> lock(g_verdicts_mu);
    g_verdicts[key] = dead;
  }
  return source_live_only(std::move(source), std::move(dead));
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
      p.dropped = src->dropped();
    } catch (const SourceUnavailable& e) {
      p.reason = e.reason;
      p.file = e.file;
      p.fix = e.fix;
      p.not_counting = e.not_counting;
    }
    out.push_back(std::move(p));
  }
  return out;
}

namespace {

void dropped_note(const EnergySource& source, std::vector<std::string>& notes) {
  for (const auto& d : source.dropped())
    notes.push_back(fmt::format("{}: dropped {}", source.name(), d.reason));
}

// The estimate beside a counter source (energy_model_j), and the plausibility bounds.
void model_attach(OpenedSources& opened, const SourcePaths& paths) {
  bool cpu_is_estimate = false;
  for (const auto& s : opened.sources) cpu_is_estimate = cpu_is_estimate || s->estimated();
  opened.bounds = plausibility_bounds_detect(paths);
  if (cpu_is_estimate) return;
  try {
    opened.model = estimate_source_open(estimate_params_detect(paths), paths);
  } catch (const SourceUnavailable& e) {
    opened.notes.push_back("no energy_model_j: the estimate model cannot run here: " + e.reason);
  }
}

}  // namespace

OpenedSources sources_open(const std::string& spec, const SourcePaths& paths) {
  OpenedSources opened;
  if (spec != "auto") {
    opened.sources.push_back(source_open(spec, paths));
    dropped_note(*opened.sources.back(), opened.notes);
    model_attach(opened, paths);
    return opened;
  }
  std::string why_not;
  for (const auto& name : cpu_source_names()) {
    try {
      opened.sources.push_back(source_open(name, paths));
      dropped_note(*opened.sources.back(), opened.notes);
      break;
    } catch (const SourceUnavailable& e) {
      why_not += fmt::format("{}{}: {}", why_not.empty() ? "" : "; ", name, e.reason);
      if (e.not_counting)
        opened.notes.push_back(fmt::format("auto skipped {}: {}", name, e.reason));
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
    dropped_note(*opened.sources.back(), opened.notes);
  } catch (const SourceUnavailable& e) {
    // No NVIDIA GPU here: nothing to add, and nothing the user asked for explicitly; but GPUs
    // whose counters do not count are worth a word.
    if (e.not_counting) opened.notes.push_back("auto skipped nvml: " + e.reason);
  }
  model_attach(opened, paths);
  return opened;
}

}  // namespace greenbench
