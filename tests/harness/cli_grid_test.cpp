// End-to-end `greenbench run GRID.yaml` through the real binary: the CSV/JSONL schema of a real
// tiny grid, --dry-run, --filter, shards that together make the whole grid, Ctrl-C and kill -9
// then --resume (one row per run, well-formed files), a full disk (file-size limit) as exit 1
// with nothing written damaged, and an unwritable folder as exit 2 before any work.
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "files.hpp"
#include "greenbench/results.hpp"
#include "grid_yaml.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::lines_of;
using testing::slurp;

// Every line of runs.jsonl parses and ends with a newline; returns the rows.
std::vector<nlohmann::json> jsonl_checked(const std::string& path) {
  const std::string text = slurp(path);
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "torn last line in " << path;
  std::vector<nlohmann::json> out;
  for (const auto& l : lines_of(path)) {
    auto j = nlohmann::json::parse(l, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << l;
    out.push_back(j);
  }
  return out;
}

// Each CSV line has as many cells as the header (quoted commas respected), and no torn line.
void csv_check(const std::string& path, size_t* rows = nullptr) {
  const std::string text = slurp(path);
  ASSERT_FALSE(text.empty()) << path;
  EXPECT_EQ(text.back(), '\n') << "torn last line in " << path;
  auto cells = [](const std::string& line) {
    size_t n = 1;
    bool quoted = false;
    for (char c : line) {
      if (c == '"')
        quoted = !quoted;
      else if (c == ',' && !quoted)
        ++n;
    }
    return n;
  };
  const auto lines = lines_of(path);
  for (const auto& l : lines) EXPECT_EQ(cells(l), cells(lines[0])) << path << ": " << l;
  if (rows) *rows = lines.size() - 1;
}

using Folder = testing::TempFolder;

// 2 mlp widths x 2 batch sizes + 1 cnn = 5 runs on synthetic data, a second or so each.
const std::string kTinyGrid = [] {
  testing::QuickGrid g = testing::tiny_grid();
  g.more = "repeats: 1\ncarbon: {intensity_g_per_kwh: 100, pue: 1.5}\n";
  g.experiments = R"(
  - workload: mlp
    phases: [train, infer]
    set: {learning_rate: 0.05}
    grid:
      hidden: [[16], [32, 16]]
      batch_size: [16, 64]
  - workload: cnn
    phases: [train, infer]
    set: {arch: custom, conv: [4], fc: [16], batch_size: 32}
)";
  return testing::quick_grid_yaml(g);
}();

