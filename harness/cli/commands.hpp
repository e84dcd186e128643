// Internal: each command registers its CLI11 subcommand and sets `action` to what runs when
// it is chosen; the action returns the exit code. One command per harness/cli/cmd_<name>.cpp
// (cli_command.hpp: command_add and the options commands share).
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace greenbench {

using CommandAction = std::function<int()>;

// What each command exports: it adds its subcommand to the app and, when chosen, sets `action`.
using CommandAdd = void(CLI::App& app, CommandAction& action);

// cmd_<name>_add is in harness/cli/cmd_<name>.cpp; cli_app_build adds them in this order (the
// order of `greenbench --help`). cmd_completion_add (`completion bash` and the hidden
// `manpage`) comes last: it reads every command added before it.
CommandAdd cmd_meter_add, cmd_run_add, cmd_bench_add, cmd_merge_add, cmd_profile_add,
    cmd_estimate_add, cmd_analyze_add, cmd_report_add, cmd_knobs_add, cmd_tune_add, cmd_submit_add,
    cmd_completion_add;

}  // namespace greenbench
