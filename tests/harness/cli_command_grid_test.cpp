// Command workloads in grids end to end (docs/grids.md, "Command workloads"): a program's
// train and infer windows become epoch rows and the keys it reports fill the row's columns; a
// non-zero exit or a timeout is a failed row and the grid goes on; logs are kept per run;
// --resume runs nothing twice; grid keys a command does not use, and placeholders without a
// value, are exit 2 at their line. Plain python3 and sh (no torch).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::cli_run;
using testing::jsonl_of;
using testing::lines_of;
using testing::slurp;

const std::string kScripts = std::string(GREENBENCH_SOURCE_DIR) + "/tests/harness/windows/";

std::string grid_head(const std::string& name) {
  return "name: " + name + "\nmeter: estimate\nidle_baseline_s: 0\npause_s: 0\nexperiments:\n";
}

// epochs.csv as rows of cells (no quoted cells in these runs).
std::vector<std::vector<std::string>> csv_rows(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& line : lines_of(path)) {
    std::vector<std::string> cells;
    std::string cell;
    for (char c : line + ",") {
      if (c == ',') {
        cells.push_back(cell);
        cell.clear();
      } else {
        cell += c;
      }
    }
    rows.push_back(cells);
  }
  return rows;
}

TEST(CliCommandGrid, TwoScriptRunsAndAFailingCommandGiveTheirRowsAndTheGridGoesOn) {
  testing::TempFolder tmp("gb_cmd");
  const std::string grid = tmp.write(
      "cmds.yaml", grid_head("cmds") + "  - workload: command\n    command: [python3, " + kScripts +
                       "two_epochs.py, \"{accuracy}\", \"0.1\"]\n"
                       "    grid: {accuracy: [0.5, 0.75]}\n"
                       "  - workload: command\n"
                       "    command: [sh, -c, \"echo going down >&2; exit {code}\"]\n"
                       "    set: {code: 3}\n");
  const std::string out = tmp.dir + "/out";
  const auto r = cli_run({"run", grid, "--out", out});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // one run failed: exit 1, every row written
  const auto runs = jsonl_of(out + "/runs.jsonl");
  ASSERT_EQ(runs.size(), 3u) << r.err;
  std::vector<double> accuracies;
  std::map<std::string, std::string> status;
  for (const auto& run : runs) {
    EXPECT_EQ(run["workload"], "command");
    status[run["run_id"]] = run["status"];
    if (run["status"] != "ok") continue;
    accuracies.push_back(run["test_accuracy"].get<double>());
    EXPECT_DOUBLE_EQ(run["final_train_loss"].get<double>(), 0.5);  // epoch 2's loss
    EXPECT_EQ(run["train_samples"], 600);
    EXPECT_EQ(run["test_samples"], 100);
    EXPECT_GT(run["energy_train_j"].get<double>(), 0);
    EXPECT_GT(run["energy_infer_j"].get<double>(), 0);
    EXPECT_NEAR(run["energy_per_train_sample_j"].get<double>(),
                run["energy_train_j"].get<double>() / 1200, 1e-9);
    EXPECT_TRUE(run["command"].is_array()) << run.dump();  // the command is a key of the run
    EXPECT_EQ(run["warnings"], "") << run.dump();
    EXPECT_NE(slurp(out + "/logs/" + run["run_id"].get<std::string>() + ".stdout")
                  .find("two_epochs: done"),
              std::string::npos);
    EXPECT_EQ(lines_of(out + "/logs/" + run["run_id"].get<std::string>() + ".windows.jsonl").size(),
              6u);
  }
  EXPECT_EQ(accuracies, (std::vector<double>{0.5, 0.75}));
  const auto& failed = runs[2];
  EXPECT_EQ(failed["status"], "failed");
  const std::string error = failed["error"];
  EXPECT_NE(error.find("exited with code 3"), std::string::npos) << error;
  EXPECT_NE(error.find("stderr ends: going down"), std::string::npos) << error;
  EXPECT_EQ(slurp(out + "/logs/" + failed["run_id"].get<std::string>() + ".stderr"),
            "going down\n");

  // epochs.csv: two train and two infer rows per script run, epochs 1 and 2, none for the failure.
  const auto rows = csv_rows(out + "/epochs.csv");
  ASSERT_FALSE(rows.empty());
  const auto& h = rows[0];
  auto col = [&](const std::string& name) {
    return size_t(std::find(h.begin(), h.end(), name) - h.begin());
  };
  int trains = 0, infers = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& row = rows[i];
    EXPECT_EQ(status[row[col("run_id")]], "ok") << "no epoch row for the failed run";
    EXPECT_GT(std::stod(row[col("energy_j")]), 0);
    if (row[col("phase")] == "train") {
      ++trains;
      EXPECT_EQ(row[col("epoch")], std::to_string((trains - 1) % 2 + 1));
      EXPECT_EQ(row[col("samples")], "600");
    } else {
      ++infers;
      EXPECT_EQ(row[col("phase")], "infer");
      EXPECT_EQ(row[col("samples")], "100");
    }
  }
  EXPECT_EQ(trains, 4);
  EXPECT_EQ(infers, 4);

  // --resume: every run is finished (ok or failed): nothing runs again.
  const auto again = cli_run({"run", grid, "--out", out, "--resume"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("3 of 3 runs already finished"), std::string::npos) << again.err;
  EXPECT_EQ(jsonl_of(out + "/runs.jsonl").size(), 3u);

  // The folder is a results folder like any other.
  const auto analyzed = cli_run({"analyze", out});
  EXPECT_EQ(analyzed.exit_code, 0) << analyzed.err;
  const auto merged = cli_run({"merge", out, "-o", tmp.dir + "/merged"});
  EXPECT_EQ(merged.exit_code, 0) << merged.err;
  for (const auto& run : runs)  // merge keeps each run's logs with its row
    EXPECT_EQ(slurp(tmp.dir + "/merged/logs/" + run["run_id"].get<std::string>() + ".stderr"),
              slurp(out + "/logs/" + run["run_id"].get<std::string>() + ".stderr"));
  EXPECT_EQ(slurp(tmp.dir + "/merged/logs/" + runs[2]["run_id"].get<std::string>() + ".stderr"),
            "going down\n");
}

