// A command run of a grid (docs/grids.md, "Command workloads"): the program started with its
// placeholders filled, its stdout and stderr kept in the results folder's logs/, its windows
// named train, infer, prefill and decode turned into phases (one epoch row each) and the keys
// it reports into the row's columns. Not the configuration (grid/command_config.hpp) and not the
// runner's bookkeeping (runner.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "greenbench/meter.hpp"
#include "greenbench/workload.hpp"
#include "run_plan.hpp"

namespace greenbench {

// One phase window: the epoch it belongs to, the meter's figures, what the program reported.
struct CommandPhase {
  int epoch = 0;
  EnergyWindow energy;
  PhaseResult result;  // loss and accuracy NaN when not reported
};

struct CommandRunResult {
  std::string status = "ok";         // ok | failed (exit code, signal, timeout) | interrupted
  std::string error;                 // why not ok: "exited with code 3; stderr ends: ..."
  std::vector<CommandPhase> phases;  // in the order they ended
  int64_t params = 0, macs_per_sample = 0;      // as reported (params=, macs_per_sample=)
  int64_t train_samples = 0, test_samples = 0;  // the last train / infer window's samples
  std::vector<std::string> problems;            // bad protocol lines and reported values
};

struct CommandRunOptions {
  std::string logs_dir;                  // <results>/logs: <run_id>.stdout, .stderr, .windows.jsonl
  std::function<bool()> stop_requested;  // Ctrl-C / SIGTERM: the program is ended, interrupted
};

// Runs the plan's program on `meter` (started). A program that succeeds without marking a phase
// window is one `train` phase over its whole run; a failed one keeps only the phases it ended.
// Throws std::runtime_error only when it could not be started (the logs folder, a pipe, the fork);
// its own failures are the result's status.
CommandRunResult command_workload_run(const RunPlan& plan, Meter& meter,
                                      const CommandRunOptions& options);

}  // namespace greenbench
