// Command workloads' configurations (docs/grids.md, "Command workloads"): placeholders, checks,
// the argv of a run. Not running the program (harness/run/command_workload.cpp).
#include "command_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "greenbench/errors.hpp"

namespace greenbench {
namespace {

bool key_char(char ch, bool first) {
  const auto c = static_cast<unsigned char>(ch);
  return std::isalpha(c) || ch == '_' || (!first && std::isdigit(c));
}

// Walks `arg`: literal text to `text`, each placeholder's key to `key`.
template <typename Text, typename Key>
void arg_walk(const std::string& arg, Text text, Key key) {
  size_t i = 0;
  while (i < arg.size()) {
    if ((arg[i] == '{' || arg[i] == '}') && i + 1 < arg.size() && arg[i + 1] == arg[i]) {
      text(std::string(1, arg[i]));
      i += 2;
      continue;
    }
    if (arg[i] == '{') {
      size_t j = i + 1;
      while (j < arg.size() && key_char(arg[j], j == i + 1)) ++j;
      if (j > i + 1 && j < arg.size() && arg[j] == '}') {
        key(arg.substr(i + 1, j - i - 1));
        i = j + 1;
        continue;
      }
    }
    text(std::string(1, arg[i]));
    ++i;
  }
}

std::string value_as_arg(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

void command_check(const nlohmann::json& command) {
  const char* fix =
      "expected a list of strings, e.g. command: [python3, train.py, --batch-size, "
      "\"{batch_size}\"]";
  if (!command.is_array() || command.empty())
    throw InputError(
        fmt::format("command: expected a non-empty list of strings, got {}", command.dump()), "", 0,
        0, fix);
  for (const auto& a : command)
    if (!a.is_string() || a.get<std::string>().empty() ||
        a.get<std::string>().find('\0') != std::string::npos)
      throw InputError(fmt::format("command: argument {} is not a non-empty string", a.dump()), "",
                       0, 0, fix);
}

}  // namespace

std::vector<std::string> command_placeholders(const nlohmann::json& command) {
  std::vector<std::string> keys;
  if (!command.is_array()) return keys;
  for (const auto& a : command)
    if (a.is_string())
      arg_walk(
          a.get<std::string>(), [](const std::string&) {},
          [&](const std::string& k) {
            if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
          });
  return keys;
}

WorkloadConfig command_config_complete(const WorkloadConfig& config) {
  if (!config.is_object() || !config.contains("command"))
    throw InputError("command: missing", "", 0, 0,
                     "expected `command:` in the experiment, e.g. command: [python3, train.py]");
  const nlohmann::json& command = config.at("command");
  command_check(command);
  WorkloadConfig out = config;
  out["timeout_s"] = config.value("timeout_s", nlohmann::json(0.0));
  const nlohmann::json& t = out["timeout_s"];
  if (!t.is_number() || !std::isfinite(t.get<double>()) || t.get<double>() < 0 ||
      t.get<double>() > kCommandTimeoutMaxS)
    throw InputError(fmt::format("timeout_s: expected seconds from 0 (none) to {:g}, got {}",
                                 kCommandTimeoutMaxS, t.dump()));
  const std::vector<std::string> used = command_placeholders(command);
  for (const auto& k : used) {
    if (!config.contains(k))
      throw InputError(fmt::format("command: placeholder {{{}}} has no value", k), "", 0, 0,
                       fmt::format("expected {} in the experiment's set or grid, in defaults or "
                                   "as --set {}=VALUE",
                                   k, k));
    const auto& v = config.at(k);
    if (v.is_null() || v.is_object())
      throw InputError(
          fmt::format("{}: expected a string, number, bool or list, got {}", k, v.dump()));
  }
  for (const auto& [k, v] : config.items())
    if (k != "command" && k != "timeout_s" && std::find(used.begin(), used.end(), k) == used.end())
      throw InputError(
          fmt::format("{}: not used by the command (no {{{}}} in its arguments)", k, k), "", 0, 0,
          "expected every key of a command run to fill a placeholder; add {" + k +
              "} to an argument or remove the key");
  return out;
}

std::vector<std::string> command_argv(const WorkloadConfig& config) {
  std::vector<std::string> argv;
  for (const auto& a : config.at("command")) {
    std::string arg;
    arg_walk(
        a.get<std::string>(), [&](const std::string& t) { arg += t; },
        [&](const std::string& k) { arg += value_as_arg(config.at(k)); });
    argv.push_back(std::move(arg));
  }
  return argv;
}

}  // namespace greenbench
