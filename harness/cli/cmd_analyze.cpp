// `greenbench analyze RESULTS_DIR [--json] [-o DIR] [--served N]`: reads a results folder,
// prints the tables and findings (or, with --json, the analysis as JSON on stdout), and writes
// analysis.json beside the results (or into -o DIR). Not the statistics (harness/analysis/).
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "analysis.hpp"
#include "cli_checks.hpp"
#include "cli_command.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"

namespace greenbench {
namespace {

struct AnalyzeArgs {
  std::string dir, out_dir;
  bool json = false;
  double served = 1e6;
};

int analyze(const AnalyzeArgs& args) {
  if (!(args.served > 0) || !std::isfinite(args.served))
    throw InputError(
        fmt::format("--served: expected a positive number of inferences, got {}", args.served), "",
        0, 0, "e.g. --served 1e6");
  // A bad -o is exit 2 before the work (without -o, the reader checks the folder).
  const std::string out_dir = args.out_dir.empty() ? args.dir : args.out_dir;
  std::error_code ec;
  if (!args.out_dir.empty()) std::filesystem::create_directories(out_dir, ec);
  if (!args.out_dir.empty() && (ec || !std::filesystem::is_directory(out_dir)))
    throw InputError("cannot create the output folder", out_dir, 0, 0,
                     "choose a writable -o folder");
  const auto folder = analysis::analysis_folder_read(args.dir, "analyze");
  analysis::FindingOptions opt;
  opt.served_inferences = args.served;
  const nlohmann::json a = analysis::analysis_compute(folder, opt);
  if (args.json)  // the text output says it at the top; JSON output keeps stdout pure
    for (const auto& p : a["energy_problems"])
      std::fprintf(stderr, "greenbench analyze: warning: %s\n", p.get<std::string>().c_str());
  const std::string path = out_dir + "/analysis.json";
  file_write_atomic(path, a.dump(2) + "\n");
  if (args.json) {
    std::printf("%s\n", a.dump(2).c_str());
  } else {
    std::fputs(analysis::analysis_text(a).c_str(), stdout);
    std::printf("\nwrote %s\n", path.c_str());
  }
  return 0;
}

}  // namespace

void cmd_analyze_add(CLI::App& app, CommandAction& action) {
  auto [cmd, args] = command_add<AnalyzeArgs>(
      app, action, "analyze", "Correlations, drivers, Pareto front and the study's findings",
      analyze);
  results_dir_add(*cmd, args->dir);
  cmd->add_flag("--json", args->json, "print the analysis as JSON instead of tables");
  out_option_add(*cmd, args->out_dir, "DIR", "write analysis.json here (default: RESULTS_DIR)");
  cmd->add_option("--served", args->served,
                  "inferences served over a model's life, finding 3 (default 1e6)")
      ->check(number_in(0, 1e15, false, true));
}

}  // namespace greenbench
