// Fuzz target: the command line's flags, parsed by the real CLI11 app of every command
// (harness/cmd_*.cpp), without running the command. Input: up to 16 arguments, one per line.
// Properties: a bad command line is a CLI::ParseError only (exit 2 in cli.cpp), never another
// exception, and the did-you-mean walk over it (cli_suggest.cpp) never throws; and every numeric
// flag that parses holds a finite number within 1e15 (issue 18:
// `--pause-s nan`, `--idle-baseline-s 1e308` were accepted), so no command sees NaN or infinity.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cli.hpp"
#include "cli_suggest.hpp"
#include "fuzz_util.hpp"

namespace {

// Every option given on the command line, of `app` and its parsed subcommands.
void numeric_results_check(const CLI::App* app) {
  for (const CLI::Option* opt : app->get_options()) {
    if (opt->count() == 0) continue;
    const std::string type = opt->get_type_name();
    if (type.rfind("FLOAT", 0) != 0 && type.rfind("INT", 0) != 0 && type.rfind("UINT", 0) != 0)
      continue;
    for (const std::string& text : opt->results()) {
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      FUZZ_CHECK(std::isfinite(v), "%s accepted '%s'", opt->get_name().c_str(), text.c_str());
      // No numeric flag's range reaches past 1e15 (--served, the widest).
      FUZZ_CHECK(std::fabs(v) <= 1e15, "%s accepted '%s'", opt->get_name().c_str(), text.c_str());
    }
  }
  for (const CLI::App* sub : app->get_subcommands()) numeric_results_check(sub);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args = {"greenbench"};
  for (auto& word : fuzz::lines_split(data, size, 16)) args.push_back(std::move(word));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  // The app as cli_main builds it (harness/cli/cli.cpp); the action is set, never run.
  CLI::App app;
  greenbench::CommandAction action;
  greenbench::cli_app_build(app, action);
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError&) {
    // What cli_main then says: the did-you-mean walk takes any words without throwing.
    (void)greenbench::args_diagnose(greenbench::command_specs(app),
                                    std::vector<std::string>(args.begin() + 1, args.end()));
    return 0;
  }
  numeric_results_check(&app);
  return 0;
}
