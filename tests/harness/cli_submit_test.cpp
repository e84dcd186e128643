// `greenbench submit` through the real binary, without a Slurm (docs/cluster.md): the dry run's
// shards are exactly what each task's `run --shard I/N --dry-run` selects, the scripts and job
// ids with a fake sbatch on PATH (the merge job waits on the array with afterok), and bad input
// as exit 2 before anything is written. tests/harness/slurm/ runs it on a real one-node Slurm.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "files.hpp"
#include "grid_yaml.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::cli_run;
using testing::lines_of;
using testing::TempFolder;

// 6 mlp runs of different sizes on synthetic data.
const std::string kGrid =
    testing::quick_grid_yaml({.name = "six",
                              .defaults = "train_samples: 100, test_samples: 50, epochs: 1",
                              .mlp_grid = "hidden: [[8], [64], [256, 128]], batch_size: [16, 32]"});

// The run ids `run GRID --dry-run [ARGS]` lists (the first column of its table).
std::set<std::string> dry_run_ids(const std::string& grid, std::vector<std::string> args) {
  std::vector<std::string> a = {"run", grid, "--dry-run"};
  a.insert(a.end(), args.begin(), args.end());
  const auto r = cli_run(a);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::set<std::string> ids;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    const std::string first = line.substr(0, line.find(' '));
    if (first.size() == 19 && first.substr(16, 2) == "-r") ids.insert(first);
  }
  return ids;
}

TEST(CliSubmit, DryRunShardsAreWhatEachTaskRuns) {
  TempFolder f("gb_submit");
  const std::string grid = f.write("six.yaml", kGrid), out = f.dir + "/merged";
  const auto r = cli_run({"submit", grid, "--shards", "3", "--out", out, "--dry-run", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["shards"].size(), 3u);
  const std::set<std::string> all = dry_run_ids(grid, {});
  ASSERT_EQ(all.size(), 6u);
  std::multiset<std::string> seen;
  for (int i = 0; i < 3; ++i) {
    const auto& shard = j["shards"][i];
    EXPECT_GT(shard["expected_s"].get<double>(), 0);
    const auto ids = shard["runs"].get<std::vector<std::string>>();
    EXPECT_FALSE(ids.empty());
    seen.insert(ids.begin(), ids.end());
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()),
              dry_run_ids(grid, {"--shard", std::to_string(i) + "/3", "--shard-by", "cost"}))
        << i;
  }
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), all);
  EXPECT_EQ(seen.size(), all.size());
  EXPECT_NE(j["array_script"].get<std::string>().find("#SBATCH --array=0-2"), std::string::npos);
  EXPECT_FALSE(fs::exists(out + ".shards"));  // a dry run writes nothing
  EXPECT_FALSE(fs::exists(out));

  const auto text = cli_run({"submit", grid, "--shards", "2", "--out", out, "--dry-run"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const char* want : {"merge.sbatch", "#SBATCH --array=0-1", "--shard-by cost", "shard",
                           "expected", "nothing submitted"})
    EXPECT_NE(text.out.find(want), std::string::npos) << want << "\n" << text.out;
}

// A fake sbatch: appends its arguments (one line per call) to $SBATCH_LOG and prints an id.
std::string fake_sbatch(const TempFolder& f, bool refuse) {
  const std::string bin = f.dir + (refuse ? "/bin-refuse" : "/bin");
  fs::create_directories(bin);
  f.write(bin.substr(f.dir.size() + 1) + "/sbatch",
          refuse
              ? "#!/bin/sh\necho 'sbatch: error: invalid partition specified: nope' >&2\nexit 1\n"
              : "#!/bin/sh\necho \"$*\" >> \"$SBATCH_LOG\"\n"
                "n=$(wc -l < \"$SBATCH_LOG\")\necho \"$((700 + n))\"\n");
  chmod((bin + "/sbatch").c_str(), 0755);
  return bin + ":/usr/bin:/bin";
}