std::vector<std::string> grid_args(const std::string& grid, const std::string& out,
                                   std::vector<std::string> extra = {}) {
  std::vector<std::string> a = {"run", grid, "--out", out};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

TEST(CliGrid, TinyGridWritesTheSchemaOfSpec4) {
  Folder f;
  const std::string grid = f.write("tiny.yaml", kTinyGrid), out = f.dir + "/res";
  auto r = testing::cli_run(grid_args(grid, out));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // runs.csv: the fixed columns in the writer's order (results/README.md) around every workload key
  // (sorted).
  auto header = lines_of(out + "/runs.csv")[0];
  std::vector<std::string> cols;
  std::stringstream hs(header);
  for (std::string c; std::getline(hs, c, ',');) cols.push_back(c);
  std::vector<std::string> want = runs_columns_before_keys();
  for (const char* k : {"activation", "arch", "batch_size", "conv", "dataset", "epochs", "fc",
                        "hidden", "infer_batch_size", "input_shape", "kernel", "learning_rate",
                        "momentum", "optimizer", "seed", "threads", "weight_decay"})
    want.push_back(k);
  for (const auto& c : runs_columns_after_keys()) want.push_back(c);
  EXPECT_EQ(cols, want);
  size_t csv_rows = 0;
  csv_check(out + "/runs.csv", &csv_rows);
  EXPECT_EQ(csv_rows, 5u);
  const auto runs = jsonl_checked(out + "/runs.jsonl");
  ASSERT_EQ(runs.size(), 5u);
  std::set<std::string> ids;
  for (const auto& run : runs) {
    ids.insert(run["run_id"].get<std::string>());
    EXPECT_EQ(run["status"], "ok");
    for (const auto& c : runs_columns_before_keys()) EXPECT_TRUE(run.contains(c)) << c;
    for (const auto& c : runs_columns_after_keys()) EXPECT_TRUE(run.contains(c)) << c;
    EXPECT_EQ(run["train_samples"], 600);
    EXPECT_EQ(run["test_samples"], 200);
    EXPECT_EQ(run["epochs"], 2);
    EXPECT_NEAR(run["co2_g"].get<double>(), run["energy_j"].get<double>() / 3.6e6 * 100 * 1.5,
                1e-9);
    EXPECT_EQ(run["meter_source"], "estimate");
  }
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(runs[0]["hidden"], nlohmann::json::array({16}));
  EXPECT_EQ(runs[0]["batch_size"], 16);
  EXPECT_EQ(runs[1]["batch_size"], 64);
  EXPECT_EQ(runs[4]["workload"], "cnn");
  EXPECT_EQ(runs[4]["params"], 4 * 9 + 4 + 4 * 14 * 14 * 16 + 16 + 16 * 10 + 10);
  size_t epoch_rows = 0;
  csv_check(out + "/epochs.csv", &epoch_rows);
  EXPECT_EQ(epoch_rows, 5u * 2 * 2);  // runs x epochs x (train, infer)
  for (const auto& id : ids) EXPECT_TRUE(fs::exists(out + "/traces/" + id + ".csv")) << id;
  auto meta = nlohmann::json::parse(std::ifstream(out + "/meta.json"));
  EXPECT_EQ(meta["grid_name"], "tiny");
  EXPECT_EQ(meta["grid"], kTinyGrid);
  EXPECT_EQ(meta["runs_in_grid"], 5);
  EXPECT_EQ(meta["shard"]["count"], 1);
  EXPECT_TRUE(meta.contains("grid_id"));
  EXPECT_TRUE(meta.contains("end_time"));
  // Not a terminal: one plain line per finished run.
  for (int i = 1; i <= 5; ++i)
    EXPECT_NE(r.err.find("[" + std::to_string(i) + "/5] "), std::string::npos) << r.err;
}

// On a terminal (a pseudo-terminal here) the runner draws the bar instead of plain lines.
TEST(CliGrid, OnATerminalProgressIsABar) {
  Folder f;
  const std::string grid = f.write("tiny.yaml", kTinyGrid);
  const auto args = grid_args(grid, f.dir + "/res", {"--filter", "hidden=\\[16\\]"});
  int master = -1;
  struct winsize ws {};
  ws.ws_row = 24;
  ws.ws_col = 200;  // wide enough for the whole label
  const pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::vector<char*> argv = {const_cast<char*>(GREENBENCH_BIN)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(GREENBENCH_BIN, argv.data());
    _exit(127);
  }
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(master, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  EXPECT_NE(out.find("\r\033[K[############------------] 1/2 runs"), std::string::npos) << out;
  EXPECT_NE(out.find("\r\033[K[########################] 2/2 runs"), std::string::npos) << out;
  EXPECT_NE(out.find("ETA "), std::string::npos) << out;
  EXPECT_NE(out.find("now: mlp learning_rate=0.05 hidden=[16] batch_size=16"), std::string::npos)
      << out;
  EXPECT_EQ(out.find("[1/2] "), std::string::npos) << out;  // no plain lines for ok runs
}

TEST(CliGrid, DryRunListsRunsAndTimeAndRunsNothing) {
  Folder f;
  const std::string grid = f.write("tiny.yaml", kTinyGrid);
  auto r = testing::cli_run(grid_args(grid, f.dir + "/res", {"--dry-run"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(fs::exists(f.dir + "/res"));
  const auto lines = [&] {
    std::vector<std::string> v;
    std::stringstream ss(r.out);
    for (std::string l; std::getline(ss, l);) v.push_back(l);
    return v;
  }();
  ASSERT_EQ(lines.size(), 1u + 5u + 2u) << r.out;  // header, runs, count, time
  EXPECT_NE(lines[1].find("mlp learning_rate=0.05 hidden=[16] batch_size=16"), std::string::npos)
      << r.out;
  EXPECT_NE(lines[1].find(std::to_string(784 * 16 + 16 + 16 * 10 + 10)), std::string::npos)
      << lines[1];
  EXPECT_NE(r.out.find("5 runs of 5 in grid tiny (5 configurations x 1 repeats)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("expected time: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("GFLOP/s sgemm on one thread"), std::string::npos) << r.out;
  // --set applies to every experiment, and --filter narrows.
  auto r2 = testing::cli_run(
      grid_args(grid, f.dir + "/res", {"--dry-run", "--set", "epochs=3", "--filter", "^cnn"}));
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_NE(r2.out.find("1 runs of 5"), std::string::npos) << r2.out;
  EXPECT_NE(r2.out.find("epochs=3"), std::string::npos) << r2.out;
  auto none = testing::cli_run(grid_args(grid, f.dir + "/res", {"--dry-run", "--filter", "vit"}));
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("matches none of the 5 runs"), std::string::npos) << none.err;
}

TEST(CliGrid, ShardsTogetherRunTheWholeGridOnce) {
  Folder f;
  const std::string grid = f.write("tiny.yaml", kTinyGrid);
  std::multiset<std::string> ids;
  std::set<std::string> grid_ids;
  for (int i = 0; i < 3; ++i) {
    const std::string out = f.dir + "/shard" + std::to_string(i);
    auto r = testing::cli_run(
        grid_args(grid, out, {"--shard", std::to_string(i) + "/3", "--set", "epochs=1"}));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const auto& run : jsonl_checked(out + "/runs.jsonl"))
      ids.insert(run["run_id"].get<std::string>());
    grid_ids.insert(
        nlohmann::json::parse(std::ifstream(out + "/meta.json"))["grid_id"].get<std::string>());
  }
  auto whole =
      testing::cli_run(grid_args(grid, f.dir + "/all", {"--dry-run", "--set", "epochs=1"}));
  ASSERT_EQ(whole.exit_code, 0);
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 5u);  // none twice
  for (const auto& id : ids) EXPECT_NE(whole.out.find(id), std::string::npos) << id;
  EXPECT_EQ(grid_ids.size(), 1u);  // the shards know they belong to one grid
}

std::string slow_grid(Folder& f) {
  // 3 runs; each a few seconds, so signals land inside a run.
  return f.write("slow.yaml", testing::quick_grid_yaml(
                                  {.name = "slow",
                                   .idle_s = "0.1",
                                   .pause_s = "0.3",
                                   .defaults = "train_samples: 3000, test_samples: 500, epochs: 4",
                                   .mlp_grid = "hidden: [[32], [48], [64]]"}));
}

// Starts the slow grid into `out` and returns its pid once its first run is written and
// `settle_ms` more have passed (so the signal lands inside a later run).
int slow_grid_spawn(const Folder& f, const std::string& grid, const std::string& out,
                    int settle_ms) {
  const int pid = testing::cli_spawn(grid_args(grid, out), {}, f.dir + "/o", f.dir + "/e");
  for (int i = 0; i < 600 && lines_of(out + "/runs.jsonl").empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms));
  return pid;
}

// The slow grid's three runs, each once, in runs.jsonl and runs.csv, and all their epoch rows
// (4 epochs x train and infer) in epochs.csv; returns the runs.
std::vector<nlohmann::json> expect_three_runs_once(const std::string& out) {
  const auto runs = jsonl_checked(out + "/runs.jsonl");
  EXPECT_EQ(runs.size(), 3u);
  std::set<std::string> ids;
  for (const auto& run : runs) ids.insert(run["run_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 3u);
  size_t rows = 0;
  csv_check(out + "/runs.csv", &rows);
  EXPECT_EQ(rows, 3u);
  csv_check(out + "/epochs.csv", &rows);
  EXPECT_EQ(rows, 3u * 4 * 2);
  return runs;
}

TEST(CliGrid, CtrlCThenResumeCompletesEveryRunOnce) {
  Folder f;
  const std::string grid = slow_grid(f), out = f.dir + "/res";
  const int pid = slow_grid_spawn(f, grid, out, 400);
  kill(pid, SIGINT);
  EXPECT_EQ(testing::cli_wait(pid), 130);
  const auto runs = jsonl_checked(out + "/runs.jsonl");
  ASSERT_GE(runs.size(), 2u);
  EXPECT_EQ(runs.back()["status"], "interrupted");
  auto r = testing::cli_run(grid_args(grid, out, {"--resume"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& run : expect_three_runs_once(out)) EXPECT_EQ(run["status"], "ok");
}

TEST(CliGrid, KillNineThenResumeCompletesEveryRunOnce) {
  Folder f;
  const std::string grid = slow_grid(f), out = f.dir + "/res";
  const int pid = slow_grid_spawn(f, grid, out, 700);
  kill(pid, SIGKILL);
  testing::cli_wait(pid);
  const size_t before = jsonl_checked(out + "/runs.jsonl").size();
  ASSERT_GE(before, 1u);
  ASSERT_LT(before, 3u);
  auto r = testing::cli_run(grid_args(grid, out, {"--resume"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(std::to_string(before) + " of 3 runs already finished"), std::string::npos)
      << r.err;
  expect_three_runs_once(out);
}

// Runs the binary with a file-size limit (every file it writes is cut off at `limit_bytes`,
// as a full disk would), returning its exit code.
int run_with_file_limit(const std::vector<std::string>& args, rlim_t limit_bytes,
                        const std::string& err_path) {
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit rl {
      limit_bytes, limit_bytes
    };
    setrlimit(RLIMIT_FSIZE, &rl);
    freopen(err_path.c_str(), "w", stderr);
    freopen("/dev/null", "w", stdout);
    std::vector<char*> argv = {const_cast<char*>(GREENBENCH_BIN)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(GREENBENCH_BIN, argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(CliGrid, AFullDiskIsExitOneAndDamagesNothing) {
  Folder f;
  const std::string grid = f.write(
      "many.yaml",
      testing::quick_grid_yaml({.name = "many",
                                .defaults = "train_samples: 200, test_samples: 100, epochs: 1",
                                .mlp_grid = "seed: [1, 2, 3, 4, 5, 6, 7, 8]"}));
  const std::string out = f.dir + "/res";
  // Each runs.jsonl row is about 1 KB; meta.json a few: a limit of 5 KB fills up mid-grid.
  const int code = run_with_file_limit(grid_args(grid, out), 5000, f.dir + "/err");
  const std::string err = slurp(f.dir + "/err");
  EXPECT_EQ(code, 1) << err;
  EXPECT_NE(err.find("File too large"), std::string::npos) << err;
  const auto rows = jsonl_checked(out + "/runs.jsonl");
  EXPECT_GE(rows.size(), 1u);
  EXPECT_LT(rows.size(), 8u);
  size_t csv_rows = 0;
  csv_check(out + "/runs.csv", &csv_rows);
  EXPECT_LE(csv_rows, rows.size());
  nlohmann::json meta;
  EXPECT_NO_THROW(meta = nlohmann::json::parse(std::ifstream(out + "/meta.json")));
  // Space again: --resume completes the grid with one row per run.
  auto r = testing::cli_run(grid_args(grid, out, {"--resume"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto all = jsonl_checked(out + "/runs.jsonl");
  ASSERT_EQ(all.size(), 8u);
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(all[i], rows[i]);  // earlier rows untouched
  std::set<std::string> ids;
  for (const auto& run : all) ids.insert(run["run_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 8u);
  csv_check(out + "/runs.csv", &csv_rows);
  EXPECT_EQ(csv_rows, 8u);
  csv_check(out + "/epochs.csv", &csv_rows);
  EXPECT_EQ(csv_rows, 8u * 2);
}

TEST(CliGrid, UnwritableFolderIsExitTwoBeforeAnyWork) {
  Folder f;
  const std::string grid = f.write("tiny.yaml", kTinyGrid);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = testing::cli_run(grid_args(grid, "/proc/greenbench-no-such-place/res"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("/proc/greenbench-no-such-place/res"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("idle power"), std::string::npos) << r.err;  // no work started
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
  // A folder that already holds results, without --resume: exit 2, the results untouched.
  const std::string out = f.dir + "/res";
  fs::create_directories(out);
  std::ofstream(out + "/runs.jsonl") << "{\"run_id\":\"x-r0\",\"status\":\"ok\"}\n";
  auto again = testing::cli_run(grid_args(grid, out));
  EXPECT_EQ(again.exit_code, 2) << again.err;
  EXPECT_EQ(slurp(out + "/runs.jsonl"), "{\"run_id\":\"x-r0\",\"status\":\"ok\"}\n");
}

}  // namespace
}  // namespace greenbench
