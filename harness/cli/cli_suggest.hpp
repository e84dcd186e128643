// Internal: after CLI11 refuses a command line, names the first word greenbench does not know —
// a command, a flag, or a value outside a flag's choices — with the nearest known one ("did you
// mean", the edit distance the grid checker uses: did_you_mean in harness/grid/grid_file.hpp).
// The caller prints it and exits 2 (docs/commands.md, "Exit codes").
#pragma once

#include <string>
#include <vector>

#include "cli_spec.hpp"

namespace greenbench {

// `args` without argv[0]. Returns the message (without "greenbench: error: "), or "" when the
// walk finds no unknown command, flag or choice (CLI11's own message then says what is wrong).
std::string args_diagnose(const std::vector<CommandSpec>& specs,
                          const std::vector<std::string>& args);

}  // namespace greenbench
