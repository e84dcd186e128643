// End-to-end tests of `greenbench merge` through the real binary on folders written by real
// `greenbench run`s: shards merge to what one folder running everything holds (same run ids,
// rows, epochs and traces), identical overlaps are silent, different grids and unsafe -o
// folders are exit 2 with nothing written, a torn input line is dropped with a note, and a
// failure while writing leaves neither -o nor a temporary folder behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::jsonl_of;
using testing::lines_of;

// A tiny mlp run (no idle baseline, no pauses) of one hidden width into `out`.
testing::CliResult tiny_run(const std::string& out, const std::string& hidden,
                            const std::string& workload = "mlp",
                            std::vector<std::string> extra = {}) {
  auto args = testing::quick_run_args(
      out, {workload, "0", "0", "estimate", {"train_samples=200", "test_samples=100", "epochs=2"}});
  if (!hidden.empty()) args.insert(args.end(), {"--set", "hidden=" + hidden});
  args.insert(args.end(), extra.begin(), extra.end());
  return testing::cli_run(args);
}

// Shards of a two-run "grid" (hidden [16] and [24]) written once; every test copies them.
class CliMerge : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = testing::temp_dir_make("gb_merge_cli");
    for (auto [dir, hidden] : {std::pair{"s1", "[16]"}, {"s2", "[24]"}, {"whole", "[16]"}}) {
      auto r = tiny_run(root_ + "/" + dir, hidden);
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    auto r =
        tiny_run(root_ + "/whole", "[24]", "mlp", {"--resume"});  // the whole grid in one folder
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  void SetUp() override {
    dir_ = testing::temp_dir_make("gb_merge_case");
    for (const char* d : {"s1", "s2", "whole"})
      fs::copy(root_ + "/" + d, dir_ + "/" + d, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }
  static std::string root_;
  std::string dir_;
};
std::string CliMerge::root_;

TEST_F(CliMerge, ShardsMergeToWhatOneFolderHolds) {
  const std::string out = dir_ + "/merged";
  auto r = testing::cli_run({"merge", dir_ + "/s1", dir_ + "/s2", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 runs from 2 rows"), std::string::npos) << r.out;
  auto merged = jsonl_of(out + "/runs.jsonl"), whole = jsonl_of(dir_ + "/whole/runs.jsonl");
  ASSERT_EQ(merged.size(), 2u);
  ASSERT_EQ(whole.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(merged[i]["run_id"], whole[i]["run_id"]);
    for (const char* key :
         {"config_id", "hidden", "params", "macs_per_sample", "train_samples", "status"})
      EXPECT_EQ(merged[i][key], whole[i][key]) << key;
    EXPECT_TRUE(fs::exists(out + "/traces/" + merged[i]["run_id"].get<std::string>() + ".csv"));
    EXPECT_EQ(lines_of(out + "/traces/" + merged[i]["run_id"].get<std::string>() + ".csv"),
              lines_of(dir_ + "/s" + std::to_string(i + 1) + "/traces/" +
                       merged[i]["run_id"].get<std::string>() + ".csv"));
  }
  // The merged CSV's header is the writer's header; its rows are the shards' rows.
  const auto csv = lines_of(out + "/runs.csv");
  ASSERT_EQ(csv.size(), 3u);
  EXPECT_EQ(csv[0], lines_of(dir_ + "/whole/runs.csv")[0]);
  EXPECT_EQ(csv[1], lines_of(dir_ + "/s1/runs.csv")[1]);
  EXPECT_EQ(csv[2], lines_of(dir_ + "/s2/runs.csv")[1]);
  EXPECT_EQ(lines_of(out + "/epochs.csv").size(), lines_of(dir_ + "/whole/epochs.csv").size());
  auto meta = nlohmann::json::parse(std::ifstream(out + "/meta.json"));
  ASSERT_EQ(meta["sources"].size(), 2u);
  EXPECT_EQ(meta["sources"][1]["dir"], dir_ + "/s2");
  EXPECT_TRUE(meta["sources"][0].contains("idle_power_w"));
  EXPECT_EQ(meta["schema_version"], 1);
  EXPECT_EQ(meta["merged"]["runs"], 2);
  for (const auto& e : fs::directory_iterator(dir_))  // no temporary folder left
    EXPECT_EQ(e.path().filename().string().find(".merged.merge-"), std::string::npos);
}

TEST_F(CliMerge, IdenticalOverlapIsSilentAndGivesOneRowPerRun) {
  fs::copy(dir_ + "/s1", dir_ + "/s1b", fs::copy_options::recursive);
  auto r =
      testing::cli_run({"merge", dir_ + "/s1", dir_ + "/s1b", dir_ + "/s2", "-o", dir_ + "/m"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("note"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("2 runs from 3 rows (1 identical duplicates"), std::string::npos) << r.out;
  EXPECT_EQ(jsonl_of(dir_ + "/m/runs.jsonl").size(), 2u);
}

TEST_F(CliMerge, ReRunOfTheSameRunIsReportedAsAConflict) {
  // `whole` ran [16] again: same run id, different measured energy.
  auto r = testing::cli_run({"merge", dir_ + "/s1", dir_ + "/whole", "-o", dir_ + "/m"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("CONFLICT"), std::string::npos) << r.err;
  EXPECT_EQ(jsonl_of(dir_ + "/m/runs.jsonl").size(), 2u);
}

TEST_F(CliMerge, DifferentGridsAreRefusedNamingTheFolders) {
  auto c = tiny_run(dir_ + "/cnn", "", "cnn", {"--set", "conv=[4]", "--set", "fc=[8]"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto r = testing::cli_run({"merge", dir_ + "/s1", dir_ + "/cnn", "-o", dir_ + "/m"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(dir_ + "/s1 and " + dir_ +
                       "/cnn hold different grids: grid_name is \"mlp\" vs \"cnn\""),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/m"));
}

TEST_F(CliMerge, UnsafeOutputFoldersAreRefused) {
  auto into_input = testing::cli_run({"merge", dir_ + "/s1", dir_ + "/s2", "-o", dir_ + "/s2"});
  EXPECT_EQ(into_input.exit_code, 2);
  EXPECT_NE(into_input.err.find("is one of the input folders"), std::string::npos)
      << into_input.err;
  EXPECT_EQ(lines_of(dir_ + "/s2/runs.csv"), lines_of(root_ + "/s2/runs.csv"));
  fs::create_directories(dir_ + "/full");
  std::ofstream(dir_ + "/full/keep.txt") << "mine";
  auto non_empty = testing::cli_run({"merge", dir_ + "/s1", "-o", dir_ + "/full"});
  EXPECT_EQ(non_empty.exit_code, 2);
  EXPECT_NE(non_empty.err.find("not an empty folder"), std::string::npos) << non_empty.err;
  EXPECT_EQ(lines_of(dir_ + "/full/keep.txt"), std::vector<std::string>{"mine"});
  auto twice = testing::cli_run({"merge", dir_ + "/s1", dir_ + "/s1/", "-o", dir_ + "/m"});
  EXPECT_EQ(twice.exit_code, 2);
  EXPECT_NE(twice.err.find("given twice"), std::string::npos) << twice.err;
  auto not_results = testing::cli_run({"merge", dir_ + "/full", "-o", dir_ + "/m"});
  EXPECT_EQ(not_results.exit_code, 2);
  EXPECT_NE(not_results.err.find("no meta.json"), std::string::npos) << not_results.err;
  fs::create_directories(dir_ + "/empty");  // an existing empty folder is fine
  auto empty = testing::cli_run({"merge", dir_ + "/s1", "-o", dir_ + "/empty"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(jsonl_of(dir_ + "/empty/runs.jsonl").size(), 1u);
}

TEST_F(CliMerge, TornLastLineOfAnInputIsDroppedWithANote) {
  std::ofstream(dir_ + "/s2/runs.jsonl", std::ios::app)
      << R"({"run_id":"feedfeedfeedfeed-r0","sta)";
  std::ofstream(dir_ + "/s2/epochs.csv", std::ios::app) << "feedfeedfeedfeed-r0,1,tr";
  auto r = testing::cli_run({"merge", dir_ + "/s1", dir_ + "/s2", "-o", dir_ + "/m"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(dir_ + "/s2/runs.jsonl:2: dropped a half-written last line"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(dir_ + "/s2/epochs.csv:6: dropped a half-written last line"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(jsonl_of(dir_ + "/m/runs.jsonl").size(), 2u);
  for (const auto& l : lines_of(dir_ + "/m/epochs.csv"))
    EXPECT_EQ(l.find("feedfeed"), std::string::npos);
}

TEST_F(CliMerge, AFailureWhileWritingLeavesNothingBehind) {
  // A full disk (a file-size limit) while merge writes: exit 1, no folder left.
  fs::create_directories(dir_ + "/parent");
  const int code = testing::cli_run_file_limit(
      {"merge", dir_ + "/s1", dir_ + "/s2", "-o", dir_ + "/parent/m"}, 600, dir_ + "/err");
  EXPECT_EQ(code, 1) << testing::slurp(dir_ + "/err");
  EXPECT_NE(testing::slurp(dir_ + "/err").find("File too large"), std::string::npos)
      << testing::slurp(dir_ + "/err");
  EXPECT_TRUE(fs::is_empty(dir_ + "/parent")) << "a half-made folder was left";
  // A trace that is a link (here to /proc/self/mem, which reads as EIO) used to fail the copy
  // halfway; links in a results folder are now refused before anything is written.
  const auto id = jsonl_of(dir_ + "/s2/runs.jsonl")[0]["run_id"].get<std::string>();
  fs::remove(dir_ + "/s2/traces/" + id + ".csv");
  fs::create_symlink("/proc/self/mem", dir_ + "/s2/traces/" + id + ".csv");
  auto r = testing::cli_run({"merge", dir_ + "/s1", dir_ + "/s2", "-o", dir_ + "/parent/m"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(id + ".csv: is a symbolic link"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::is_empty(dir_ + "/parent")) << "a half-made folder was left";
}

// The issue's "shards + merge equal the whole grid": a grid run whole and as shards 0/2 and
// 1/2 (run --shard), merged, holds the same runs with the same configuration columns.
TEST(CliMergeGrid, ShardsOfAGridMergeToTheWholeGrid) {
  const std::string dir = testing::temp_dir_make("gb_merge_grid");
  const std::string grid = dir + "/g.yaml";
  std::ofstream(grid)
      << "name: tiny\nmeter: estimate\nrepeats: 1\nidle_baseline_s: 0\npause_s: 0\n"
         "defaults: {dataset: synthetic, train_samples: 100, test_samples: 50, epochs: 1}\n"
         "experiments:\n  - workload: mlp\n    grid:\n      hidden: [[8], [16], [24]]\n"
         "      batch_size: [16, 32]\n";
  auto whole = testing::cli_run({"run", grid, "--out", dir + "/whole"});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  for (const char* shard : {"0/2", "1/2"}) {
    auto r = testing::cli_run(
        {"run", grid, "--shard", shard, "--out", dir + "/s" + std::string(1, shard[0])});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto only_one = testing::cli_run({"merge", dir + "/s0", "-o", dir + "/part"});
  ASSERT_EQ(only_one.exit_code, 0) << only_one.err;
  EXPECT_NE(only_one.err.find("shards 1 of 2 are not among the inputs"), std::string::npos)
      << only_one.err;
  auto m = testing::cli_run({"merge", dir + "/s0", dir + "/s1", "-o", dir + "/merged"});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_EQ(m.err.find("note"), std::string::npos) << m.err;
  std::map<std::string, nlohmann::json> want, got;
  for (const auto& r : jsonl_of(dir + "/whole/runs.jsonl"))
    want[r["run_id"].get<std::string>()] = r;
  for (const auto& r : jsonl_of(dir + "/merged/runs.jsonl"))
    got[r["run_id"].get<std::string>()] = r;
  ASSERT_EQ(want.size(), 6u);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [id, r] : want) {
    ASSERT_TRUE(got.count(id)) << id;
    for (const char* key :
         {"config_id", "hidden", "batch_size", "params", "macs_per_sample", "status"})
      EXPECT_EQ(got[id][key], r[key]) << id << " " << key;
    EXPECT_TRUE(fs::exists(dir + "/merged/traces/" + id + ".csv"));
  }
  EXPECT_EQ(lines_of(dir + "/merged/runs.csv")[0], lines_of(dir + "/whole/runs.csv")[0]);
  EXPECT_EQ(lines_of(dir + "/merged/epochs.csv").size(),
            lines_of(dir + "/whole/epochs.csv").size());
  auto meta = nlohmann::json::parse(std::ifstream(dir + "/merged/meta.json"));
  EXPECT_EQ(meta["shards"].size(), 2u);
  EXPECT_EQ(meta["grid_name"], "tiny");
  EXPECT_TRUE(meta.contains("grid_id"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace greenbench
