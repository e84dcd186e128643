// Tests of the results writer: SPEC §4's columns in order, RFC 4180 quoting of lists, and the
// repairs on --resume (torn last lines, interrupted runs, epoch rows without a run row, a CSV
// row lost between the JSONL and CSV appends). Not the runner.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::slurp;
using testing::lines_of;

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
  return {EpochRow{id, 1, "train", 1.0, 10.0, 100, 0.5, 0.8, 0}, EpochRow{id, 1, "infer", 0.2, 2.5, 50, 0.6, 0.75, 0}};
}

struct Folder {
  std::string dir = testing::temp_dir_make("gb_results");
  ~Folder() { fs::remove_all(dir); }
};

TEST(ResultsWriter, HeaderFollowsTheSpecAndListsAreQuotedJson) {
  Folder f;
  {
    ResultsWriter w(f.dir, {"batch_size", "hidden", "train_samples"}, false);
    w.run_append(record("aaaa-r0"), epochs_for("aaaa-r0"));
  }
  auto runs = lines_of(f.dir + "/runs.csv");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].rfind("run_id,config_id,repeat,workload,status,error,batch_size,hidden,params,macs_per_sample,"
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
  std::ofstream(f.dir + "/epochs.csv", std::ios::app) << "dddd-r0,1,train,1,10,100,0.5,0.8,0\ndddd-r0,1,inf";
  std::ofstream(f.dir + "/runs.jsonl", std::ios::app) << "{\"run_id\":\"dddd-r0\",\"sta";
  ResultsWriter w(f.dir, {"batch_size"}, true);
  EXPECT_EQ(w.finished(), (std::set<std::string>{"aaaa-r0", "cccc-r0"}));
  auto runs = lines_of(f.dir + "/runs.csv");
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[1].rfind("aaaa-r0,", 0), 0u);
  EXPECT_EQ(runs[2].rfind("cccc-r0,", 0), 0u);
  for (const auto& l : lines_of(f.dir + "/runs.jsonl")) EXPECT_FALSE(nlohmann::json::parse(l).is_discarded());
  EXPECT_EQ(lines_of(f.dir + "/runs.jsonl").size(), 2u);
  for (const auto& l : lines_of(f.dir + "/epochs.csv"))
    EXPECT_TRUE(l.rfind("run_id", 0) == 0 || l.rfind("aaaa", 0) == 0 || l.rfind("cccc", 0) == 0) << l;
  // Running the interrupted one again appends exactly one row for it.
  w.run_append(record("bbbb-r0"), epochs_for("bbbb-r0"));
  EXPECT_EQ(lines_of(f.dir + "/runs.csv").size(), 4u);
}

TEST(ResultsWriter, ResumeRestoresACsvRowLostAfterTheJsonlAppend) {
  Folder f;
  {
    ResultsWriter w(f.dir, {}, false);
    w.run_append(record("aaaa-r0"), {});
    w.run_append(record("bbbb-r0"), {});
  }
  auto runs = lines_of(f.dir + "/runs.csv");
  std::ofstream(f.dir + "/runs.csv", std::ios::trunc) << runs[0] << "\n" << runs[1] << "\n";  // bbbb lost
  ResultsWriter w(f.dir, {}, true);
  auto repaired = lines_of(f.dir + "/runs.csv");
  ASSERT_EQ(repaired.size(), 3u);
  EXPECT_EQ(repaired[2], runs[2]);
}

TEST(ResultsWriter, UnwritableFolderIsAnInputError) {
  EXPECT_THROW(ResultsWriter("/proc/greenbench-cannot-write-here", {}, false), InputError);
}

}  // namespace
}  // namespace greenbench
