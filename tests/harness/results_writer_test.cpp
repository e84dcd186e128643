// Tests of the one results writer: results/README.md's columns in order, RFC 4180 quoting of
// lists, the repairs on --resume (torn last lines, interrupted runs, epoch rows without a run
// row, a CSV row lost between the JSONL and CSV appends) with the reader's rules, the folder's
// lock, links and stray files refused, traces written whole. Not the runner.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "files.hpp"
#include "folder_lock.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::lines_of;
using testing::slurp;

RunRecord record(const std::string& id, const std::string& status = "ok") {
  RunRecord r;
  r.run_id = id;
  r.config_id = id.substr(0, id.find('-'));
  r.workload = "mlp";
  r.status = status;
  r.config = {{"hidden", {256, 128}}, {"batch_size", 64}, {"train_samples", 100}};
  r.params = 1000;
  r.macs_per_sample = 2500;
  r.energy_j = 12.5;
  r.meter_source = "estimate";
  r.estimated = true;
  return r;
}

std::vector<EpochRow> epochs_for(const std::string& id) {
  return {EpochRow{id, 1, "train", 1.0, 10.0, 100, 0.5, 0.8, 0},
          EpochRow{id, 1, "infer", 0.2, 2.5, 50, 0.6, 0.75, 0}};
}

using Folder = testing::TempFolder;

TEST(ResultsWriter, HeaderFollowsTheSpecAndListsAreQuotedJson) {
  Folder f;
  {
    ResultsWriter w(f.dir, {"batch_size", "hidden", "train_samples"}, false);
    w.run_append(record("aaaa-r0"), epochs_for("aaaa-r0"));
  }
  auto runs = lines_of(f.dir + "/runs.csv");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(
      runs[0].rfind(
          "run_id,config_id,repeat,workload,status,error,batch_size,hidden,params,macs_per_sample,"
          "macs_param,train_samples,test_samples,",
          0),
      0u)
      << runs[0];
  EXPECT_NE(runs[0].find(",co2_g,meter_source,estimated"), std::string::npos);
  EXPECT_NE(runs[1].find(",64,\"[256,128]\",1000,2500,2.5,"), std::string::npos) << runs[1];
  auto epochs = lines_of(f.dir + "/epochs.csv");
  ASSERT_EQ(epochs.size(), 3u);
  EXPECT_EQ(epochs[0],
            "run_id,epoch,phase,seconds,energy_j,samples,loss,accuracy,tokens,energy_model_j");
  EXPECT_EQ(epochs[1], "aaaa-r0,1,train,1,10,100,0.5,0.8,0,");  // no model figure: empty
  auto j = nlohmann::json::parse(lines_of(f.dir + "/runs.jsonl")[0]);
  EXPECT_EQ(j["hidden"], nlohmann::json({256, 128}));
  EXPECT_TRUE(j["test_loss"].is_null());  // NaN is null in JSON, empty in CSV
}

TEST(ResultsWriter, ExistingResultsAreNeverOverwrittenWithoutResume) {
  Folder f;
  { ResultsWriter(f.dir, {}, false).run_append(record("aaaa-r0"), {}); }
  const std::string before = slurp(f.dir + "/runs.csv");
  EXPECT_THROW(ResultsWriter(f.dir, {}, false), InputError);
  EXPECT_EQ(slurp(f.dir + "/runs.csv"), before);
}

TEST(ResultsWriter, ResumeRepairsTornLinesAndDropsInterruptedRuns) {
  Folder f;
  {
    ResultsWriter w(f.dir, {"batch_size"}, false);
    w.run_append(record("aaaa-r0"), epochs_for("aaaa-r0"));
    w.run_append(record("bbbb-r0", "interrupted"), epochs_for("bbbb-r0"));
    w.run_append(record("cccc-r0", "diverged"), epochs_for("cccc-r0"));
  }
  // A crash mid-append of a fourth run: epoch rows written, its run row torn in both files.
  std::ofstream(f.dir + "/epochs.csv", std::ios::app)
      << "dddd-r0,1,train,1,10,100,0.5,0.8,0,10\ndddd-r0,1,inf";
  std::ofstream(f.dir + "/runs.jsonl", std::ios::app) << "{\"run_id\":\"dddd-r0\",\"sta";
  ResultsWriter w(f.dir, {"batch_size"}, true);
  EXPECT_EQ(w.finished(), (std::set<std::string>{"aaaa-r0", "cccc-r0"}));
  auto runs = lines_of(f.dir + "/runs.csv");
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[1].rfind("aaaa-r0,", 0), 0u);
  EXPECT_EQ(runs[2].rfind("cccc-r0,", 0), 0u);
  for (const auto& l : lines_of(f.dir + "/runs.jsonl"))
    EXPECT_FALSE(nlohmann::json::parse(l).is_discarded());
  EXPECT_EQ(lines_of(f.dir + "/runs.jsonl").size(), 2u);
  for (const auto& l : lines_of(f.dir + "/epochs.csv"))
    EXPECT_TRUE(l.rfind("run_id", 0) == 0 || l.rfind("aaaa", 0) == 0 || l.rfind("cccc", 0) == 0)
        << l;
  // Running the interrupted one again appends exactly one row for it.
  w.run_append(record("bbbb-r0"), epochs_for("bbbb-r0"));
  EXPECT_EQ(lines_of(f.dir + "/runs.csv").size(), 4u);
}

