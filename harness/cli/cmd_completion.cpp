// `greenbench completion bash [-o FILE]` and the hidden `greenbench manpage [-o FILE]`: the bash
// completion script and the man page, written from the commands and flags the cmd_*.cpp files
// register (cli_spec.hpp), so a new command needs no second list. The build writes both into
// build/share/ (docs/commands.md, "Shell completion and the man page").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "cli_command.hpp"
#include "cli_completion.hpp"
#include "cli_man.hpp"
#include "cli_spec.hpp"
#include "file_io.hpp"
#include "greenbench/results.hpp"

namespace greenbench {
namespace {

int text_emit(const std::string& text, const std::string& out) {
  if (out.empty()) {
    std::fputs(text.c_str(), stdout);
    return std::fflush(stdout) == 0 && !std::ferror(stdout) ? 0 : 1;
  }
  // ~/.local/share/bash-completion/completions/ may not exist yet: make it, as an installer does.
  std::error_code ec;
  const auto parent = std::filesystem::path(out).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  output_file_check(out, "-o");  // a folder, or a parent that could not be made: exit 2
  file_write_atomic(out, text);
  return 0;
}

}  // namespace

void cmd_completion_add(CLI::App& app, CommandAction& action) {
  auto out = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("completion", "Print the shell completion script");
  cmd->require_subcommand(1);
  auto* bash = cmd->add_subcommand("bash", "Bash completion: commands, flags, choices and paths");
  out_option_add(*bash, *out, "FILE", "write the script to FILE instead of stdout");
  bash->callback([&app, out, &action] {
    action = [&app, out] { return text_emit(completion_bash(command_specs(app)), *out); };
  });

  auto* man = app.add_subcommand("manpage", "Print the man page greenbench(1) in roff");
  man->group("");  // hidden: the build installs its output
  out_option_add(*man, *out, "FILE", "write the page to FILE instead of stdout");
  man->callback([&app, out, &action] {
    action = [&app, out] {
      return text_emit(
          man_page(command_specs(app), GREENBENCH_VERSION " (" GREENBENCH_GIT_COMMIT ")"), *out);
    };
  });
}

}  // namespace greenbench