TEST(CliCommandGrid, ATimeoutIsAFailedRowAndAProgramWithoutWindowsIsOneTrainPhase) {
  testing::TempFolder tmp("gb_cmd");
  const std::string grid =
      tmp.write("t.yaml", grid_head("t") +
                              "  - workload: command\n    command: [sleep, \"{s}\"]\n"
                              "    set: {s: 30, timeout_s: 0.5}\n"
                              "  - workload: command\n    command: [sh, -c, \"sleep {s}\"]\n"
                              "    set: {s: 0.3}\n");
  const std::string out = tmp.dir + "/out";
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = cli_run({"run", grid, "--out", out});
  const double took_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_LT(took_s, 15) << "the 30 s sleep was ended at its timeout";
  const auto runs = jsonl_of(out + "/runs.jsonl");
  ASSERT_EQ(runs.size(), 2u) << r.err;
  EXPECT_EQ(runs[0]["status"], "failed");
  EXPECT_NE(runs[0]["error"].get<std::string>().find("timed out after 0.5 s (timeout_s)"),
            std::string::npos)
      << runs[0]["error"];
  EXPECT_EQ(runs[1]["status"], "ok") << runs[1].dump();
  EXPECT_GE(runs[1]["train_s"].get<double>(), 0.3);
  EXPECT_GT(runs[1]["energy_train_j"].get<double>(), 0);
  EXPECT_EQ(runs[1]["energy_infer_j"].get<double>(), 0);
  const auto rows = csv_rows(out + "/epochs.csv");
  ASSERT_EQ(rows.size(), 2u);  // the header and the one train phase of the ok run
  EXPECT_EQ(rows[1][0], runs[1]["run_id"]);
  EXPECT_EQ(rows[1][1], "1");
  EXPECT_EQ(rows[1][2], "train");
}

TEST(CliCommandGrid, CtrlCEndsTheProgramAndItsGroupAndWritesInterrupted) {
  testing::TempFolder tmp("gb_cmd");
  const std::string pid_file = tmp.dir + "/pid";
  const std::string grid = tmp.write(
      "i.yaml", grid_head("i") + "  - workload: command\n    command: [sh, -c, \"echo $$ > " +
                    pid_file + "; exec sleep {s}\"]\n    set: {s: 60}\n");
  const std::string out = tmp.dir + "/out";
  const int pid =
      testing::cli_spawn({"run", grid, "--out", out}, {}, tmp.dir + "/o.txt", tmp.dir + "/e.txt");
  for (int i = 0; i < 200 && slurp(pid_file).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const int child = std::atoi(slurp(pid_file).c_str());
  ASSERT_GT(child, 0) << slurp(tmp.dir + "/e.txt");
  kill(pid, SIGINT);
  EXPECT_EQ(testing::cli_wait(pid), 130) << slurp(tmp.dir + "/e.txt");
  EXPECT_NE(kill(child, 0), 0) << "the program outlived the grid";
  const auto runs = jsonl_of(out + "/runs.jsonl");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "interrupted");
}

TEST(CliCommandGrid, KeysTheCommandDoesNotUseAndPlaceholdersWithoutValuesAreExit2AtTheirLine) {
  testing::TempFolder tmp("gb_cmd");
  const std::string unused =
      tmp.write("u.yaml", grid_head("u") +
                              "  - workload: command\n    command: [echo, \"{width}\"]\n"
                              "    grid: {widht: [8, 16]}\n");
  auto r = cli_run({"run", unused, "--out", tmp.dir + "/o1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("u.yaml:8:12: widht: not used by the command of experiment 1"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("did you mean 'width'?"), std::string::npos) << r.err;
  const std::string missing =
      tmp.write("m.yaml", grid_head("m") +
                              "  - workload: command\n"
                              "    command: [echo, \"{width}\", \"{depth}\"]\n"
                              "    set: {width: 8}\n");
  r = cli_run({"run", missing, "--out", tmp.dir + "/o2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("m.yaml:7:14: command: placeholder {depth} has no value"), std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(tmp.dir + "/o1"));
  EXPECT_FALSE(fs::exists(tmp.dir + "/o2"));
  // --set fills a placeholder like a grid value; the command is part of the configuration, so
  // two commands with the same keys are two runs.
  const std::string two =
      tmp.write("two.yaml", grid_head("two") +
                                "  - workload: command\n    command: [true, \"{a}\"]\n"
                                "  - workload: command\n    command: [false, \"{a}\"]\n");
  r = cli_run({"run", two, "--dry-run", "--set", "a=1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 runs of 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("command a=1"), std::string::npos) << r.out;
  // profile meters steps of built-in workloads only: exit 2 before any work.
  const std::string one = tmp.write("one.yaml", grid_head("one") +
                                                    "  - workload: command\n    command: [true, "
                                                    "\"{a}\"]\n    set: {a: 1}\n");
  r = cli_run({"profile", one});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("profile runs built-in workloads only"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace greenbench
