// Hostile and careless command lines through the real binary (issue 18; README.md, "Exit codes"
// and "Signals"; docs/grids.md): a --set alias bomb, `run --workload` checked like a grid file,
// NaN and infinities in numeric flags, SIGHUP and closed pipes or descriptors during a grid,
// grid files that are devices, directories or huge, a catastrophic --filter, and a meter result
// that cannot be written. Each is exit 2 (or 1 for a lost result) with a short message, in
// bounded time and memory, and nothing written is damaged.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "files.hpp"
#include "grid_yaml.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::jsonl_of;
using testing::lines_of;
using testing::slurp;

using Folder = testing::TempFolder;

// Two quick mlp runs on synthetic data.
const std::string kTinyGrid = [] {
  testing::QuickGrid g = testing::tiny_grid();
  g.mlp_grid = "hidden: [[16], [32]]";
  return testing::quick_grid_yaml(g);
}();

// Two slower runs (a second or more each), so that a signal lands inside a run.
const std::string kSlowGrid =
    testing::quick_grid_yaml({.name = "slow",
                              .idle_s = "0.1",
                              .pause_s = "0.05",
                              .defaults = "train_samples: 20000, test_samples: 500, epochs: 10",
                              .mlp_grid = "hidden: [[32], [48]]"});

struct Outcome {
  int exit_code = -1;  // 128 + signal when killed; -2 when killed for running past the timeout
  double seconds = 0;
  long max_rss_kb = 0;
  std::string err;
};

// Runs the binary with stderr to a file (stdout to /dev/null) after `child_setup` ran in the
// child (it may redirect or close descriptors); kills it after `timeout_s`.
Outcome run_timed(const std::vector<std::string>& args, double timeout_s,
                  const std::function<void()>& child_setup = {}) {
  Folder scratch;
  const std::string err_path = scratch.dir + "/err";
  // Built before fork: the child of a threaded test must not allocate.
  std::vector<char*> argv = {const_cast<char*>(GREENBENCH_BIN)};
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(null, 1);
    dup2(err, 2);
    if (child_setup) child_setup();
    execv(GREENBENCH_BIN, argv.data());
    _exit(127);
  }
  Outcome o;
  int status = 0;
  struct rusage ru {};
  bool killed = false;
  while (wait4(pid, &status, WNOHANG, &ru) == 0) {
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >
        timeout_s) {
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &ru);
      killed = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  o.max_rss_kb = ru.ru_maxrss;
  o.exit_code = killed                ? -2
                : WIFEXITED(status)   ? WEXITSTATUS(status)
                : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                      : -1;
  o.err = slurp(err_path);
  return o;
}

// The reproduction of issue 18: 8 levels of ten aliases, 10^9 values from 350 bytes.
std::string alias_bomb() {
  std::string s = "hidden=[&a0 [1,1,1,1,1,1,1,1,1,1]";
  for (int k = 1; k <= 8; ++k) {
    s += ",&a" + std::to_string(k) + " [";
    for (int i = 0; i < 10; ++i) s += (i ? ",*a" : "*a") + std::to_string(k - 1);
    s += "]";
  }
  return s + "]";
}

TEST(CliHostile, SetAliasBombIsExitTwoWithinASecondAndAFewMegabytes) {
  Folder f;
  const std::string grid = f.write("tiny.yaml", kTinyGrid);
  const Outcome idle = run_timed({"--version"}, 20);  // the binary's own footprint
  for (const auto& args :
       {std::vector<std::string>{"run", grid, "--dry-run", "--set", alias_bomb()},
        std::vector<std::string>{"run", "--workload", "mlp", "--out", f.dir + "/w", "--set",
                                 alias_bomb()}}) {
    const Outcome o = run_timed(args, 20);
    EXPECT_EQ(o.exit_code, 2) << o.err.substr(0, 500);
    EXPECT_LT(o.seconds, 1.0) << "measured " << o.seconds << " s";
    EXPECT_LT(o.max_rss_kb - idle.max_rss_kb, 8 * 1024)
        << "measured " << o.max_rss_kb << " kB (--version: " << idle.max_rss_kb << " kB)";
    EXPECT_NE(o.err.find("more than 100000 values"), std::string::npos) << o.err.substr(0, 500);
    EXPECT_LT(o.err.size(), 1000u);
    std::printf(
        "alias bomb: exit %d in %.3f s, max RSS %ld kB (--version %ld kB), %zu bytes "
        "of message\n",
        o.exit_code, o.seconds, o.max_rss_kb, idle.max_rss_kb, o.err.size());
  }
  EXPECT_FALSE(fs::exists(f.dir + "/w"));
}

