// Internal: the bash completion script, written from the command table (cli_spec.hpp) by
// `greenbench completion bash` and at build time (docs/commands.md, "Shell completion and the
// man page"). It completes commands, each command's flags, flag choices (--meter rapl), and file
// or folder paths where a value is one (GRID.yaml: *.yaml files and folders; DIR: folders).
#pragma once

#include <string>
#include <vector>

#include "cli_spec.hpp"

namespace greenbench {

std::string completion_bash(const std::vector<CommandSpec>& specs);

}  // namespace greenbench
