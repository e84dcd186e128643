// Setting knobs for a run and putting them back (docs/knobs.md): the checks before any work,
// KnobSession (journal first, write, read back; restore in reverse order), `knobs restore` from
// the journal alone, and `knobs show`. Not the targets' discovery (knob_targets.cpp).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "greenbench/errors.hpp"
#include "knob_journal.hpp"
#include "knob_sysfs.hpp"
#include "knobs.hpp"

namespace greenbench {
namespace {

using namespace knobs_detail;

// A knob value in the target's file units: "2000000" (kHz), "performance", "20000000" (uW).
std::string file_value_of(const KnobTarget& t, const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (t.key == "cpu_max_freq_khz") return std::to_string(v.get<int64_t>());
  return std::to_string(std::llround(v.get<double>() * t.file_per_unit));
}

// A target's value read back, in key units.
nlohmann::json key_value_of(const KnobTarget& t, const std::string& file_value) {
  if (t.key == "cpu_governor") return file_value;
  char* end = nullptr;
  const double x = std::strtod(file_value.c_str(), &end);
  if (file_value.empty() || end == file_value.c_str()) return nullptr;
  if (t.key == "cpu_max_freq_khz") return static_cast<int64_t>(x);
  return x / t.file_per_unit;
}

std::string range_text(const KnobTarget& t) {
  return t.max > 0 ? fmt::format("{} .. {}", t.min, t.max) : fmt::format("above {}", t.min);
}

void value_on_target_check(const KnobTarget& t, const nlohmann::json& v) {
  if (!t.settable)
    throw InputError(fmt::format("{}: cannot be set on {}: {}", t.key, t.name, t.why_not), "", 0, 0,
                     t.fix);
  if (t.key == "cpu_governor") {
    const std::string g = v.get<std::string>();
    if (!t.choices.empty() && std::find(t.choices.begin(), t.choices.end(), g) == t.choices.end())
      throw InputError(
          fmt::format("{}: {} is not a governor of {} ({})", t.key, g, t.name, t.file), "", 0, 0,
          fmt::format("use one of scaling_available_governors: {}", fmt::join(t.choices, ", ")));
    return;
  }
  const double x = v.get<double>();
  if (x < t.min || (t.max > 0 && x > t.max) || x <= 0)
    throw InputError(fmt::format("{}: {} is out of range for {} ({}, from {}; the knob writes {})",
                                 t.key, v.dump(), t.name, range_text(t), t.range_from, t.file),
                     "", 0, 0, fmt::format("use a value in {}", range_text(t)));
}

std::string where_looked(const std::string& key, const SourcePaths& paths) {
  if (key == "gpu_power_limit_w") return "NVML (" + paths.nvml_library + ") sees no GPU";
  if (key == "cpu_power_limit_w" || key == "cpu_power_limit_short_w")
    return "no RAPL package zone under " + paths.sysfs_root + "/class/powercap";
  return "no cpufreq folder for the CPUs this process may use under " + paths.sysfs_root +
         "/devices/system/cpu";
}

// Restores journal entries (reverse order); returns the entries that failed and the errors.
nlohmann::json entries_restore(const nlohmann::json& entries, std::vector<std::string>& errors,
                               std::vector<std::string>* done) {
  nlohmann::json left = nlohmann::json::array();
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const auto& e = *it;
    const std::string original = e.at("original").get<std::string>();
    std::string problem;
    if (e.value("gpu_index", -1) >= 0)
      problem = nvml_limit_write(e.at("library").get<std::string>(), e.at("gpu_index").get<int>(),
                                 static_cast<unsigned>(std::stoul(original)));
    else
      problem = line_write(e.at("file").get<std::string>(), original);
    if (!problem.empty()) {
      errors.push_back(fmt::format("{} {}: cannot write {} back to {}: {}", e.value("key", ""),
                                   e.value("name", ""), original, e.value("file", ""), problem));
      left.insert(left.begin(), e);
    } else if (done) {
      done->push_back(fmt::format("{} {}: {} restored ({})", e.value("key", ""),
                                  e.value("name", ""), original, e.value("file", "")));
    }
  }
  return left;
}

}  // namespace

void knobs_journal_require_clean() {
  std::optional<nlohmann::json> j;
  try {
    j = journal_read();
  } catch (const std::exception& e) {
    throw InputError(e.what());
  }
  if (!j) return;
  std::string what;
  for (const auto& e : (*j)["entries"])
    what += fmt::format("{}{} {} (original {})", what.empty() ? "" : ", ", e.value("key", ""),
                        e.value("name", ""), e.value("original", ""));
  throw InputError(
      fmt::format("knobs changed by {} are not restored ({}: {})", j->value("writer", "?"),
                  knobs_journal_path(), what.empty() ? "no entries" : what),
      "", 0, 0,
      "run `greenbench knobs restore` to put the originals back (if that greenbench still runs, "
      "wait for it to finish instead)");
}

void knobs_check(const std::vector<nlohmann::json>& runs, const SourcePaths& paths) {
  std::map<std::string, std::set<nlohmann::json>> values;
  for (const auto& r : runs)
    for (const auto& [k, v] : r.items())
      if (k != "blas_core") values[k].insert(v);
  if (values.empty()) return;
  knobs_journal_require_clean();
  for (const auto& [key, vs] : values) {
    const auto targets = knob_targets(key, paths);
    if (targets.empty())
      throw InputError(
          fmt::format("{}: this machine has nothing to set: {}", key, where_looked(key, paths)), "",
          0, 0, "remove the key from the grid, or run it on a machine that has it");
    for (const auto& t : targets)
      for (const auto& v : vs) value_on_target_check(t, v);
  }
}