// `run --workload` (and `profile --workload`) go through the grid's checks (docs/grids.md): a
// missing data folder or more samples than the data set has are exit 2 naming the --set key
// before the idle baseline, and nothing is written.
TEST(CliHostile, WorkloadRunGetsTheGridFileChecksBeforeTheIdleBaseline) {
  Folder f;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"data_dir=/nonexistent", "data_dir"}, {"train_samples=99999999", "train_samples"}};
  for (const auto& [set, key] : cases) {
    const std::string out = f.dir + "/" + key;
    const Outcome o =
        run_timed({"run", "--workload", "mlp", "--out", out, "--meter", "estimate",
                   "--idle-baseline-s", "30", "--set", "dataset=fashion-mnist", "--set", set},
                  60);
    EXPECT_EQ(o.exit_code, 2) << set << ": " << o.err;
    EXPECT_LT(o.seconds, 15.0) << set << ": the 30 s idle baseline ran";
    EXPECT_NE(o.err.find("--set " + key), std::string::npos) << o.err;
    EXPECT_EQ(o.err.find("idle power"), std::string::npos) << o.err;
    EXPECT_FALSE(fs::exists(out + "/runs.csv")) << set;
  }
  // profile --workload shares the path (grid_expand.hpp: workload_expand).
  const Outcome p = run_timed({"profile", "--workload", "mlp", "--meter", "estimate", "--set",
                               "dataset=fashion-mnist", "--set", "data_dir=/nonexistent"},
                              60);
  EXPECT_EQ(p.exit_code, 2) << p.err;
  EXPECT_NE(p.err.find("--set data_dir: the data set of workload mlp cannot be read"),
            std::string::npos)
      << p.err;
}

