// The command line (CLI11): builds the subcommands (each registered by harness/cmd_*.cpp),
// parses argv and runs the chosen one, mapping errors to SPEC §1's exit codes:
// 0 success, 1 a failure while working, 2 bad usage, configuration or input.
#include "cli.hpp"

#include <cstdio>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/meter.hpp"

namespace greenbench {

int cli_main(int argc, char** argv) {
  CLI::App app{"greenbench: what machine learning costs in joules"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(GREENBENCH_VERSION) + " (" GREENBENCH_GIT_COMMIT ")");
  CommandAction action;
  cmd_meter_add(app, action);
  cmd_run_add(app, action);
  cmd_bench_add(app, action);
  cmd_merge_add(app, action);
  cmd_profile_add(app, action);
  cmd_estimate_add(app, action);
  cmd_analyze_add(app, action);
  cmd_report_add(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    return action ? action() : 2;
  } catch (const InputError& e) {
    std::fprintf(stderr, "greenbench: error: %s\n", e.what());
    return 2;
  } catch (const SourceUnavailable& e) {
    std::fprintf(stderr, "greenbench: error: meter source %s cannot be read: %s%s%s%s%s\n",
                 e.source.c_str(), e.reason.c_str(), e.file.empty() ? "" : " (file: ",
                 e.file.c_str(), e.file.empty() ? "" : ")",
                 e.fix.empty() ? "" : ("\n  fix: " + e.fix).c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "greenbench: failed: %s\n", e.what());
    return 1;
  }
}

}  // namespace greenbench