TEST(CliSubmit, SubmitsTheArrayThenTheMergeAfterIt) {
  TempFolder f("gb_submit");
  const std::string grid = f.write("six.yaml", kGrid), out = f.dir + "/merged";
  const std::map<std::string, std::string> env = {{"PATH", fake_sbatch(f, false)},
                                                  {"SBATCH_LOG", f.dir + "/sbatch.log"}};
  const auto r = cli_run(
      {"submit", grid, "--shards", "3", "--out", out, "--json", "--", "--account=proj"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["array_job_id"], "701");
  EXPECT_EQ(j["merge_job_id"], "702");
  const auto calls = lines_of(f.dir + "/sbatch.log");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0], "--parsable " + out + ".shards/array.sbatch");
  EXPECT_EQ(calls[1], "--parsable --dependency=afterok:701 " + out + ".shards/merge.sbatch");
  const std::string array = testing::slurp(out + ".shards/array.sbatch");
  EXPECT_NE(array.find("#SBATCH --account=proj\n"), std::string::npos) << array;
  EXPECT_NE(array.find(" run " + fs::absolute(grid).string()), std::string::npos) << array;
  EXPECT_TRUE(fs::is_directory(out + ".shards/logs"));  // Slurm does not create log folders
  EXPECT_EQ(nlohmann::json::parse(testing::slurp(out + ".shards/submit.json"))["merge_job_id"],
            "702");

  // Text: both ids and how to watch them.
  const auto t = cli_run({"submit", grid, "--shards", "2", "--out", f.dir + "/m2"}, env);
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("job array 703"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("merge job 704 (afterok:703)"), std::string::npos) << t.out;
}

TEST(CliSubmit, BadInputIsExitTwoBeforeAnythingIsWritten) {
  TempFolder f("gb_submit");
  const std::string grid = f.write("six.yaml", kGrid), out = f.dir + "/merged";
  const std::map<std::string, std::string> no_sbatch = {{"PATH", "/nonexistent"}};
  struct Case {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string says;
  };
  fs::create_directories(f.dir + "/full");
  f.write("full/x", "x");
  const std::vector<Case> cases = {
      {{"--shards", "0"}, {}, "--shards"},
      {{"--shards", "7"}, {}, "the grid has only 6 runs"},
      {{"--shards", "2", "stray"}, {}, "sbatch options go after --"},
      {{"--shards", "2", "--shard-by", "size"}, {}, "--shard-by size"},
      {{"--shards", "2", "--partition", "a b"}, {}, "no spaces"},
      {{"--shards", "2"}, no_sbatch, "sbatch is not on PATH"},
      {{"--shards", "2", "--set", "hiden=[4]"}, {}, "did you mean 'hidden'"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> a = {"submit", grid, "--out", out};
    a.insert(a.end(), c.args.begin(), c.args.end());
    auto env = c.env;
    if (!env.count("PATH")) env["PATH"] = fake_sbatch(f, false);
    env["SBATCH_LOG"] = f.dir + "/sbatch.log";
    const auto r = cli_run(a, env);
    EXPECT_EQ(r.exit_code, 2) << c.says << "\n" << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out + ".shards")) << c.says;
  }
  const auto full = cli_run({"submit", grid, "--shards", "2", "--out", f.dir + "/full"},
                            {{"PATH", fake_sbatch(f, false)}});
  EXPECT_EQ(full.exit_code, 2);
  EXPECT_NE(full.err.find("not an empty folder"), std::string::npos) << full.err;
  EXPECT_FALSE(fs::exists(f.dir + "/sbatch.log"));  // sbatch never ran

  // Slurm refusing the options: exit 2, its message, nothing submitted.
  const auto refused =
      cli_run({"submit", grid, "--shards", "2", "--out", out, "--partition", "nope"},
              {{"PATH", fake_sbatch(f, true)}});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("invalid partition specified: nope"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("nothing was submitted"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace greenbench
