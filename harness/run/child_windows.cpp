// A metered program as a child process, its window lines read while it runs (docs/windows.md).
// One poll loop: the pipe's read end and, where the kernel has pidfds, the child itself; a
// line is handed to the recorder (which reads the meter) as soon as poll says it is there.
// Not the protocol's parsing (window_protocol.cpp).
#include "child_windows.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace greenbench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

int file_open_for_child(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create " + path);
  return fd;
}

// Our environment with `extra` set over it, as "KEY=VALUE" strings (built before the fork: the
// child may only call async-signal-safe functions, the meter's sampler thread being alive).
std::vector<std::string> env_with(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    if (!extra.count(entry.substr(0, entry.find('=')))) out.push_back(entry);
  }
  for (const auto& [k, v] : extra) out.push_back(k + "=" + v);
  return out;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Reads what the pipe holds now into the recorder; false at end of file.
bool pipe_drain(int fd, WindowRecorder& windows) {
  char buf[8192];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      windows.feed(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN || errno == EWOULDBLOCK;
  }
}

struct Fds {
  int read = -1, write = -1, out = -1, err = -1, in = -1, pid = -1;
  ~Fds() {
    for (int fd : {read, write, out, err, in, pid})
      if (fd >= 0) ::close(fd);
  }
};

// In the child, after the fork: only async-signal-safe calls until exec.
[[noreturn]] void child_exec(const ChildSpec& spec, const Fds& fds, char** argv, char** envp,
                             pid_t parent) {
  if (spec.own_group) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);   // greenbench killed (-9): the run does not live on
    if (getppid() != parent) _exit(1);  // it died before the line above
  }
  fcntl(fds.write, F_SETFD, 0);  // the one descriptor the program inherits from us
  if (fds.in >= 0) dup2(fds.in, 0);
  if (fds.out >= 0) dup2(fds.out, 1);
  if (fds.err >= 0) dup2(fds.err, 2);
  execvpe(argv[0], argv, envp);
  const int err = errno;
  const char* what = "greenbench: cannot run the command: ";
  (void)!::write(2, what, std::strlen(what));
  (void)!::write(2, argv[0], std::strlen(argv[0]));
  (void)!::write(2, ": ", 2);
  const char* reason = std::strerror(err);
  (void)!::write(2, reason, std::strlen(reason));
  (void)!::write(2, "\n", 1);
  _exit(err == ENOENT ? 127 : 126);
}

}  // namespace

ChildOutcome child_run_windows(const ChildSpec& spec, WindowRecorder& windows) {
  if (spec.argv.empty()) throw std::runtime_error("no command to run");
  Fds fds;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) fail("cannot make the windows pipe");
  fds.read = p[0];
  fds.write = p[1];
  if (!spec.stdout_path.empty()) fds.out = file_open_for_child(spec.stdout_path);
  if (!spec.stderr_path.empty()) fds.err = file_open_for_child(spec.stderr_path);
  if (spec.stdin_null && (fds.in = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
    fail("cannot open /dev/null");
  auto env = spec.env;
  env[kWindowsFdEnv] = std::to_string(fds.write);
  std::vector<std::string> argv_s = spec.argv, env_s = env_with(env);
  std::vector<char*> argv = c_strings(argv_s), envp = c_strings(env_s);

  ChildOutcome out;
  const auto t0 = Clock::now();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) fail("cannot fork");
  if (pid == 0) child_exec(spec, fds, argv.data(), envp.data(), parent);
  if (spec.own_group) setpgid(pid, pid);  // also here: no window where a kill misses it
  if (spec.on_start) spec.on_start(pid);
  ::close(fds.write);
  fds.write = -1;
  fcntl(fds.read, F_SETFL, O_NONBLOCK);
  fds.pid = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));  // -1 on old kernels: 20 ms polls

  auto send = [&](int sig) { ::kill(spec.own_group ? -pid : pid, sig); };
  double kill_at_s = -1;  // when SIGKILL follows the SIGTERM sent
  int status = 0;
  while (true) {
    pollfd pfds[2];
    nfds_t n = 0;
    if (fds.read >= 0) pfds[n++] = {fds.read, POLLIN, 0};
    if (fds.pid >= 0) pfds[n++] = {fds.pid, POLLIN, 0};
    (void)::poll(pfds, n, fds.pid >= 0 ? 100 : 20);
    if (fds.read >= 0 && !pipe_drain(fds.read, windows)) {
      ::close(fds.read);
      fds.read = -1;
    }
    // Ended? Looked at without reaping, so that its process group cannot vanish before the
    // kill below.
    siginfo_t info{};
    if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 &&
        errno != EINTR)
      fail("waitid");
    if (info.si_pid == pid) break;
    const double t = seconds_since(t0);
    if (kill_at_s < 0 && spec.timeout_s > 0 && t > spec.timeout_s) out.timed_out = true;
    if (kill_at_s < 0 && spec.stop_requested && spec.stop_requested()) out.stopped = true;
    if (kill_at_s < 0 && (out.timed_out || out.stopped)) {
      send(SIGTERM);
      kill_at_s = t + 5.0;
    } else if (kill_at_s >= 0 && t > kill_at_s) {
      send(SIGKILL);
      kill_at_s = 1e300;
    }
  }
  out.duration_s = seconds_since(t0);
  if (spec.own_group) ::kill(-pid, SIGKILL);  // nothing of the run outlives it
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) fail("waitpid");
  if (spec.on_start) spec.on_start(0);
  // What it wrote before it ended; a descendant still holding the pipe is not waited for.
  if (fds.read >= 0) (void)pipe_drain(fds.read, windows);
  windows.finish();
  if (WIFEXITED(status)) {
    out.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out.term_signal = WTERMSIG(status);
    out.exit_code = 128 + out.term_signal;
  } else {
    out.exit_code = 1;
  }
  return out;
}

std::string child_outcome_text(const ChildOutcome& o, double timeout_s) {
  if (o.timed_out) return fmt::format("timed out after {:g} s (timeout_s); ended", timeout_s);
  if (o.stopped) return "ended by greenbench on a stop signal";
  if (o.term_signal != 0)
    return fmt::format("killed by signal {} ({})", o.term_signal,
                       sigabbrev_np(o.term_signal) ? sigabbrev_np(o.term_signal) : "?");
  return fmt::format("exited with code {}", o.exit_code);
}

}  // namespace greenbench
