// Runs of other OpenBLAS kernel sets in child processes (docs/knobs.md, "blas_core"). Each child
// is this greenbench again, with the command line it was given (/proc/self/cmdline) plus
// --resume, so it expands the same grid, keeps only its kernel set's runs (kBlasCoreChildVar)
// and appends them to the same results folder after the parent closed it.
#include "blas_core_runs.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "adapt_run.hpp"
#include "greenbench/blas_core.hpp"
#include "greenbench/errors.hpp"
#include "knobs.hpp"

namespace greenbench {
namespace {

std::atomic<pid_t> g_child{0};

void forward(int sig) {
  const pid_t c = g_child.load();
  if (c > 0) kill(c, sig);
}

bool same_core(const std::string& a, const std::string& b) {
  return strcasecmp(a.c_str(), b.c_str()) == 0;
}

std::string core_of(const RunPlan& p) {
  return p.config.contains("blas_core") ? p.config.at("blas_core").get<std::string>() : "";
}

std::vector<std::string> cmdline_read() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::vector<std::string> args;
  std::string all = ss.str(), cur;
  for (char c : all) {
    if (c == '\0') {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  return args;
}

// Runs this greenbench again for `core`; returns its exit code (128 + N when killed by N).
int child_run(const std::string& core) {
  std::vector<std::string> args = cmdline_read();
  bool resume = false;
  for (const auto& a : args) resume |= a == "--resume";
  if (!resume) args.push_back("--resume");
  std::fprintf(stderr,
               "greenbench run: blas_core %s: its runs in a child greenbench "
               "(OPENBLAS_CORETYPE=%s)\n",
               core.c_str(), core.c_str());
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed: cannot run blas_core " + core);
  if (pid == 0) {
    setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
    setenv("GREENBENCH_BLAS_CORE", "keep", 1);
    setenv(kBlasCoreChildVar, core.c_str(), 1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  g_child.store(pid);
  struct sigaction sa {
  }, old_int{}, old_term{}, old_hup{};
  sa.sa_handler = forward;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_child.store(0);
  sigaction(SIGINT, &old_int, nullptr);
  sigaction(SIGTERM, &old_term, nullptr);
  sigaction(SIGHUP, &old_hup, nullptr);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

void blas_core_values_check(const std::vector<RunPlan>& plans) {
  const std::string best = blas_core_best(cpu_features_read());
  for (const auto& p : plans) {
    const std::string core = core_of(p);
    if (core.empty() || same_core(core, blas_core_name())) continue;
    if (blas_core_tier(core) == 0)
      throw InputError(fmt::format("blas_core: greenbench does not know the kernel set '{}'", core),
                       "", 0, 0,
                       "use one of Prescott, Sandybridge, Haswell, SkylakeX (docs/workloads.md, "
                       "\"BLAS kernels\")");
    if (blas_core_tier(core) > blas_core_tier(best))
      throw InputError(
          fmt::format("blas_core: this CPU cannot run {} kernels (the best it supports: {})", core,
                      best.empty() ? "none" : best),
          "", 0, 0, "use a kernel set at or below " + best);
  }
}

std::vector<RunPlan> blas_core_plans_here(const std::vector<RunPlan>& plans) {
  const char* child = std::getenv(kBlasCoreChildVar);
  std::vector<RunPlan> out;
  for (const auto& p : plans) {
    const std::string core = core_of(p);
    if (child ? same_core(core, child) : core.empty() || same_core(core, blas_core_name()))
      out.push_back(p);
  }
  return out;
}

int runner_run_by_blas_core(const std::vector<RunPlan>& plans, const RunnerOptions& options) {
  if (std::getenv(kBlasCoreChildVar)) return runner_run(blas_core_plans_here(plans), options);
  blas_core_values_check(plans);
  std::vector<nlohmann::json> knobs;  // every run's, children's too: exit 2 before any work
  for (const auto& p : plans)
    for (auto& k : knob_settings_of_plan(p)) knobs.push_back(std::move(k));  // adapt's too
  knobs_check(knobs, SourcePaths::from_env());
  std::vector<std::string> others;  // kernel sets for children, in run order
  for (const auto& p : plans) {
    const std::string core = core_of(p);
    if (core.empty() || same_core(core, blas_core_name())) continue;
    bool seen = false;
    for (const auto& o : others) seen |= same_core(o, core);
    if (!seen) others.push_back(core);
  }
  const auto here = blas_core_plans_here(plans);
  int code = runner_run(here, options);
  for (const auto& core : others) {
    if (code >= 128) break;
    code = std::max(code, child_run(core));
  }
  return code;
}

}  // namespace greenbench
