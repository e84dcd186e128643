// The command line: parses argv (CLI11) and dispatches to the commands. Returns the exit code:
// 0 success, 1 failure while working, 2 bad usage or input (docs/commands.md).
#pragma once

namespace greenbench {
int cli_main(int argc, char** argv);
}
