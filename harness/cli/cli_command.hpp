// Internal: how a command registers itself (one cmd_*.cpp per command, commands.hpp), and the
// options several commands take with one meaning (docs/commands.md): the grid file, --workload,
// --set, --meter and the results folders. A command's --help, man page and completion are read
// from what these add (cli_spec.hpp), so the shared options read the same everywhere.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "commands.hpp"

namespace greenbench {

// A registered command: its CLI11 subcommand, and the arguments its options are parsed into.
template <class Args>
struct Command {
  CLI::App* cmd;
  std::shared_ptr<Args> args;
};

// Adds the subcommand `name` (`about`: its one-line description) under `parent` with a fresh
// `Args`; when the command line chooses it, `action` becomes `main(args)`, or
// `main(args, subcommand)` for a command that asks which flags were given.
template <class Args, class Main>
Command<Args> command_add(CLI::App& parent, CommandAction& action, const std::string& name,
                          const std::string& about, Main main) {
  CLI::App* cmd = parent.add_subcommand(name, about);
  auto args = std::make_shared<Args>();
  cmd->callback([cmd, args, main, &action] {
    action = [cmd, args, main] {
      if constexpr (std::is_invocable_v<Main, Args&, const CLI::App&>)
        return main(*args, *cmd);
      else
        return main(*args);
    };
  });
  return {cmd, args};
}

// The positional grid file, GRID.yaml (docs/grids.md).
CLI::Option* grid_option_add(CLI::App& cmd, std::string& grid,
                             const std::string& about = "grid file (docs/grids.md)");
// --workload NAME: one configuration instead of a grid.
CLI::Option* workload_option_add(CLI::App& cmd, std::string& workload,
                                 const std::string& about = "one configuration instead of a grid");
// --set KEY=VALUE, repeatable: a YAML value for a workload key (docs/grids.md).
CLI::Option* sets_option_add(CLI::App& cmd, std::vector<std::string>& sets,
                             const std::string& about = "a YAML value for a key, repeatable");
// --meter SOURCE (`flag` names it otherwise): one of kMeterChoices (docs/meter.md).
CLI::Option* meter_option_add(
    CLI::App& cmd, std::string& meter,
    const std::string& about = "auto | rapl | perf | msr | nvml | estimate",
    const std::string& flag = "--meter");
// -o/--out VALUE_NAME (DIR, FILE, MODEL.json): where the command writes (docs/commands.md).
CLI::Option* out_option_add(CLI::App& cmd, std::string& out, const std::string& value_name,
                            const std::string& about);
// The required positional results folder(s) (RESULTS_DIR: a folder `run` wrote), as `name`.
CLI::Option* results_dir_add(CLI::App& cmd, std::string& dir,
                             const std::string& name = "RESULTS_DIR",
                             const std::string& about = "a folder written by greenbench run");
CLI::Option* results_dirs_add(CLI::App& cmd, std::vector<std::string>& dirs,
                              const std::string& name, const std::string& about);

}  // namespace greenbench
