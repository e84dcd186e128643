// `greenbench knobs show [--json]` and `greenbench knobs restore` (docs/commands.md,
// docs/knobs.md): what each energy knob of this machine holds and whether greenbench can set it,
// and putting back every original a crashed or killed run left changed (from the journal alone).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands.hpp"
#include "greenbench/blas_core.hpp"
#include "knobs.hpp"

namespace greenbench {
namespace {

std::string cell(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return fmt::format("{:g}", v.get<double>());
  return v.dump();
}

int knobs_show_print(bool json) {
  nlohmann::json rows = knobs_show(SourcePaths::from_env());
  const auto state = blas_core_state();
  rows.push_back({{"key", "blas_core"},
                  {"target", "openblas"},
                  {"value", state.core},
                  {"settable", true},
                  {"why_not", ""},
                  {"note",
                   "software: a run asking for another kernel set runs in a child "
                   "greenbench with OPENBLAS_CORETYPE set"}});
  const nlohmann::json out = {{"knobs", rows}, {"journal", knobs_journal_path()}};
  if (json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("%-24s %-10s %-14s %-12s %s\n", "knob", "target", "value", "range", "settable");
  for (const auto& r : rows) {
    std::string range;
    if (r.contains("choices")) range = fmt::format("{} choices", r["choices"].size());
    if (r.contains("min"))
      range = r["max"].is_null() ? "> " + cell(r["min"]) : cell(r["min"]) + ".." + cell(r["max"]);
    const bool settable = r.value("settable", false);
    std::printf(
        "%-24s %-10s %-14s %-12s %s\n", r.value("key", "").c_str(),
        cell(r.value("target", nlohmann::json())).c_str(),
        cell(r.value("value", nlohmann::json())).c_str(), range.c_str(),
        settable
            ? "yes"
            : ("no: " + r.value("why_not", std::string()) +
               (r.value("fix", std::string()).empty() ? "" : "; " + r.value("fix", std::string())))
                  .c_str());
  }
  std::printf("journal: %s\n", knobs_journal_path().c_str());
  return 0;
}

}  // namespace

void cmd_knobs_add(CLI::App& app, CommandAction& action) {
  auto* knobs =
      app.add_subcommand("knobs", "Energy knobs of this machine: show them, restore them");
  knobs->require_subcommand(1);
  auto* show =
      knobs->add_subcommand("show", "each knob: its value, whether it can be set, why not");
  auto json = std::make_shared<bool>(false);
  show->add_flag("--json", *json, "one JSON object");
  show->callback([json, &action] { action = [json] { return knobs_show_print(*json); }; });
  auto* restore = knobs->add_subcommand(
      "restore", "put back every knob value a crashed or killed run left changed (the journal)");
  restore->callback([&action] {
    action = [] {
      for (const auto& line : knobs_journal_restore()) std::printf("%s\n", line.c_str());
      return 0;
    };
  });
}

}  // namespace greenbench
