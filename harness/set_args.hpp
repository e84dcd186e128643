// Internal: `--set KEY=VALUE` arguments (VALUE is YAML: `hidden=[256,128]`) and the YAML-to-JSON
// conversion the grid files share. Not validation of keys (workload_config_complete does that).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace YAML {
class Node;
}

namespace greenbench {

// A YAML value as JSON: quoted scalars stay strings; plain ones become null, booleans, integers
// or numbers when they read as such (YAML 1.2 core schema).
nlohmann::json yaml_to_json(const YAML::Node& node);

// The byte offset of the first byte of `text` that is not well-formed UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF included), or std::string::npos when all is well.
// JSON (results, ids) holds only UTF-8, so inputs are checked before they become values.
size_t utf8_invalid_at(const std::string& text);

// {"KEY": VALUE, ...} from KEY=VALUE strings. Throws InputError naming the bad argument
// (no '=', an empty key, invalid YAML, or text that is not UTF-8).
nlohmann::json sets_parse(const std::vector<std::string>& sets);

}  // namespace greenbench
