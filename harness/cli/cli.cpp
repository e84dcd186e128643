// The command line (CLI11): builds the subcommands (each registered by harness/cli/cmd_*.cpp),
// parses argv and runs the chosen one, mapping errors to the exit codes of README.md:
// 0 success, 1 a failure while working, 2 bad usage, configuration or input.
#include "cli.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "cli_examples.hpp"
#include "cli_spec.hpp"
#include "cli_suggest.hpp"
#include "commands.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/meter.hpp"
#include "verbosity.hpp"

namespace greenbench {
namespace {

// A closed stdin, stdout or stderr (`>&-`) gets /dev/null opened read-only in its place: the
// files a command opens then cannot take descriptor 1 or 2 (where progress lines and messages
// would land in runs.csv), and writes to it still fail as on a closed descriptor (EBADF), so
// commands that check their output (meter --json) still see the loss.
void std_fds_hold() {
  for (int fd = 0; fd <= 2; ++fd)
    if (fcntl(fd, F_GETFD) < 0) {
      const int held = open("/dev/null", O_RDONLY);
      if (held >= 0 && held != fd) {
        dup2(held, fd);
        close(held);
      }
    }
}

// An error message cut to a few kB: a value quoted in full must not become MBs on stderr.
std::string message_short(const std::string& what) {
  constexpr size_t kMax = 4000;
  if (what.size() <= kMax) return what;
  return what.substr(0, kMax) + "... (" + std::to_string(what.size() - kMax) + " more bytes)";
}

// -q/--quiet and -v/--verbose on every command (docs/commands.md, "Quiet and verbose").
void verbosity_flags_add(CLI::App& app) {
  app.add_flag("-q,--quiet")->description("say only errors, warnings and the final result");
  app.add_flag("-v,--verbose")
      ->description("say more about progress: each run as it starts, what was chosen");
  for (CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    verbosity_flags_add(*sub);
}

// The verbosity the parsed command line asks for, on any of its commands. Both is exit 2.
Verbosity verbosity_parsed(CLI::App& app) {
  size_t quiet = 0, verbose = 0;
  for (CLI::App* a = &app; a;) {
    quiet += a->get_option("--quiet")->count();
    verbose += a->get_option("--verbose")->count();
    const auto parsed = a->get_subcommands();
    a = parsed.empty() ? nullptr : parsed.front();
  }
  if (quiet && verbose)
    throw InputError("-q/--quiet and -v/--verbose: choose one", "", 0, 0, "drop one of them");
  return quiet ? Verbosity::quiet : verbose ? Verbosity::verbose : Verbosity::normal;
}

}  // namespace

void cli_app_build(CLI::App& app, CommandAction& action) {
  app.description("greenbench: what machine learning costs in joules");
  app.require_subcommand(1);
  app.set_version_flag("--version",
                       std::string(GREENBENCH_VERSION) + " (" GREENBENCH_GIT_COMMIT ")");
  for (CommandAdd* add : {cmd_meter_add, cmd_run_add, cmd_bench_add, cmd_merge_add, cmd_profile_add,
                          cmd_estimate_add, cmd_analyze_add, cmd_report_add, cmd_knobs_add,
                          cmd_tune_add, cmd_submit_add, cmd_completion_add})
    add(app, action);
  verbosity_flags_add(app);
  examples_attach(app);
}

int cli_main(int argc, char** argv) {
  std_fds_hold();
  CLI::App app;
  CommandAction action;
  cli_app_build(app, action);
  try {
    app.parse(argc, argv);
    verbosity_set(verbosity_parsed(app));
  } catch (const CLI::ParseError& e) {
    // A mistyped command, flag or choice: name it and the nearest known one (exit 2).
    const std::string unknown =
        e.get_exit_code() == 0
            ? ""
            : args_diagnose(command_specs(app), std::vector<std::string>(argv + 1, argv + argc));
    if (!unknown.empty()) {
      std::fprintf(stderr, "greenbench: error: %s\n", message_short(unknown).c_str());
      return 2;
    }
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const InputError& e) {
    std::fprintf(stderr, "greenbench: error: %s\n", message_short(e.what()).c_str());
    return 2;
  }
  try {
    return action ? action() : 2;
  } catch (const InputError& e) {
    std::fprintf(stderr, "greenbench: error: %s\n", message_short(e.what()).c_str());
    return 2;
  } catch (const SourceUnavailable& e) {
    std::fprintf(stderr, "greenbench: error: meter source %s cannot be read: %s%s%s%s%s\n",
                 e.source.c_str(), e.reason.c_str(),
                 e.file.empty() ? "" : " (file: ", e.file.c_str(), e.file.empty() ? "" : ")",
                 e.fix.empty() ? "" : ("\n  fix: " + e.fix).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "greenbench: failed: %s\n", message_short(e.what()).c_str());
    return 1;
  }
}

}  // namespace greenbench