// Every numeric flag of every command: NaN, infinities and out-of-range values are exit 2
// naming the flag (README.md, "Exit codes").
TEST(CliHostile, NumericFlagsMustBeFiniteAndInRange) {
  Folder f;
  const std::string grid = f.write("tiny.yaml", kTinyGrid);
  const std::string out = f.dir + "/res";
  const std::vector<std::string> quick_workload = {
      "--set", "dataset=synthetic", "--set", "train_samples=100", "--set",   "test_samples=50",
      "--set", "hidden=[8]",        "--set", "epochs=1",          "--meter", "estimate"};
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  std::vector<Case> cases;
  for (const char* v : {"nan", "NaN", "inf", "-inf", "-1", "1e308", "3601", "5x"})
    cases.push_back({{"run", grid, "--dry-run", "--idle-baseline-s", v}, "--idle-baseline-s"});
  for (const char* v : {"nan", "inf", "-0.5", "601"})
    cases.push_back({{"run", grid, "--dry-run", "--pause-s", v}, "--pause-s"});
  for (const char* v : {"0", "1001", "nan", "2.5"})
    cases.push_back({{"run", grid, "--dry-run", "--repeats", v}, "--repeats"});
  for (const char* flag : {"--idle-baseline-s", "--pause-s"}) {
    std::vector<std::string> a = {"run", "--workload", "mlp", "--out", out, flag, "nan"};
    a.insert(a.end(), quick_workload.begin(), quick_workload.end());
    cases.push_back({a, flag});
  }
  for (const char* v : {"0", "-5", "nan", "1e9"})
    cases.push_back(
        {{"meter", "--source", "estimate", "--interval-ms", v, "--", "true"}, "--interval-ms"});
  for (const char* v : {"0", "nan", "1e12"})
    cases.push_back({{"bench", "--workload", "mlp", "--steps", v}, "--steps"});
  for (const char* v : {"nan", "inf", "0", "1.5"})
    cases.push_back({{"profile", grid, "--budget", v}, "--budget"});
  for (const char* v : {"nan", "inf", "-0.1"})
    cases.push_back({{"profile", grid, "--systematic", v}, "--systematic"});
  cases.push_back({{"profile", grid, "--repeats", "nan"}, "--repeats"});
  for (const char* v : {"nan", "inf", "0", "-1"})
    cases.push_back({{"analyze", f.dir, "--served", v}, "--served"});
  for (const auto& c : cases) {
    std::string shown;
    for (const auto& a : c.args) shown += a + " ";
    const Outcome o = run_timed(c.args, 60);
    EXPECT_EQ(o.exit_code, 2) << shown << "\n" << o.err;
    EXPECT_NE(o.err.find(c.flag), std::string::npos) << shown << "\n" << o.err;
    EXPECT_EQ(o.err.find("-9223372036854775808"), std::string::npos) << o.err;
  }
  EXPECT_FALSE(fs::exists(out + "/runs.csv"));
  // In range is still fine.
  const Outcome ok = run_timed(
      {"run", grid, "--dry-run", "--idle-baseline-s", "0", "--pause-s", "600", "--repeats", "1000"},
      60);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

// Every line of runs.jsonl parses; returns the rows.
std::vector<nlohmann::json> jsonl_checked(const std::string& path) {
  std::vector<nlohmann::json> out;
  for (const auto& l : lines_of(path)) {
    auto j = nlohmann::json::parse(l, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << path << ": " << l;
    out.push_back(j);
  }
  return out;
}

TEST(CliHostile, SighupStopsAGridAsSigtermDoesAndResumeCompletesIt) {
  Folder f;
  const std::string grid = f.write("slow.yaml", kSlowGrid), out = f.dir + "/res";
  const int pid = testing::cli_spawn({"run", grid, "--out", out}, {}, f.dir + "/o", f.dir + "/e");
  // Once the idle baseline is measured, the first run is in flight.
  for (int i = 0; i < 1200 && slurp(f.dir + "/e").find("idle power ") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  kill(pid, SIGHUP);
  EXPECT_EQ(testing::cli_wait(pid), 128 + SIGHUP) << slurp(f.dir + "/e");
  const auto runs = jsonl_checked(out + "/runs.jsonl");
  ASSERT_GE(runs.size(), 1u);
  EXPECT_EQ(runs.back()["status"], "interrupted");
  const auto meta = nlohmann::json::parse(slurp(out + "/meta.json"));
  EXPECT_TRUE(meta.contains("end_time"));
  EXPECT_EQ(meta["interrupted"], true);
  const auto r = testing::cli_run({"run", grid, "--out", out, "--resume"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto all = jsonl_checked(out + "/runs.jsonl");
  ASSERT_EQ(all.size(), 2u);
  for (const auto& run : all) EXPECT_EQ(run["status"], "ok");
}

// `greenbench run grid.yaml 2>&1 | head -1`: the reader goes away after one line; the grid
// still finishes, every run written, and the exit code is the grid's.
TEST(CliHostile, AClosedPipeOnStdoutAndStderrOnlyStopsTheProgressLines) {
  Folder f;
  const std::string grid = f.write("tiny.yaml", kTinyGrid), out = f.dir + "/res";
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    execl(GREENBENCH_BIN, GREENBENCH_BIN, "run", grid.c_str(), "--out", out.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  std::string first;
  char c = 0;
  while (read(fds[0], &c, 1) == 1 && c != '\n') first += c;
  close(fds[0]);  // head -1 exits
  EXPECT_FALSE(first.empty());
  EXPECT_EQ(testing::cli_wait(pid), 0) << "first line: " << first;
  const auto runs = jsonl_checked(out + "/runs.jsonl");
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& run : runs) EXPECT_EQ(run["status"], "ok");
  EXPECT_TRUE(nlohmann::json::parse(slurp(out + "/meta.json")).contains("end_time"));
}

// `greenbench run grid.yaml >&- 2>&-`: the files the grid opens must not take descriptors 1
// and 2, or the progress lines would be written into them.
TEST(CliHostile, ClosedStdoutAndStderrDoNotLandInTheResults) {
  Folder f;
  const std::string grid = f.write("tiny.yaml", kTinyGrid), out = f.dir + "/res";
  const Outcome o = run_timed({"run", grid, "--out", out}, 120, [] {
    close(1);
    close(2);
  });
  EXPECT_EQ(o.exit_code, 0);
  ASSERT_EQ(jsonl_checked(out + "/runs.jsonl").size(), 2u);
  for (const char* file : {"/runs.csv", "/epochs.csv", "/runs.jsonl"}) {
    const std::string text = slurp(out + file);
    EXPECT_EQ(text.find("greenbench"), std::string::npos) << file << ":\n" << text;
    EXPECT_EQ(text.find("idle power"), std::string::npos) << file << ":\n" << text;
  }
}

TEST(CliHostile, GridFilesThatAreDevicesDirectoriesOrHugeAreExitTwo) {
  Folder f;
  const Outcome zero = run_timed({"run", "/dev/zero", "--dry-run"}, 30);
  EXPECT_EQ(zero.exit_code, 2) << zero.err;
  EXPECT_NE(zero.err.find("/dev/zero: not a regular file"), std::string::npos) << zero.err;
  EXPECT_LT(zero.seconds, 2.0);
  const Outcome dir = run_timed({"run", f.dir, "--dry-run"}, 30);
  EXPECT_EQ(dir.exit_code, 2) << dir.err;
  EXPECT_NE(dir.err.find(f.dir + ": is a directory"), std::string::npos) << dir.err;
  std::string big = kTinyGrid;
  while (big.size() <= (size_t(4) << 20)) big += "# " + std::string(98, 'x') + "\n";
  const std::string big_path = f.write("big.yaml", big);
  const Outcome huge = run_timed({"run", big_path, "--dry-run"}, 30);
  EXPECT_EQ(huge.exit_code, 2) << huge.err;
  EXPECT_NE(huge.err.find("larger than 4 MiB"), std::string::npos) << huge.err;
  // A pipe (`run <(generate-grid)`) is still read.
  const std::string fifo = f.dir + "/fifo.yaml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] { std::ofstream(fifo) << kTinyGrid; });
  const Outcome piped = run_timed({"run", fifo, "--dry-run"}, 60);
  writer.join();
  EXPECT_EQ(piped.exit_code, 0) << piped.err;
}

TEST(CliHostile, FilterRunsInLinearTime) {
  Folder f;
  const std::string grid = f.write("tiny.yaml", kTinyGrid);
  // Exponential for a backtracking engine (std::regex) on any label of ~30 characters.
  const Outcome bad = run_timed({"run", grid, "--dry-run", "--filter", "(.*.*)*q"}, 30);
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_NE(bad.err.find("matches none of the 2 runs"), std::string::npos) << bad.err;
  EXPECT_LT(bad.seconds, 10.0);
  const auto one = testing::cli_run({"run", grid, "--dry-run", "--filter", "hidden=\\[32\\]$"});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("1 runs of 2"), std::string::npos) << one.out;
  const auto backref = testing::cli_run({"run", grid, "--dry-run", "--filter", "(1)\\1"});
  EXPECT_EQ(backref.exit_code, 2);
  EXPECT_NE(backref.err.find("not a valid regular expression"), std::string::npos) << backref.err;
  const auto huge = testing::cli_run({"run", grid, "--dry-run", "--filter", "((a{100}){100})"});
  EXPECT_EQ(huge.exit_code, 2) << huge.err;
}

// `meter --json -- true > /dev/full` (or with stdout closed) loses the result: exit 1 and a
// message on stderr, never exit 0 in silence.
TEST(CliHostile, MeterJsonThatCannotBeWrittenIsExitOne) {
  const std::vector<std::string> args = {"meter", "--json", "--source", "estimate", "--", "true"};
  const Outcome full = run_timed(args, 30, [] {
    const int fd = open("/dev/full", O_WRONLY);
    dup2(fd, 1);
  });
  EXPECT_EQ(full.exit_code, 1) << full.err;
  EXPECT_NE(full.err.find("cannot write the JSON to stdout"), std::string::npos) << full.err;
  const Outcome closed = run_timed(args, 30, [] { close(1); });
  EXPECT_EQ(closed.exit_code, 1) << closed.err;
  EXPECT_NE(closed.err.find("cannot write the JSON to stdout"), std::string::npos) << closed.err;
  const Outcome ok = run_timed(args, 30);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

}  // namespace
}  // namespace greenbench
