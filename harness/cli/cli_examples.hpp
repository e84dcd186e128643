// Internal: the examples at the end of each command's --help and in the man page, one table for
// every command (docs/commands.md). Each is a real command line that greenbench parses
// (tests/harness/cli_help_test.cpp checks that every command has some and that they parse).
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace greenbench {

// The example command lines of the command at `path` ("run", "estimate fit"; "" for greenbench
// itself), each followed by "  # what it does"; empty when the table has none.
std::vector<std::string> command_examples(const std::string& path);

// Sets every command's --help footer to an "Examples:" section from the table.
void examples_attach(CLI::App& app);

}  // namespace greenbench
