// The run keys (the knobs and target_accuracy) and their machine-independent value checks
// (docs/grids.md, "Knobs"). Not the machine: knob_cpu.cpp, knob_powercap.cpp and knob_nvml.cpp find
// and write the targets.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "greenbench/errors.hpp"
#include "knobs.hpp"

namespace greenbench {

const std::vector<std::string>& knob_keys() {
  static const std::vector<std::string> keys = {"cpu_governor",      "cpu_max_freq_khz",
                                                "cpu_power_limit_w", "cpu_power_limit_short_w",
                                                "gpu_power_limit_w", "blas_core"};
  return keys;
}

const std::vector<std::string>& knob_hardware_keys() {
  static const std::vector<std::string> keys(knob_keys().begin(), knob_keys().end() - 1);
  return keys;
}

bool knob_key_is(const std::string& key) {
  const auto& k = knob_keys();
  return std::find(k.begin(), k.end(), key) != k.end();
}

namespace {

bool word_is(const std::string& s, size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

void knob_value_check(const std::string& key, const nlohmann::json& v) {
  if (key == "cpu_max_freq_khz") {
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > 100000000)
      throw InputError(
          fmt::format("{}: expected an integer frequency in kHz (1 .. 100000000), "
                      "got {}",
                      key, v.dump()));
  } else if (key == "cpu_governor" || key == "blas_core") {
    if (!v.is_string() || !word_is(v.get<std::string>(), 64))
      throw InputError(fmt::format(
          "{}: expected a name of letters, digits and '_' ({}), got {}", key,
          key == "cpu_governor" ? "e.g. performance, powersave" : "e.g. Haswell, SkylakeX",
          v.dump()));
  } else if (key == "cpu_power_limit_w" || key == "cpu_power_limit_short_w" ||
             key == "gpu_power_limit_w") {
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0 ||
        v.get<double>() > 100000)
      throw InputError(fmt::format(
          "{}: expected a power limit in watts (above 0, at most 100000), got {}", key, v.dump()));
  } else {
    throw InputError(fmt::format("{}: not a knob key", key));
  }
}

nlohmann::json knobs_of(const nlohmann::json& config) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& k : knob_keys())
    if (config.contains(k)) out[k] = config.at(k);
  return out;
}

const std::vector<std::string>& run_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = knob_keys();
    k.push_back("target_accuracy");
    k.push_back("adapt");
    return k;
  }();
  return keys;
}

bool run_key_is(const std::string& key) {
  const auto& k = run_keys();
  return std::find(k.begin(), k.end(), key) != k.end();
}

void run_key_check(const std::string& key, const nlohmann::json& v) {
  // adapt's fields are the harness's to check (harness/grid/adapt_key.cpp); here its shape.
  if (key == "adapt") {
    if (!v.is_object())
      throw InputError(fmt::format(
          "adapt: expected a mapping {{knob, values, steps, objective, eta}}, got {}", v.dump()));
    return;
  }
  if (key != "target_accuracy") return knob_value_check(key, v);
  if (!v.is_number() || !(v.get<double>() > 0) || v.get<double>() > 1)
    throw InputError(fmt::format(
        "target_accuracy: expected a test accuracy above 0 and at most 1 (a fraction), got {}",
        v.dump()));
}

nlohmann::json workload_config_of(const nlohmann::json& config) {
  nlohmann::json out = config;
  for (const auto& k : run_keys()) out.erase(k);
  return out;
}

}  // namespace greenbench
