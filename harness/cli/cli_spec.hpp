// Internal: greenbench's commands and their flags as one table, read from the CLI11 app that the
// cmd_*.cpp files build. The man page (cli_man.cpp), bash completion (cli_completion.cpp) and
// "did you mean" (cli_suggest.cpp) all read this table, so a new command or flag reaches them
// without a second list (docs/commands.md, "Shell completion and the man page").
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace greenbench {

// What a value is, for completion: a file, a folder, one of `choices`, or free text. Taken from
// the option's type name: "...DIR" is a folder; "FILE" or a name with an extension ("GRID.yaml",
// "MODEL.json") a file; a CLI11 set ("TEXT:{auto,rapl}") a choice.
enum class ValueKind { none, text, file, dir, choice };

struct ArgSpec {
  std::vector<std::string> names;  // flags: "-o", "--out" (short first); positionals: "grid"
  std::string value_name;          // "DIR", "GRID.yaml"; "" for a flag that takes no value
  ValueKind kind = ValueKind::none;
  std::vector<std::string> choices;
  std::string description;
  bool many = false;  // takes several values (--set A=1 B=2, DIR...)
  bool required = false;
};

struct CommandSpec {
  std::string path;  // "run", "estimate fit"; "" for greenbench itself
  std::string description;
  std::vector<ArgSpec> flags;
  std::vector<ArgSpec> positionals;
  std::vector<std::string> subcommands;  // names, visible ones first
  std::vector<std::string> examples;     // command lines (cli_examples.cpp)
  bool hidden = false;                   // left out of --help and the man page
};

// Every command of `app`, depth first, greenbench itself first.
std::vector<CommandSpec> command_specs(const CLI::App& app);

// One option as an ArgSpec (for callers that hold a CLI::Option).
ArgSpec arg_spec(const CLI::Option& opt);

// "greenbench run" for path "run"; "greenbench" for "".
std::string command_title(const std::string& path);

}  // namespace greenbench
