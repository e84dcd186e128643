// The batch scripts of `greenbench submit` (harness/run/slurm_job.*, docs/cluster.md), checked by
// running them with /bin/sh: the greenbench they exec is a fake that writes its arguments, so
// the test sees exactly what a task and the merge job would run. Also the #SBATCH lines and
// shell_quote against the shell itself.
#include "slurm_job.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

using testing::lines_of;
using testing::TempFolder;

// A fake greenbench that writes each argument on a line of $ARGS_FILE.
std::string fake_binary(const TempFolder& f) {
  const std::string path =
      f.write("fake greenbench",
              "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$ARGS_FILE\"\n");
  chmod(path.c_str(), 0755);
  return path;
}

SlurmJobs jobs_of(const TempFolder& f) {
  SlurmJobs j;
  j.binary = fake_binary(f);
  j.grid_path = f.dir + "/my grid's.yaml";
  j.grid_name = "tiny";
  j.shards = 3;
  j.out_dir = f.dir + "/out";
  j.partition = "cpu";
  j.time = "1:00:00";
  j.sbatch_args = {"--account=proj", "--mem=4G"};
  j.run_args = {"--shard-by", "cost", "--set", "hidden=[8, 16]"};
  return j;
}

// Runs `script` with /bin/sh and the given environment; returns the fake's arguments.
std::vector<std::string> script_args(const TempFolder& f, const std::string& script,
                                     const std::string& env) {
  const std::string path = f.write("job.sh", script), args = f.dir + "/args";
  const std::string cmd = "cd / && env ARGS_FILE='" + args + "' " + env + " /bin/sh '" + path +
                          "' > '" + f.dir + "/job.out' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << testing::slurp(f.dir + "/job.out");
  return lines_of(args);
}

TEST(SlurmJob, ArrayTaskRunsItsShardWithResumeIntoItsOwnFolder) {
  TempFolder f("gb_slurm_job");
  const SlurmJobs j = jobs_of(f);
  const std::string script = slurm_array_script(j);
  const auto args = script_args(f, script, "SLURM_ARRAY_TASK_ID=2 SLURM_RESTART_COUNT=1");
  const std::vector<std::string> want = {"run",
                                         j.grid_path,
                                         "--shard",
                                         "2/3",
                                         "--resume",
                                         "--out",
                                         j.out_dir + ".shards/shard-2-of-3",
                                         "--shard-by",
                                         "cost",
                                         "--set",
                                         "hidden=[8, 16]"};
  EXPECT_EQ(args, want) << script;
  EXPECT_NE(testing::slurp(f.dir + "/job.out").find("shard 2/3"), std::string::npos);
  EXPECT_EQ(slurm_shard_dir(j.out_dir, 2, 3), j.out_dir + ".shards/shard-2-of-3");
  for (const char* line :
       {"#SBATCH --array=0-2\n", "#SBATCH --exclusive\n", "#SBATCH --requeue\n",
        "#SBATCH --open-mode=append\n", "#SBATCH --partition=cpu\n", "#SBATCH --time=1:00:00\n",
        "#SBATCH --account=proj\n", "#SBATCH --mem=4G\n", "#SBATCH --job-name=greenbench-tiny\n"})
    EXPECT_NE(script.find(line), std::string::npos) << line << script;
  EXPECT_NE(script.find("#SBATCH --output=" + j.out_dir + ".shards/logs/shard-%a.out\n"),
            std::string::npos)
      << script;
  // Every #SBATCH line comes before the first command: sbatch stops reading them there.
  EXPECT_LT(script.rfind("#SBATCH"), script.find("\necho "));
}

TEST(SlurmJob, MergeJobMergesEveryShardIntoOut) {
  TempFolder f("gb_slurm_job");
  const SlurmJobs j = jobs_of(f);
  const std::string script = slurm_merge_script(j);
  const auto args = script_args(f, script, "");
  const std::string s = j.out_dir + ".shards/shard-";
  const std::vector<std::string> want = {"merge",      s + "0-of-3", s + "1-of-3",
                                         s + "2-of-3", "-o",         j.out_dir};
  EXPECT_EQ(args, want) << script;
  EXPECT_NE(script.find("#SBATCH --partition=cpu\n"), std::string::npos) << script;
  EXPECT_NE(script.find("#SBATCH --account=proj\n"), std::string::npos) << script;
  EXPECT_EQ(script.find("--array"), std::string::npos) << script;
  EXPECT_EQ(script.find("--exclusive"), std::string::npos) << script;
}

TEST(SlurmJob, ShellQuoteSurvivesTheShell) {
  TempFolder f("gb_slurm_quote");
  for (const std::string word :
       {"plain", "with space", "it's", "$HOME", "a\"b", "back\\slash", "`date`", "", "*", "-x"}) {
    const std::string cmd = "printf '%s' " + shell_quote(word) + " > '" + f.dir + "/w' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << shell_quote(word);
    EXPECT_EQ(testing::slurp(f.dir + "/w"), word) << shell_quote(word);
  }
}

TEST(SlurmJob, SbatchFailureCarriesItsMessage) {
  TempFolder f("gb_slurm_sbatch");
  // A fake sbatch first on PATH: refuses, as Slurm does for an unknown partition.
  const std::string bin = f.dir + "/bin";
  std::system(("mkdir -p '" + bin + "'").c_str());
  {
    std::ofstream(bin + "/sbatch")
        << "#!/bin/sh\necho 'sbatch: error: invalid partition specified: nope' >&2\nexit 1\n";
  }
  chmod((bin + "/sbatch").c_str(), 0755);
  const char* old = std::getenv("PATH");
  const std::string saved = old ? old : "";
  setenv("PATH", (bin + ":" + saved).c_str(), 1);
  try {
    slurm_sbatch({"--partition=nope"}, f.dir + "/job.sh");
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("invalid partition specified: nope"), std::string::npos)
        << e.what();
  }
  {
    std::ofstream(bin + "/sbatch") << "#!/bin/sh\necho 'sbatch: warning: x' >&2\necho '4242;c1'\n";
  }
  EXPECT_EQ(slurm_sbatch({}, f.dir + "/job.sh"), "4242");
  setenv("PATH", saved.c_str(), 1);
}

}  // namespace
}  // namespace greenbench
