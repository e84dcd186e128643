// Internal: `--set KEY=VALUE` arguments (VALUE is YAML: `hidden=[256,128]`) and the YAML-to-JSON
// conversion the grid files share. Not validation of keys (workload_config_complete does that).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "utf8.hpp"  // utf8_invalid_at, for the callers of sets_parse

namespace YAML {
class Node;
}

namespace greenbench {

// Bounds on one grid file's values, or on all --set values of one command (docs/grids.md): YAML
// aliases can make a short text expand to billions of values, so every value is counted each
// time it is used.
inline constexpr int kYamlMaxDepth = 32;          // nesting of any value, in YAML levels
inline constexpr size_t kYamlMaxValues = 100000;  // values (aliases included)

// The values converted so far under one bound.
struct YamlBudget {
  size_t values = 0;
};

// Why yaml_to_json_bounded stopped, at the 1-based line and column of the offending node.
struct YamlBoundError : std::runtime_error {
  enum Kind { kTooDeep, kTooManyValues, kKeyNotScalar };
  YamlBoundError(Kind kind, int line, int column)
      : std::runtime_error("YAML value out of bounds"), kind(kind), line(line), column(column) {}
  Kind kind;
  int line, column;
};

// yaml_to_json within kYamlMaxDepth and kYamlMaxValues (counted in `budget`, which callers
// share across the values of one file or one command line); mapping keys must be scalars.
// Throws YamlBoundError before converting anything past a bound.
nlohmann::json yaml_to_json_bounded(const YAML::Node& node, YamlBudget& budget, int depth = 0);

// `arg` cut to at most `max_bytes` (at a UTF-8 boundary) with "..." when cut, for messages that
// quote what the user typed.
std::string arg_quoted_short(const std::string& arg, size_t max_bytes = 60);

// A YAML value as JSON: quoted scalars stay strings; plain ones become null, booleans, integers
// or numbers when they read as such (YAML 1.2 core schema).
nlohmann::json yaml_to_json(const YAML::Node& node);

// {"KEY": VALUE, ...} from KEY=VALUE strings. Throws InputError naming the bad argument
// (no '=', an empty key, invalid YAML, text that is not UTF-8, or values past the bounds
// above, counted over all arguments together).
nlohmann::json sets_parse(const std::vector<std::string>& sets);

}  // namespace greenbench
