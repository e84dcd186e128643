// Internal: the grid key `adapt` (docs/grids.md, "adapt"; docs/knobs.md, "In-run adaptation"):
// one knob's values, each profiled for `steps` training steps at the start of a run, the one
// with the lowest objective per sample kept for the rest of it (harness/run/adapt_run.*). This
// file parses and checks the key; the values' range on this machine is checked with the other
// knob values before any work (knobs_check, from the runner).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cost_objective.hpp"

namespace greenbench {

struct AdaptSpec {
  std::string knob;                    // "threads" or a hardware knob key (knob_hardware_keys)
  std::vector<nlohmann::json> values;  // distinct, in profile order
  int steps = 0;                       // training steps profiled per value
  TuneCost cost;                       // objective and eta; max_power_w comes from the profile
};

// The knobs `adapt` can change between two training steps: threads, then the hardware knobs.
// (blas_core cannot: OpenBLAS reads its kernel set once, when it loads.)
const std::vector<std::string>& adapt_knob_keys();

// Parses `adapt`'s value. InputError "adapt: ..." (the grid expander points it at the key's
// value in the file).
AdaptSpec adapt_parse(const nlohmann::json& value);
// The run's spec when its config has `adapt`.
std::optional<AdaptSpec> adapt_of(const nlohmann::json& config);

// A completed configuration with `adapt` (grid_config_complete): the adapted knob may not be
// given too (InputError "adapt: ..."); `threads` is set to the largest value, the budget the
// workload is built for (the runner changes it between steps, docs/workloads.md).
void adapt_complete(const nlohmann::json& given, nlohmann::json& completed);

// The knob settings the profile will make, one {knob: value} per value (none for threads), for
// knobs_check before any work.
std::vector<nlohmann::json> adapt_knob_settings(const nlohmann::json& config);

}  // namespace greenbench