KnobSession::KnobSession(SourcePaths paths) : paths_(std::move(paths)) {}

KnobSession::~KnobSession() {
  for (const auto& e : restore()) std::fprintf(stderr, "greenbench: error: %s\n", e.c_str());
}

nlohmann::json KnobSession::apply(const nlohmann::json& knobs) {
  nlohmann::json in_force = nlohmann::json::object();
  for (const auto& key : knob_hardware_keys()) {
    if (!knobs.contains(key)) continue;
    const auto targets = knob_targets(key, paths_);
    // The journal first: every original is on disk before its file changes.
    nlohmann::json journal = journal_read().value_or(journal_new());
    std::set<std::string> known;
    for (const auto& e : journal["entries"]) known.insert(e.value("file", ""));
    for (const auto& t : targets)
      if (!known.count(t.file))
        journal["entries"].push_back({{"key", key},
                                      {"name", t.name},
                                      {"file", t.file},
                                      {"gpu_index", t.gpu_index},
                                      {"library", paths_.nvml_library},
                                      {"original", t.value}});
    journal_write(journal);
    changed_ = true;
    for (const auto& t : targets) {
      const std::string v = file_value_of(t, knobs.at(key));
      const std::string problem = t.gpu_index >= 0
                                      ? nvml_limit_write(paths_.nvml_library, t.gpu_index,
                                                         static_cast<unsigned>(std::stoul(v)))
                                      : line_write(t.file, v);
      if (!problem.empty())
        throw std::runtime_error(
            fmt::format("{}: cannot set {} on {} ({}): {}", key, v, t.name, t.file, problem));
    }
    // Read back: the value in force, not the value asked (the kernel may round or clamp).
    std::set<nlohmann::json> seen;
    for (const auto& t : targets) {
      const auto now = t.gpu_index >= 0 ? [&]() -> std::optional<std::string> {
        const auto mw = nvml_limit_read(paths_.nvml_library, t.gpu_index);
        return mw ? std::optional<std::string>(std::to_string(*mw)) : std::nullopt;
      }()
          : line_read(t.file);
      seen.insert(key_value_of(t, now.value_or("")));
    }
    in_force[key] = seen.size() == 1 ? *seen.begin() : nlohmann::json(seen);
  }
  return in_force;
}

std::vector<std::string> KnobSession::restore() {
  std::vector<std::string> errors;
  if (!changed_) return errors;
  try {
    auto j = journal_read();
    if (!j) return errors;
    const auto left = entries_restore((*j)["entries"], errors, nullptr);
    if (left.empty()) {
      journal_remove();
      changed_ = false;
    } else {
      (*j)["entries"] = left;
      journal_write(*j);
      errors.push_back("the journal " + knobs_journal_path() +
                       " keeps them: `greenbench knobs restore` tries again");
    }
  } catch (const std::exception& e) {
    errors.push_back(e.what());
  }
  return errors;
}

std::unique_ptr<KnobSession> knobs_apply_for(const nlohmann::json& config,
                                             nlohmann::json* in_force) {
  const nlohmann::json asked = knobs_of(config);
  if (asked.empty()) return nullptr;
  auto session = std::make_unique<KnobSession>(SourcePaths::from_env());
  nlohmann::json now = session->apply(asked);
  if (in_force) *in_force = std::move(now);
  return session;
}

std::vector<std::string> knobs_journal_restore() {
  std::vector<std::string> done, errors;
  auto j = journal_read();
  if (!j) return {"nothing to restore: no journal at " + knobs_journal_path()};
  if (journal_writer_alive(*j))
    throw InputError(
        fmt::format("the greenbench that changed these knobs still runs ({})",
                    j->value("writer", "?")),
        "", 0, 0,
        "it puts them back when its run ends; stop it with Ctrl-C (it restores them), or wait");
  const auto left = entries_restore((*j)["entries"], errors, &done);
  if (!left.empty()) {
    (*j)["entries"] = left;
    journal_write(*j);
    std::string all;
    for (const auto& e : errors) all += "\n  " + e;
    throw std::runtime_error("some knobs could not be restored (the journal keeps them):" + all);
  }
  journal_remove();
  done.push_back("journal " + knobs_journal_path() + " removed");
  return done;
}

nlohmann::json knobs_show(const SourcePaths& paths) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& key : knob_hardware_keys()) {
    const auto targets = knob_targets(key, paths);
    if (targets.empty())
      rows.push_back({{"key", key},
                      {"target", nullptr},
                      {"settable", false},
                      {"why_not", where_looked(key, paths)}});
    for (const auto& t : targets) {
      nlohmann::json r = {{"key", key},
                          {"target", t.name},
                          {"file", t.file},
                          {"value", key_value_of(t, t.value)},
                          {"settable", t.settable},
                          {"why_not", t.why_not},
                          {"fix", t.fix}};
      if (key == "cpu_governor")
        r["choices"] = t.choices;
      else
        r["min"] = t.min, r["max"] = t.max > 0 ? nlohmann::json(t.max) : nlohmann::json(nullptr);
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

}  // namespace greenbench
