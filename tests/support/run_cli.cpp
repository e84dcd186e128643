// Test support: runs the real `greenbench` binary (fork/exec, no shell) and captures its output.
#include "run_cli.hpp"

#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "files.hpp"

namespace greenbench::testing {

int cli_spawn(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
              const std::string& out_path, const std::string& err_path,
              const std::string& as_user) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    for (const auto& [k, v] : env) {
      if (v.empty())
        unsetenv(k.c_str());
      else
        setenv(k.c_str(), v.c_str(), 1);
    }
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    if (!as_user.empty()) {
      const passwd* pw = getpwnam(as_user.c_str());
      if (!pw || setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
        _exit(126);
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(GREENBENCH_BIN));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(GREENBENCH_BIN, argv.data());
    _exit(127);
  }
  return pid;
}

int cli_wait(int pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

CliResult cli_run(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, const std::string& as_user) {
  const std::string dir = temp_dir_make("gb_cli");
  CliResult r;
  r.exit_code = cli_wait(cli_spawn(args, env, dir + "/out", dir + "/err", as_user));
  r.out = slurp(dir + "/out");
  r.err = slurp(dir + "/err");
  std::system(("rm -rf '" + dir + "'").c_str());
  return r;
}

int cli_run_file_limit(const std::vector<std::string>& args, unsigned long limit_bytes,
                       const std::string& err_path) {
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    struct rlimit rl = {limit_bytes, limit_bytes};
    setrlimit(RLIMIT_FSIZE, &rl);
    signal(SIGXFSZ, SIG_IGN);  // kept across exec: a write past the limit fails with EFBIG
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_WRONLY);
    dup2(err, 2);
    dup2(null, 1);
    std::vector<char*> argv = {const_cast<char*>(GREENBENCH_BIN)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(GREENBENCH_BIN, argv.data());
    _exit(127);
  }
  return cli_wait(pid);
}

std::string temp_dir_make(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "_XXXXXX";
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

namespace {
std::string running_test_prefix() {
  std::string name = "gb";
  if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info())
    for (const char* part : {info->test_suite_name(), info->name()}) {
      name += '_';
      for (const char* c = part; *c && name.size() < 80; ++c)
        name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '-';
    }
  return name;
}
}  // namespace

TempFolder::TempFolder() : dir(temp_dir_make(running_test_prefix())) {}

TempFolder::~TempFolder() {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string TempFolder::write(const std::string& name, const std::string& text) const {
  std::ofstream(dir + "/" + name) << text;
  return dir + "/" + name;
}

std::vector<std::string> quick_run_args(const std::string& out, const QuickRun& run) {
  std::vector<std::string> args = {
      "run",       "--workload", run.workload, "--out",   out,     "--idle-baseline-s", run.idle_s,
      "--pause-s", run.pause_s,  "--meter",    run.meter, "--set", "dataset=synthetic"};
  for (const auto& s : run.sets) args.insert(args.end(), {"--set", s});
  return args;
}

}  // namespace greenbench::testing
