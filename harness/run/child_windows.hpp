// A metered program as a child process: started with $GREENBENCH_WINDOWS_FD naming the write
// end of a pipe (docs/windows.md), its lines read while it runs and handed to a
// WindowRecorder as they arrive, ended on a timeout or a stop request. Used by `meter -- CMD`
// and by command workloads in grids. Not the protocol's parsing (window_protocol.hpp).
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "window_protocol.hpp"

namespace greenbench {

struct ChildSpec {
  std::vector<std::string> argv;           // argv[0] is searched in PATH
  std::map<std::string, std::string> env;  // set in the child's environment (over ours)
  std::string stdout_path, stderr_path;    // "" = inherited; else created or truncated
  bool stdin_null = false;                 // stdin from /dev/null (grids: no terminal input)
  bool own_group = false;  // a process group of its own, ended as a whole (and killed if we die)
  double timeout_s = 0;    // 0 = none; past it: SIGTERM, 5 s later SIGKILL
  std::function<bool()> stop_requested;  // polled; true: end it as on a timeout
  std::function<void(pid_t)> on_start;   // the pid once forked, 0 once reaped
};

struct ChildOutcome {
  int exit_code = 0;       // its exit status, or 128 + the signal that ended it
  int term_signal = 0;     // the signal that ended it, 0 when it exited
  bool timed_out = false;  // ended by greenbench after timeout_s
  bool stopped = false;    // ended by greenbench on stop_requested
  double duration_s = 0;   // from the fork to the reaping
};

// Runs the program to its end, feeding every line it writes to the descriptor to `windows`
// at once (so each window's energy is read when its line arrives), then windows.finish().
// Throws std::runtime_error when a pipe, a log file or the fork cannot be made (nothing ran);
// a program that cannot be executed exits 127 (not found) or 126, its reason on its stderr.
ChildOutcome child_run_windows(const ChildSpec& spec, WindowRecorder& windows);

// "exited with code 3", "killed by signal 9 (SIGKILL)", "timed out after 2.0 s (timeout_s)".
std::string child_outcome_text(const ChildOutcome& outcome, double timeout_s);

}  // namespace greenbench
