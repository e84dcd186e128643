// Internal: the man page greenbench(1) in roff, written from the command table (cli_spec.hpp)
// and the examples table by `greenbench manpage` and at build time, so that every command and
// flag is in it (docs/commands.md, "Shell completion and the man page").
#pragma once

#include <string>
#include <vector>

#include "cli_spec.hpp"

namespace greenbench {

// `version`: what the page's footer names ("0.1.0 (abc123)").
std::string man_page(const std::vector<CommandSpec>& specs, const std::string& version);

}  // namespace greenbench
