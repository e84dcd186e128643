// The command table, read from the CLI11 app (see cli_spec.hpp).
#include "cli_spec.hpp"

#include <CLI/CLI.hpp>

#include "cli_examples.hpp"
#include "greenbench/workload.hpp"

namespace greenbench {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// "TEXT:{auto,rapl,perf}" -> {auto, rapl, perf}; none when the type name holds no set.
std::vector<std::string> choices_of(const std::string& type_name) {
  std::vector<std::string> out;
  const size_t open = type_name.find(":{"), close = type_name.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  std::string item;
  for (size_t i = open + 2; i <= close; ++i) {
    if (i == close || type_name[i] == ',') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item += type_name[i];
    }
  }
  return out;
}

ValueKind kind_of(const std::string& value_name, const std::vector<std::string>& choices) {
  if (value_name.empty()) return ValueKind::none;
  if (!choices.empty()) return ValueKind::choice;
  if (ends_with(value_name, "DIR")) return ValueKind::dir;
  const size_t dot = value_name.find('.');
  if (ends_with(value_name, "FILE") || (dot != std::string::npos && dot > 0))
    return ValueKind::file;
  return ValueKind::text;
}

CommandSpec command_spec(const CLI::App& app, const std::string& path) {
  CommandSpec spec;
  spec.path = path;
  spec.description = app.get_description();
  spec.hidden = !path.empty() && app.get_group().empty();
  spec.examples = command_examples(path);
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_group().empty()) continue;  // hidden flags
    ArgSpec a = arg_spec(*opt);
    (opt->get_positional() ? spec.positionals : spec.flags).push_back(std::move(a));
  }
  for (const bool want_hidden : {false, true})
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_group().empty() == want_hidden) spec.subcommands.push_back(sub->get_name());
  return spec;
}

void specs_collect(const CLI::App& app, const std::string& path, std::vector<CommandSpec>& out) {
  out.push_back(command_spec(app, path));
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    specs_collect(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
}

}  // namespace

ArgSpec arg_spec(const CLI::Option& opt) {
  ArgSpec a;
  a.description = opt.get_description();
  a.required = opt.get_required();
  if (opt.get_positional()) {
    a.names = {opt.get_name(true, false)};
  } else {
    for (const auto& s : opt.get_snames()) a.names.push_back("-" + s);
    for (const auto& l : opt.get_lnames()) a.names.push_back("--" + l);
  }
  const bool takes_value = opt.get_positional() || opt.get_expected_max() != 0;  // not a flag
  if (takes_value) {
    const std::string full = opt.get_type_name();
    a.choices = choices_of(full);
    a.value_name = full.substr(0, full.find(':'));
    if (a.value_name.empty()) a.value_name = "VALUE";
    a.many = opt.get_items_expected_max() > 1;
    if (a.value_name == "WORKLOAD") a.choices = workload_names();
  }
  a.kind = kind_of(a.value_name, a.choices);
  return a;
}

std::vector<CommandSpec> command_specs(const CLI::App& app) {
  std::vector<CommandSpec> out;
  specs_collect(app, "", out);
  return out;
}

std::string command_title(const std::string& path) {
  return path.empty() ? "greenbench" : "greenbench " + path;
}

}  // namespace greenbench
