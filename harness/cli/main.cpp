// The `greenbench` binary: chooses OpenBLAS's kernels, then hands argv to the CLI
// (harness/cli/cli.cpp). OpenBLAS reads OPENBLAS_CORETYPE once, when it loads, so when a better
// core than the one it chose exists (workloads/blas_core.cpp decides), greenbench re-executes
// itself once with OPENBLAS_CORETYPE set, checks the new kernels against a reference sgemm,
// and falls back to OpenBLAS's own choice if they are wrong (docs/workloads.md#blas-kernels).
#include <strings.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "cli.hpp"
#include "greenbench/blas_core.hpp"
#include "greenbench/errors.hpp"

namespace {

using greenbench::BlasCoreAction;
using greenbench::BlasCoreState;

// Set only between greenbench's own executions, never seen by commands it starts:
constexpr const char* kFromVar = "GREENBENCH_BLAS_FROM";           // the core before the change
constexpr const char* kUserVar = "GREENBENCH_BLAS_USER_CORETYPE";  // the user's value, if any
constexpr const char* kFailedVar = "GREENBENCH_BLAS_FAILED";       // why the changed core failed

std::string env_get(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// OPENBLAS_CORETYPE as the user had it, without the guard variables, so that `meter -- CMD`
// and anything else greenbench starts gets the user's environment, not greenbench's choice.
void env_restore() {
  const char* user = std::getenv(kUserVar);
  if (user)
    setenv("OPENBLAS_CORETYPE", user, 1);
  else
    unsetenv("OPENBLAS_CORETYPE");
  unsetenv(kUserVar);
  unsetenv(kFromVar);
  unsetenv(kFailedVar);
}

greenbench::BlasCoreFacts facts_read(const std::string& core, const std::string& user) {
  return {greenbench::cpu_features_read(), core,
          greenbench::blas_config().find("DYNAMIC_ARCH") != std::string::npos, user,
          env_get("GREENBENCH_BLAS_CORE")};
}

// Decides, and re-executes when the decision is to change; returns what this process runs.
// Each of the at most three executions takes one branch, told apart by the guard variables.
BlasCoreState blas_core_select(char** argv) {
  const std::string now = greenbench::blas_core_name();
  if (std::getenv(kFailedVar)) {  // third: the changed core failed its check, this is the old
    const std::string failed = env_get(kFailedVar);
    env_restore();
    return {now, std::getenv("OPENBLAS_CORETYPE") ? "user" : "openblas",
            failed + "; greenbench runs " + now};
  }
  if (std::getenv(kFromVar)) {  // second: running the core chosen by the first execution
    const std::string from = env_get(kFromVar), wanted = env_get("OPENBLAS_CORETYPE");
    const std::string user = std::getenv(kUserVar) ? env_get(kUserVar) : "";
    std::string problem = strcasecmp(now.c_str(), wanted.c_str()) != 0
                              ? "OpenBLAS ran " + now + " when told OPENBLAS_CORETYPE=" + wanted
                              : greenbench::blas_sgemm_check();
    if (problem.empty()) {
      const auto choice = greenbench::blas_core_choose(facts_read(from, user));
      env_restore();
      return {now, "greenbench", choice.why + " (checked against a reference sgemm)"};
    }
    setenv(kFailedVar, (wanted + " kernels failed their check (" + problem + ")").c_str(), 1);
    if (std::getenv(kUserVar))
      setenv("OPENBLAS_CORETYPE", env_get(kUserVar).c_str(), 1);
    else
      unsetenv("OPENBLAS_CORETYPE");
    execv("/proc/self/exe", argv);
    std::fprintf(stderr,
                 "greenbench: failed: %s kernels failed their check (%s) and greenbench cannot "
                 "re-execute itself (%s); set OPENBLAS_CORETYPE=%s\n",
                 wanted.c_str(), problem.c_str(), std::strerror(errno), from.c_str());
    std::exit(1);
  }
  // First execution: OpenBLAS has loaded with the user's environment.
  const std::string user = env_get("OPENBLAS_CORETYPE");
  const auto choice = greenbench::blas_core_choose(facts_read(now, user));
  if (choice.action == BlasCoreAction::change) {
    setenv(kFromVar, now.c_str(), 1);
    if (std::getenv("OPENBLAS_CORETYPE")) setenv(kUserVar, user.c_str(), 1);
    setenv("OPENBLAS_CORETYPE", choice.core.c_str(), 1);
    execv("/proc/self/exe", argv);
    const std::string err = std::strerror(errno);
    env_restore();
    return {now, user.empty() ? "openblas" : "user",
            "greenbench cannot re-execute itself (" + err + ") to run " + choice.core +
                " kernels; it runs " + now};
  }
  return {now, user.empty() ? "openblas" : "user", choice.why};
}

// Commands that run BLAS work say on stderr what greenbench did with the kernels (one line);
// `meter probe` shows it in its output; the others stay quiet unless -v.
bool command_uses_blas(int argc, char** argv) {
  if (argc < 2) return false;
  for (int i = 2; i < argc; i++)  // --help runs nothing
    if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) return false;
  for (const char* name : {"run", "bench", "profile", "estimate"})
    if (std::strcmp(argv[1], name) == 0) return true;
  return false;
}

// -q/--quiet or -v/--verbose before any `--` (docs/commands.md, "Quiet and verbose"): the kernel
// line comes before the command line is parsed, so it is looked for here. 0 when neither.
int verbosity_asked(int argc, char** argv) {
  for (int i = 1; i < argc && std::strcmp(argv[i], "--") != 0; i++) {
    if (std::strcmp(argv[i], "-q") == 0 || std::strcmp(argv[i], "--quiet") == 0) return -1;
    if (std::strcmp(argv[i], "-v") == 0 || std::strcmp(argv[i], "--verbose") == 0) return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    auto state = blas_core_select(argv);
    const int asked = verbosity_asked(argc, argv);
    if (asked > 0)  // -v: always, and on every command, which kernels run
      std::fprintf(stderr, "greenbench: blas: %s\n",
                   !state.note.empty() ? state.note.c_str()
                                       : ("OpenBLAS runs its " + state.core +
                                          " kernels, chosen by " + state.chosen_by)
                                             .c_str());
    else if (!state.note.empty() && asked == 0 && command_uses_blas(argc, argv))
      std::fprintf(stderr, "greenbench: blas: %s\n", state.note.c_str());
    greenbench::blas_core_state_set(std::move(state));
  } catch (const greenbench::InputError& e) {
    std::fprintf(stderr, "greenbench: error: %s\n", e.what());
    return 2;
  }
  return greenbench::cli_main(argc, argv);
}
