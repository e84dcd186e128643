// Internal: each command registers its CLI11 subcommand and sets `action` to what runs when
// it is chosen; the action returns the exit code. One command per harness/cmd_<name>.cpp.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace greenbench {

using CommandAction = std::function<int()>;

void cmd_meter_add(CLI::App& app, CommandAction& action);     // harness/cli/cmd_meter.cpp
void cmd_run_add(CLI::App& app, CommandAction& action);       // harness/cli/cmd_run.cpp
void cmd_bench_add(CLI::App& app, CommandAction& action);     // harness/cli/cmd_bench.cpp
void cmd_merge_add(CLI::App& app, CommandAction& action);     // harness/cli/cmd_merge.cpp
void cmd_profile_add(CLI::App& app, CommandAction& action);   // harness/cli/cmd_profile.cpp
void cmd_estimate_add(CLI::App& app, CommandAction& action);  // harness/cli/cmd_estimate.cpp
void cmd_analyze_add(CLI::App& app, CommandAction& action);   // harness/cli/cmd_analyze.cpp
void cmd_report_add(CLI::App& app, CommandAction& action);    // harness/cli/cmd_report.cpp
void cmd_knobs_add(CLI::App& app, CommandAction& action);     // harness/cli/cmd_knobs.cpp
void cmd_tune_add(CLI::App& app, CommandAction& action);      // harness/cli/cmd_tune.cpp
void cmd_submit_add(CLI::App& app, CommandAction& action);    // harness/cli/cmd_submit.cpp
// `completion bash` and the hidden `manpage`: they read every command added before them.
void cmd_completion_add(CLI::App& app, CommandAction& action);  // harness/cli/cmd_completion.cpp

}  // namespace greenbench
