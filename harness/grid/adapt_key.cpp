// The grid key `adapt` parsed and checked (docs/grids.md, "adapt"). Not the profile itself
// (harness/run/adapt_run.cpp).
#include "adapt_key.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "greenbench/errors.hpp"
#include "greenbench/workload.hpp"
#include "grid_file.hpp"
#include "knobs.hpp"

namespace greenbench {
namespace {

const char* const kExample =
    "e.g. adapt: {knob: threads, values: [1, 2], steps: 20, objective: energy}";

[[noreturn]] void fail(const std::string& what, const std::string& fix = kExample) {
  throw InputError("adapt: " + what, "", 0, 0, fix);
}

void value_check(const std::string& knob, const nlohmann::json& v, size_t i) {
  if (knob == "threads") {
    if (!v.is_number_integer() || v.get<int64_t>() < 1 || v.get<int64_t>() > kThreadsMax)
      fail(fmt::format("values[{}]: threads: expected an integer from 1 to {}, got {}", i,
                       kThreadsMax, v.dump()),
           "threads is the run's total, OpenBLAS included (docs/workloads.md)");
    return;
  }
  try {
    knob_value_check(knob, v);
  } catch (const InputError& e) {
    fail(fmt::format("values[{}]: {}", i, e.what()), "");
  }
}

std::vector<nlohmann::json> values_parse(const std::string& knob, const nlohmann::json& vs) {
  if (!vs.is_array() || vs.empty())
    fail(fmt::format("values: expected a non-empty list of {} values, got {}", knob,
                     vs.is_array() ? "an empty list" : vs.dump()));
  std::vector<nlohmann::json> out;
  for (size_t i = 0; i < vs.size(); ++i) {
    value_check(knob, vs[i], i);
    for (size_t j = 0; j < out.size(); ++j)
      if (out[j] == vs[i])
        fail(fmt::format("values[{}]: {} given twice (first as values[{}])", i, vs[i].dump(), j),
             "expected distinct values");
    out.push_back(vs[i]);
  }
  return out;
}

}  // namespace

const std::vector<std::string>& adapt_knob_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = {"threads"};
    for (const auto& h : knob_hardware_keys()) k.push_back(h);
    return k;
  }();
  return keys;
}

AdaptSpec adapt_parse(const nlohmann::json& v) {
  static const std::vector<std::string> fields = {"knob", "values", "steps", "objective", "eta"};
  if (!v.is_object()) fail(fmt::format("expected a mapping, got {}", v.dump()));
  for (const auto& [k, x] : v.items())
    if (std::find(fields.begin(), fields.end(), k) == fields.end()) {
      const std::string dym = did_you_mean(k, fields);
      fail(fmt::format("{}: unknown field", k),
           fmt::format("expected knob, values, steps, objective and eta{}",
                       dym.empty() ? "" : "; did you mean '" + dym + "'?"));
    }
  for (const char* required : {"knob", "values", "steps"})
    if (!v.contains(required)) fail(fmt::format("no {}", required));
  AdaptSpec spec;
  const auto& knob = v.at("knob");
  const auto& keys = adapt_knob_keys();
  if (knob == "blas_core")
    fail(
        "knob: blas_core cannot change within a run (OpenBLAS reads its kernel set once, when "
        "it loads; docs/knobs.md)",
        "compare kernel sets with blas_core under grid: instead");
  if (!knob.is_string() || std::find(keys.begin(), keys.end(), knob) == keys.end()) {
    const std::string dym = knob.is_string() ? did_you_mean(knob.get<std::string>(), keys) : "";
    fail(fmt::format("knob: {} is not a knob adapt can change during a run", knob.dump()),
         fmt::format("expected one of threads, {}{}", fmt::join(knob_hardware_keys(), ", "),
                     dym.empty() ? "" : "; did you mean '" + dym + "'?"));
  }
  spec.knob = knob.get<std::string>();
  spec.values = values_parse(spec.knob, v.at("values"));
  const auto& steps = v.at("steps");
  if (!steps.is_number_integer() || steps.get<int64_t>() < 1 || steps.get<int64_t>() > 1000000)
    fail(
        fmt::format("steps: expected an integer from 1 to 1000000 (training steps per value), "
                    "got {}",
                    steps.dump()));
  spec.steps = steps.get<int>();
  if (v.contains("objective")) {
    if (!v.at("objective").is_string())
      fail(fmt::format("objective: expected energy, time, edp or zeus, got {}",
                       v.at("objective").dump()));
    spec.cost.objective =
        tune_objective_parse(v.at("objective").get<std::string>(), "adapt: objective");
  }
  if (v.contains("eta")) {
    const auto& eta = v.at("eta");
    if (!eta.is_number() || !(eta.get<double>() >= 0) || eta.get<double>() > 1)
      fail(fmt::format("eta: expected a number from 0 to 1 (zeus's weight of energy), got {}",
                       eta.dump()));
    spec.cost.eta = eta.get<double>();
  }
  return spec;
}

std::optional<AdaptSpec> adapt_of(const nlohmann::json& config) {
  if (!config.contains("adapt")) return std::nullopt;
  return adapt_parse(config.at("adapt"));
}

void adapt_complete(const nlohmann::json& given, nlohmann::json& completed) {
  const auto spec = adapt_of(completed);
  if (!spec) return;
  if (given.contains(spec->knob))
    fail(fmt::format("adapts {}, which this run also sets ({}: {})", spec->knob, spec->knob,
                     given.at(spec->knob).dump()),
         fmt::format("remove {} from the run's keys: the value adapt chooses is the run's {} "
                     "(docs/grids.md, \"adapt\")",
                     spec->knob, spec->knob));
  if (spec->knob == "threads")
    completed["threads"] = *std::max_element(spec->values.begin(), spec->values.end());
}

std::vector<nlohmann::json> adapt_knob_settings(const nlohmann::json& config) {
  std::vector<nlohmann::json> out;
  const auto spec = adapt_of(config);
  if (!spec || spec->knob == "threads") return out;
  for (const auto& v : spec->values) out.push_back({{spec->knob, v}});
  return out;
}

}  // namespace greenbench
