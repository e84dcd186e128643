// Command workloads (docs/grids.md, "Command workloads"): an experiment `workload: command`
// runs a program whose arguments hold `{key}` placeholders, filled from the run's keys. This is
// the configuration side: placeholders, checks, the argv of a run. Not running it
// (harness/run/command_workload.hpp) and not the window protocol (docs/windows.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "greenbench/workload.hpp"

namespace greenbench {

inline constexpr const char* kCommandWorkload = "command";
// Longest timeout_s a grid may give (a week); 0 or absent = none.
inline constexpr double kCommandTimeoutMaxS = 7 * 24 * 3600.0;

// The `{key}` placeholders of a command's arguments (a JSON list of strings), each once, in
// order of first use. `{{` and `}}` are literal braces; a `{` not followed by a key name and `}`
// is literal text.
std::vector<std::string> command_placeholders(const nlohmann::json& command);

// Checks a command run's configuration and returns it completed: `command` a non-empty list of
// non-empty strings, `timeout_s` a number in [0, a week] (default 0 = none), every placeholder
// given a value (a string, number, bool or list) and every other key used by a placeholder.
// Throws InputError "KEY: what; expected ...".
WorkloadConfig command_config_complete(const WorkloadConfig& config);

// The program's arguments with every placeholder replaced by its key's value: strings as
// they are, other values as JSON (32, 0.001, true, [1,2]). REQUIRES: a completed config.
std::vector<std::string> command_argv(const WorkloadConfig& config);

}  // namespace greenbench
