// The command line: parses argv (CLI11) and dispatches to the commands. Returns the exit code:
// 0 success, 1 failure while working, 2 bad usage or input (docs/commands.md).
#pragma once

#include "commands.hpp"

namespace greenbench {

int cli_main(int argc, char** argv);

// Builds greenbench's command line into `app`: every command (cmd_*.cpp), -q/-v on each, and
// the examples at the end of each --help. Parsing sets `action` to the chosen command.
void cli_app_build(CLI::App& app, CommandAction& action);

}  // namespace greenbench