TEST(ResultsWriter, ResumeKeepsTheColumnsOfAFolderAnEarlierVersionWrote) {
  Folder f;
  { ResultsWriter(f.dir, {}, false).run_append(record("aaaa-r0"), epochs_for("aaaa-r0")); }
  // An earlier version's epochs.csv: the same rows without the last column (energy_model_j).
  std::string old_epochs;
  for (const auto& l : lines_of(f.dir + "/epochs.csv"))
    old_epochs += l.substr(0, l.rfind(',')) + "\n";
  std::ofstream(f.dir + "/epochs.csv", std::ios::trunc) << old_epochs;
  {
    ResultsWriter w(f.dir, {}, true);
    w.run_append(record("bbbb-r0"), epochs_for("bbbb-r0"));
  }
  const auto lines = lines_of(f.dir + "/epochs.csv");
  const auto cells = [](const std::string& l) { return std::count(l.begin(), l.end(), ',') + 1; };
  ASSERT_GT(lines.size(), 2u);
  for (const auto& l : lines) EXPECT_EQ(cells(l), cells(lines[0])) << l;
  EXPECT_EQ(lines.back().rfind("bbbb-r0,", 0), 0u);
  f.write("meta.json", R"({"schema_version": 1})");
  const ResultsFolder folder = results_folder_read(f.dir);  // reads cleanly
  EXPECT_EQ(folder.runs.size(), 2u);
}

TEST(ResultsWriter, ResumeRestoresACsvRowLostAfterTheJsonlAppend) {
  Folder f;
  {
    ResultsWriter w(f.dir, {}, false);
    w.run_append(record("aaaa-r0"), {});
    w.run_append(record("bbbb-r0"), {});
  }
  auto runs = lines_of(f.dir + "/runs.csv");
  std::ofstream(f.dir + "/runs.csv", std::ios::trunc) << runs[0] << "\n"
                                                      << runs[1] << "\n";  // bbbb lost
  ResultsWriter w(f.dir, {}, true);
  auto repaired = lines_of(f.dir + "/runs.csv");
  ASSERT_EQ(repaired.size(), 3u);
  EXPECT_EQ(repaired[2], runs[2]);
}

