// The command line (CLI11): subcommands and their flags per SPEC §1. Each command lives in
// its own file (harness/cmd_*.cpp); this file only parses and dispatches.
#include "cli.hpp"

#include <CLI/CLI.hpp>

namespace greenbench {

int cli_main(int argc, char** argv) {
  CLI::App app{"greenbench: what machine learning costs in joules"};
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return 0;
}

}  // namespace greenbench
