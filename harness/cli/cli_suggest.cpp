// "Did you mean" for command lines (see cli_suggest.hpp): walks the words as CLI11 reads them —
// subcommands, flags with their values (--out DIR, --out=DIR, -oDIR), positionals — against the
// command table, and stops at the first word no command knows.
#include "cli_suggest.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "grid_file.hpp"

namespace greenbench {
namespace {

const CommandSpec* spec_find(const std::vector<CommandSpec>& specs, const std::string& path) {
  for (const auto& s : specs)
    if (s.path == path) return &s;
  return nullptr;
}

const ArgSpec* flag_find(const CommandSpec& spec, const std::string& name) {
  for (const auto& f : spec.flags)
    if (std::find(f.names.begin(), f.names.end(), name) != f.names.end()) return &f;
  return nullptr;
}

bool is_flag_word(const std::string& a) {
  if (a.size() < 2 || a[0] != '-') return false;
  return !(std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.');  // -1, -.5: values
}

std::string suggestion(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string near = did_you_mean(word, candidates);
  return near.empty() ? "" : fmt::format("; did you mean '{}'?", near);
}

std::string unknown_flag(const CommandSpec& spec, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& f : spec.flags)
    for (const auto& n : f.names)
      if (n.size() > 2) names.push_back(n);  // a one-letter flag is one edit from any other
  const std::string title = command_title(spec.path);
  return fmt::format("unknown flag '{}' for {}{}\n  {} --help lists its flags", name, title,
                     name.size() > 2 ? suggestion(name, names) : "", title);
}

std::string unknown_command(const CommandSpec& spec, const std::string& word) {
  const std::string title = command_title(spec.path);
  return fmt::format("'{}' is not a {} command{}\n  {} --help lists the commands", word, title,
                     suggestion(word, spec.subcommands), title);
}

std::string choice_check(const CommandSpec& spec, const std::string& flag, const ArgSpec& f,
                         const std::string& value) {
  if (f.choices.empty() || std::find(f.choices.begin(), f.choices.end(), value) != f.choices.end())
    return "";
  return fmt::format("{} {}: '{}' is not one of {}{}", command_title(spec.path), flag, value,
                     fmt::join(f.choices, ", "), suggestion(value, f.choices));
}

// A flag word at args[i]; advances i past its values. Returns a message, or "".
std::string flag_walk(const CommandSpec& spec, const std::vector<std::string>& args, size_t& i) {
  const std::string& a = args[i];
  const bool is_long = a.rfind("--", 0) == 0;
  const std::string name = is_long ? a.substr(0, a.find('=')) : a.substr(0, 2);
  const ArgSpec* f = flag_find(spec, name);
  if (!f) return unknown_flag(spec, name);
  if (f->value_name.empty()) {  // -qv: each letter a flag
    for (size_t k = 2; !is_long && k < a.size(); ++k)
      if (!flag_find(spec, std::string("-") + a[k]))
        return unknown_flag(spec, std::string("-") + a[k]);
    return "";
  }
  std::string value;
  if (is_long && a.find('=') != std::string::npos)
    value = a.substr(a.find('=') + 1);
  else if (!is_long && a.size() > 2)
    value = a.substr(2);
  else if (i + 1 < args.size())
    value = args[++i];
  if (const std::string bad = choice_check(spec, name, *f, value); !bad.empty()) return bad;
  while (f->many && i + 1 < args.size() && !is_flag_word(args[i + 1]) && args[i + 1] != "--") ++i;
  return "";
}

}  // namespace

std::string args_diagnose(const std::vector<CommandSpec>& specs,
                          const std::vector<std::string>& args) {
  const CommandSpec* cur = spec_find(specs, "");
  size_t positional = 0;
  for (size_t i = 0; cur && i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (is_flag_word(a)) {
      if (std::string msg = flag_walk(*cur, args, i); !msg.empty()) return msg;
      continue;
    }
    const auto& subs = cur->subcommands;
    if (std::find(subs.begin(), subs.end(), a) != subs.end()) {
      cur = spec_find(specs, cur->path.empty() ? a : cur->path + " " + a);
      positional = 0;
      continue;
    }
    if (positional < cur->positionals.size()) {
      if (!cur->positionals[positional].many) ++positional;
      continue;
    }
    if (!subs.empty()) return unknown_command(*cur, a);
    return "";  // one word too many: CLI11 names it
  }
  return "";
}

}  // namespace greenbench