std::string error_of(const std::string& dir, bool resume) {
  try {
    ResultsWriter w(dir, {}, resume);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// Issue 13 item 6: one writer per folder, for its whole life.
TEST(ResultsWriter, ASecondWriterIsRefusedNamingTheHolder) {
  Folder f;
  {
    ResultsWriter first(f.dir, {}, false);
    const std::string msg = error_of(f.dir, true);
    EXPECT_NE(msg.find("in use by another writer: pid " + std::to_string(getpid()) + " on host "),
              std::string::npos)
        << msg;
    first.run_append(record("aaaa-r0"), {});  // the first one is unharmed
  }
  EXPECT_EQ(lines_of(f.dir + "/runs.csv").size(), 2u);
  ResultsWriter again(f.dir, {}, true);  // released with its writer
  EXPECT_EQ(again.finished(), (std::set<std::string>{"aaaa-r0"}));
}

// A process that died holding the lock: the kernel released the flock; its record is left.
TEST(ResultsWriter, ALockLeftByADeadWriterIsTakenOver) {
  Folder f;
  { ResultsWriter(f.dir, {}, false).run_append(record("aaaa-r0"), {}); }
  std::ofstream(f.dir + "/.greenbench.lock") << "pid 999999 on host gone, greenbench run since x\n";
  {
    FolderLock lock(f.dir, "test");
    EXPECT_EQ(lock.previous(), "pid 999999 on host gone, greenbench run since x");
    EXPECT_NE(folder_lock_holder(f.dir).value_or("").find("pid " + std::to_string(getpid())),
              std::string::npos);
  }
  EXPECT_FALSE(folder_lock_holder(f.dir).has_value());
  std::ofstream(f.dir + "/.greenbench.lock") << "pid 999999 on host gone, greenbench run since x\n";
  ResultsWriter w(f.dir, {}, true);
  EXPECT_EQ(w.finished().size(), 1u);
}

// Issue 18 item 5: files the writer did not write are refused, and left as they are.
TEST(ResultsWriter, AStrayRunsCsvIsRefused) {
  Folder f;
  std::ofstream(f.dir + "/runs.csv") << "X\n";
  for (bool resume : {false, true}) {
    const std::string msg = error_of(f.dir, resume);
    EXPECT_NE(msg.find("holds runs.csv but no runs.jsonl"), std::string::npos) << msg;
  }
  EXPECT_EQ(slurp(f.dir + "/runs.csv"), "X\n");
  EXPECT_FALSE(fs::exists(f.dir + "/runs.jsonl"));
  // With a runs.jsonl, a runs.csv that is not the writer's is a reader's error at file:line.
  std::ofstream(f.dir + "/runs.jsonl") << "";
  EXPECT_NE(error_of(f.dir, true).find("runs.csv:1:1: bad header"), std::string::npos)
      << error_of(f.dir, true);
  EXPECT_EQ(slurp(f.dir + "/runs.csv"), "X\n");
}

// Issue 18 item 8: a non-string run_id or status in runs.jsonl is exit 2 with file:line.
TEST(ResultsWriter, ResumeRefusesRowsOfTheWrongType) {
  Folder f;
  { ResultsWriter(f.dir, {}, false).run_append(record("aaaa-r0"), {}); }
  std::ofstream(f.dir + "/runs.jsonl", std::ios::app) << R"({"run_id":["x"],"status":"ok"})"
                                                      << "\n";
  EXPECT_NE(error_of(f.dir, true).find("runs.jsonl:2:1: run_id [\"x\"] is not a valid run id"),
            std::string::npos)
      << error_of(f.dir, true);
  fs::remove(f.dir + "/runs.jsonl");
  fs::create_directory(f.dir + "/runs.jsonl");
  EXPECT_NE(error_of(f.dir, true).find("runs.jsonl: is a folder, not a file"), std::string::npos)
      << error_of(f.dir, true);
}

// Issue 18 item 2: a link planted in the folder is never written through.
TEST(ResultsWriter, LinksInTheFolderAreRefusedAndTheirTargetsUntouched) {
  Folder f, elsewhere;
  const std::string target = elsewhere.dir + "/precious";
  for (const char* name : {"runs.csv", "runs.jsonl", "epochs.csv", "meta.json",
                           "traces/aaaa-r0.csv", "traces", ".greenbench.lock"}) {
    std::ofstream(target) << "precious\n";
    fs::remove_all(f.dir);
    fs::create_directories(f.dir + "/traces");
    if (std::string(name) == "traces") fs::remove(f.dir + "/traces");
    ASSERT_EQ(symlink(std::string(name) == "traces" ? elsewhere.dir.c_str() : target.c_str(),
                      (f.dir + "/" + name).c_str()),
              0);
    const std::string msg = error_of(f.dir, false);
    EXPECT_NE(msg.find(f.dir + "/" + name + ": is a symbolic link"), std::string::npos)
        << name << ": " << msg;
    EXPECT_EQ(slurp(target), "precious\n") << name;
  }
}

// Issue 18 item 9: a failed trace write names the error and leaves no partial file.
TEST(ResultsWriter, AFailedTraceWriteLeavesNoFile) {
  Folder f;
  ResultsWriter w(f.dir, {}, false);
  w.trace_write("aaaa-r0", "t_s,cpu_w\n0.1,5\n");
  EXPECT_EQ(slurp(f.dir + "/traces/aaaa-r0.csv"), "t_s,cpu_w\n0.1,5\n");
  EXPECT_THROW(w.trace_write("../x", "t_s\n"), std::logic_error);
  struct rlimit old {};
  getrlimit(RLIMIT_FSIZE, &old);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = {64, old.rlim_max};
  setrlimit(RLIMIT_FSIZE, &small);
  std::string msg;
  try {
    w.trace_write("bbbb-r0", "t_s,cpu_w\n" + std::string(200, '1') + "\n");
  } catch (const std::runtime_error& e) {
    msg = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(msg.find("File too large"), std::string::npos) << msg;
  EXPECT_NE(msg.find("--resume"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(f.dir + "/traces/bbbb-r0.csv"));
  EXPECT_FALSE(fs::exists(f.dir + "/traces/bbbb-r0.csv.tmp"));
}

TEST(ResultsWriter, UnwritableFolderIsAnInputError) {
  EXPECT_THROW(ResultsWriter("/proc/greenbench-cannot-write-here", {}, false), InputError);
}

}  // namespace
}  // namespace greenbench
