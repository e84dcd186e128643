// `--set KEY=VALUE` parsing and YAML-to-JSON conversion. Not key validation.
#include "set_args.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "greenbench/errors.hpp"

namespace greenbench {

nlohmann::json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& e : node) arr.push_back(yaml_to_json(e));
      return arr;
    }
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : node) obj[kv.first.as<std::string>()] = yaml_to_json(kv.second);
      return obj;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string s = node.Scalar();
  if (node.Tag() == "!") return s;  // quoted
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s == "null" || s == "~" || s == "Null" || s == "NULL") return nullptr;
  std::int64_t i = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i);
  if (ec == std::errc() && p == s.data() + s.size()) return i;
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(d)) return d;
  return s;
}

nlohmann::json yaml_to_json_bounded(const YAML::Node& node, YamlBudget& budget, int depth) {
  const auto fail = [&node](YamlBoundError::Kind kind) {
    const YAML::Mark m = node.Mark();
    throw YamlBoundError(kind, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1);
  };
  if (depth > kYamlMaxDepth) fail(YamlBoundError::kTooDeep);
  if (++budget.values > kYamlMaxValues) fail(YamlBoundError::kTooManyValues);
  switch (node.Type()) {
    case YAML::NodeType::Sequence: {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& e : node) arr.push_back(yaml_to_json_bounded(e, budget, depth + 1));
      return arr;
    }
    case YAML::NodeType::Map: {
      nlohmann::json obj = nlohmann::json::object();
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) {
          const YAML::Mark m = kv.first.Mark();
          throw YamlBoundError(YamlBoundError::kKeyNotScalar, m.is_null() ? 0 : m.line + 1,
                               m.is_null() ? 0 : m.column + 1);
        }
        obj[kv.first.Scalar()] = yaml_to_json_bounded(kv.second, budget, depth + 1);
      }
      return obj;
    }
    default:
      return yaml_to_json(node);
  }
}

std::string arg_quoted_short(const std::string& arg, size_t max_bytes) {
  if (arg.size() <= max_bytes) return arg;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(arg[cut]) & 0xC0) == 0x80) --cut;
  return arg.substr(0, cut) + "...";
}

nlohmann::json sets_parse(const std::vector<std::string>& sets) {
  nlohmann::json config = nlohmann::json::object();
  YamlBudget budget;  // one bound over all arguments, as over one grid file
  for (const std::string& kv : sets) {
    if (utf8_invalid_at(kv) != std::string::npos)
      throw InputError(
          fmt::format("--set: an argument is not valid UTF-8 (byte {})", utf8_invalid_at(kv)), "",
          0, 0, "write keys and values in UTF-8");
    const std::string shown = arg_quoted_short(kv);
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError(fmt::format("--set {}: expected KEY=VALUE", shown), "", 0, 0,
                       "e.g. --set hidden=[256,128]");
    const std::string key = kv.substr(0, eq), value = kv.substr(eq + 1);
    try {
      config[key] = yaml_to_json_bounded(YAML::Load(value), budget);
    } catch (const YAML::Exception& e) {
      throw InputError(fmt::format("--set {}: the value is not valid YAML ({})", shown,
                                   arg_quoted_short(e.msg)));
    } catch (const YamlBoundError& e) {
      const std::string at = fmt::format("--set {} (column {})", shown, e.column + eq + 1);
      switch (e.kind) {
        case YamlBoundError::kTooDeep:
          throw InputError(fmt::format("{}: nested more than {} levels deep", at, kYamlMaxDepth),
                           "", 0, 0, "expected a plain value or a short list");
        case YamlBoundError::kTooManyValues:
          throw InputError(fmt::format("{}: the --set values expand to more than {} values "
                                       "(aliases included)",
                                       at, kYamlMaxValues),
                           "", 0, 0, "write lists out instead of nesting aliases");
        case YamlBoundError::kKeyNotScalar:
          throw InputError(fmt::format("{}: a key must be a plain name", at), "", 0, 0,
                           "expected `{name: value}`");
      }
    }
    // yaml-cpp reads a value that starts with NUL bytes as UTF-16/32 and can decode it to text
    // that is not UTF-8 (found by tests/fuzz/set_args_fuzz.cpp).
    try {
      (void)config[key].dump();
    } catch (const nlohmann::json::type_error&) {
      throw InputError(
          fmt::format("--set {}: the value does not read as UTF-8 text", arg_quoted_short(key)), "",
          0, 0, "write the value as plain UTF-8 text");
    }
  }
  return config;
}

}  // namespace greenbench
