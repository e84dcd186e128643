// Test helper: runs the real `greenbench` binary with extra environment variables and
// captures stdout, stderr and the exit code. Not a shell: argv is passed as given.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace greenbench::testing {

struct CliResult {
  int exit_code = -1;  // 128 + signal when killed
  std::string out, err;
};

// Runs GREENBENCH_BIN with `args`; `env` entries are set (an empty value unsets). With
// `as_user` (e.g. "nobody"), the child drops to that user first (the caller must be root).
CliResult cli_run(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = {},
                  const std::string& as_user = "");

// Starts GREENBENCH_BIN in the background with stdout/stderr to files; returns its pid.
int cli_spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
              const std::string& out_path, const std::string& err_path,
              const std::string& as_user = "");
// Waits for a spawned process; returns its exit code (128 + signal when killed).
int cli_wait(int pid);

// Runs GREENBENCH_BIN with a file-size limit (every file it writes is cut off at
// `limit_bytes`, the write failing with EFBIG as a full disk fails with ENOSPC; SIGXFSZ is
// ignored); stderr goes to `err_path`. Returns the exit code.
int cli_run_file_limit(const std::vector<std::string>& args, unsigned long limit_bytes,
                       const std::string& err_path);
// A fresh empty directory under /tmp, removed by the caller.
std::string temp_dir_make(const std::string& prefix);

// A fresh directory under /tmp (temp_dir_make), removed with everything in it when the object
// goes. write() puts `text` into dir/name and returns that path.
struct TempFolder {
  TempFolder();  // named after the running test: /tmp/gb_<Suite>_<Test>_XXXXXX
  explicit TempFolder(const std::string& prefix) : dir(temp_dir_make(prefix)) {}
  ~TempFolder();
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  std::string write(const std::string& name, const std::string& text) const;
  std::string dir;
};

// The arguments of a quick `greenbench run --workload` on synthetic data into `out`: no idle
// baseline or pauses and the `estimate` meter unless given. `sets` are KEY=VALUE for --set,
// after dataset=synthetic (so a caller's value wins).
struct QuickRun {
  std::string workload = "mlp";
  std::string idle_s = "0", pause_s = "0", meter = "estimate";
  std::vector<std::string> sets;
};
std::vector<std::string> quick_run_args(const std::string& out, const QuickRun& run);

// A TempFolder that is also the state folder (GREENBENCH_STATE_DIR: the knobs journal, the host
// calibration), so a test's runs neither read nor change this machine's state.
struct StateFolder : TempFolder {
  std::map<std::string, std::string> env() const { return {{"GREENBENCH_STATE_DIR", dir}}; }
  // A quick mlp run (quick_run_args) into DIR/res with `sets`, in this state folder.
  CliResult quick_run(const std::vector<std::string>& sets) const {
    return cli_run(quick_run_args(dir + "/res", {.sets = sets}), env());
  }
};

}  // namespace greenbench::testing
