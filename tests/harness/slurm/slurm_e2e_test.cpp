// `greenbench submit` on a real Slurm: scripts/slurm-local starts a one-node Slurm (munged,
// slurmctld, slurmd) in a temporary folder, the test submits a small grid as 3 shards, waits for
// the array and the merge job, and holds the merged folder against the same grid run on one
// machine (run ids, parameters, accuracies); a second test cancels a task mid-run, requeues it,
// and finds every run exactly once (docs/cluster.md). Skips, saying why, without Slurm or root.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "files.hpp"
#include "grid_yaml.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::jsonl_of;
using testing::slurp;

const std::string kScript = std::string(GREENBENCH_SOURCE_DIR) + "/scripts/slurm-local";

// Whether TCP `port` on 127.0.0.1 is free to listen on now.
bool port_free(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// A port p with p and p + 1 free (slurmctld and slurmd), so that two checkouts testing on one
// machine at once do not collide (a fixed port did: "Address already in use").
int ports_free_pair() {
  for (int p = 16900 + 2 * (getpid() % 500); p < 26000; p += 2)
    if (port_free(p) && port_free(p + 1)) return p;
  return 16917;
}

// Where the test's Slurm lives: a temporary state folder and ports of its own.
struct LocalSlurm {
  testing::TempFolder state{"gb_slurm_state"};
  int port = ports_free_pair();
  std::string env() const {
    return "GREENBENCH_SLURM_DIR='" + state.dir +
           "' GREENBENCH_SLURM_PORT=" + std::to_string(port) + " SLURM_CONF='" + conf() + "' ";
  }
  std::string conf() const { return state.dir + "/slurm.conf"; }
  // Runs `command` with /bin/sh in this Slurm's environment; stdout and stderr together.
  std::string sh(const std::string& command, int* rc = nullptr) const {
    FILE* p = popen(("env " + env() + "/bin/sh -c '" + command + "' 2>&1").c_str(), "r");
    std::string out;
    char buf[4096];
    for (size_t n; p && (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    const int status = p ? pclose(p) : -1;
    if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
  }
};

bool tool_missing(std::string* which) {
  for (const char* tool : {"munged", "slurmctld", "slurmd", "sbatch", "scontrol", "scancel"}) {
    const std::string cmd =
        std::string("PATH=\"$PATH:/usr/sbin:/sbin\" command -v ") + tool + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) != 0) {
      *which = tool;
      return true;
    }
  }
  return false;
}

class SlurmE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string missing;
    if (tool_missing(&missing))
      GTEST_SKIP() << "Slurm is not installed (" << missing
                   << " not found): scripts/setup installs munge, slurmctld, slurmd and "
                      "slurm-client, which CI has";
    if (geteuid() != 0)
      GTEST_SKIP() << "a local Slurm needs root (slurmd starts jobs as their user)";
    int rc = 0;
    const std::string out = slurm.sh(kScript + " start", &rc);
    ASSERT_EQ(rc, 0) << out << logs();
    started = true;
  }
  void TearDown() override {
    if (!started) return;
    int rc = 0;
    const std::string out = slurm.sh(kScript + " stop", &rc);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(slurm.sh(kScript + " status"), "") << "status says nothing";
  }

  std::string logs(const std::string& shards_dir = "") const {
    std::string text =
        "\n--- slurm logs ---\n" + slurm.sh("tail -n 20 \"$GREENBENCH_SLURM_DIR\"/*.log");
    if (!shards_dir.empty())
      text += "\n--- job logs ---\n" + slurm.sh("tail -n 30 " + shards_dir + "/logs/*");
    return text;
  }

  // Each task's (or the job's) state, from scontrol: {"0": "COMPLETED", ...}; a plain job's
  // single state is under "".
  std::map<std::string, std::string> states(const std::string& job_id) const {
    std::map<std::string, std::string> out;
    const std::string text = slurm.sh("scontrol -o show job " + job_id);
    static const std::regex task(R"(ArrayTaskId=(\d+))"), state(R"(JobState=(\S+))"),
        reason(R"(Reason=(\S+))");
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      std::smatch t, s, r;
      if (!std::regex_search(line, s, state)) continue;
      std::regex_search(line, t, task);
      std::string v = s[1];
      if (std::regex_search(line, r, reason) && r[1] != "None") v += "/" + std::string(r[1]);
      out[t.empty() ? "" : std::string(t[1])] = v;
    }
    return out;
  }

  // Polls `done` every 0.2 s for up to `limit_s`; false on time-out.
  static bool wait_until(const std::function<bool()>& done, double limit_s) {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit_s);
    while (std::chrono::steady_clock::now() < end) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return done();
  }

  bool all_in(const std::string& job_id, const std::string& want, size_t count) const {
    const auto s = states(job_id);
    if (s.size() != count) return false;
    for (const auto& [k, v] : s)
      if (v.rfind(want, 0) != 0) return false;
    return true;
  }

  // The job ids `submit --json` printed; empty where it printed none.
  struct Jobs {
    std::string array{}, merge{}, reply{};
  };
  Jobs submit(const std::string& grid, int shards, const std::string& out) {
    const auto r = testing::cli_run(
        {"submit", grid, "--shards", std::to_string(shards), "--out", out, "--json"},
        {{"SLURM_CONF", slurm.conf()}});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto ids = nlohmann::json::parse(r.out, nullptr, false);
    Jobs jobs{.reply = r.out};
    if (ids.is_object() && ids.contains("array_job_id") && ids.contains("merge_job_id"))
      jobs.array = ids["array_job_id"], jobs.merge = ids["merge_job_id"];
    return jobs;
  }

  LocalSlurm slurm;
  bool started = false;
};

// run_id -> row of a folder's runs.jsonl.
std::map<std::string, nlohmann::json> rows_by_id(const std::string& dir) {
  std::map<std::string, nlohmann::json> out;
  for (const auto& r : jsonl_of(dir + "/runs.jsonl")) out[r["run_id"].get<std::string>()] = r;
  return out;
}

// The issue's "Done when": a grid submitted as 3 shards plus a merge job gives the merged folder
// the same run ids, parameters and accuracies as the grid run on one machine.
TEST_F(SlurmE2E, ThreeShardsMergeToWhatOneMachineRuns) {
  testing::TempFolder f("gb_slurm_grid");
  const std::string grid =
      f.write("g.yaml", testing::quick_grid_yaml(
                            {.name = "sl",
                             .defaults = "train_samples: 200, test_samples: 100, epochs: 1",
                             .mlp_set = "learning_rate: 0.05",
                             .mlp_grid = "hidden: [[8], [32], [64, 32]], batch_size: [16, 32]"}));
  const auto single = testing::cli_run({"run", grid, "--out", f.dir + "/single"});
  ASSERT_EQ(single.exit_code, 0) << single.err;

  const std::string out = f.dir + "/merged";
  const Jobs jobs = submit(grid, 3, out);
  ASSERT_FALSE(jobs.array.empty() || jobs.merge.empty()) << jobs.reply;
  const std::string array = jobs.array, merge = jobs.merge;
  ASSERT_TRUE(
      wait_until([&] { return all_in(merge, "COMPLETED", 1) || all_in(merge, "FAILED", 1); }, 240))
      << "array " << ::testing::PrintToString(states(array)) << ", merge "
      << ::testing::PrintToString(states(merge)) << logs(out + ".shards");
  ASSERT_TRUE(all_in(array, "COMPLETED", 3)) << ::testing::PrintToString(states(array));
  ASSERT_TRUE(all_in(merge, "COMPLETED", 1)) << logs(out + ".shards");

  const auto want = rows_by_id(f.dir + "/single"), got = rows_by_id(out);
  ASSERT_EQ(want.size(), 6u);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& [id, r] : want) {
    ASSERT_TRUE(got.count(id)) << id;
    for (const char* key : {"config_id", "hidden", "batch_size", "learning_rate", "params",
                            "macs_per_sample", "status", "test_accuracy"})
      EXPECT_EQ(got.at(id)[key], r[key]) << id << " " << key;
  }
  // Each shard ran as its own array task; meta.json says which, and on which host and meter.
  std::set<std::string> tasks;
  for (int i = 0; i < 3; ++i) {
    const auto meta = nlohmann::json::parse(
        slurp(out + ".shards/shard-" + std::to_string(i) + "-of-3/meta.json"));
    EXPECT_EQ(meta["slurm"]["array_job_id"], array);
    tasks.insert(meta["slurm"]["array_task_id"].get<std::string>());
    EXPECT_EQ(meta["shard"]["by"], "cost");
    EXPECT_FALSE(meta["host"].get<std::string>().empty());
    EXPECT_EQ(meta["meter"]["source"], "estimate");
  }
  EXPECT_EQ(tasks, (std::set<std::string>{"0", "1", "2"}));
  const auto merged_meta = nlohmann::json::parse(slurp(out + "/meta.json"));
  EXPECT_EQ(merged_meta["shards"].size(), 3u);
}

// A task cancelled in the middle of its shard and requeued resumes its folder: the run it had
// finished is not run again, and every run of the grid ends up exactly once.
TEST_F(SlurmE2E, CancelledTaskRequeuedRunsEveryRunExactlyOnce) {
  testing::TempFolder f("gb_slurm_requeue");
  // 9 runs of equal cost (learning rate and batch size do not change FLOPs): 3 per shard, each
  // long enough (a few seconds even on a quiet machine) to cancel a task between its first and
  // last run.
  const std::string grid = f.write(
      "g.yaml", testing::quick_grid_yaml(
                    {.name = "rq",
                     .defaults = "train_samples: 60000, test_samples: 500, epochs: 2",
                     .mlp_set = "hidden: [256, 256]",
                     .mlp_grid = "learning_rate: [0.002, 0.005, 0.01], batch_size: [16, 32, 64]"}));
  const std::string out = f.dir + "/merged", shards = out + ".shards";
  const Jobs jobs = submit(grid, 3, out);
  ASSERT_FALSE(jobs.array.empty() || jobs.merge.empty()) << jobs.reply;
  const std::string array = jobs.array, merge = jobs.merge;

  // The running task, once its first run is written.
  std::string task, first_row;
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& [t, s] : states(array)) {
          if (s != "RUNNING") continue;
          const auto lines = testing::lines_of(shards + "/shard-" + t + "-of-3/runs.jsonl");
          if (lines.empty()) continue;
          task = t, first_row = lines[0];
          return true;
        }
        return false;
      },
      240))
      << ::testing::PrintToString(states(array)) << logs(shards);
  int rc = 0;
  const std::string job = array + "_" + task;
  EXPECT_EQ((slurm.sh("scancel " + job, &rc), rc), 0);
  ASSERT_TRUE(wait_until([&] { return states(job)[task].rfind("CANCELLED", 0) == 0; }, 60))
      << ::testing::PrintToString(states(job));
  const std::string dir = shards + "/shard-" + task + "-of-3";
  const auto before = jsonl_of(dir + "/runs.jsonl");
  ASSERT_LT(before.size(), 4u) << "the task finished before it was cancelled; nothing tested";
  EXPECT_EQ(before.back()["status"], "interrupted") << "cancelled mid-run: an interrupted row";

  // Requeue it now (a requeued job otherwise waits for its begin time).
  EXPECT_EQ((slurm.sh("scontrol requeue " + job, &rc), rc), 0) << logs();
  slurm.sh("scontrol update JobId=" + job + " StartTime=now");
  ASSERT_TRUE(wait_until([&] { return all_in(array, "COMPLETED", 3); }, 240))
      << ::testing::PrintToString(states(array)) << logs(shards);
  // afterok can no longer hold after a cancelled task (docs/cluster.md): submit the merge again.
  EXPECT_TRUE(wait_until(
      [&] { return states(merge)[""].find("DependencyNeverSatisfied") != std::string::npos; }, 60))
      << ::testing::PrintToString(states(merge));
  slurm.sh("scancel " + merge);
  const std::string again = slurm.sh("sbatch --parsable " + shards + "/merge.sbatch", &rc);
  ASSERT_EQ(rc, 0) << again;
  const std::string merge2 = again.substr(0, again.find_first_not_of("0123456789"));
  ASSERT_TRUE(wait_until([&] { return all_in(merge2, "COMPLETED", 1); }, 120))
      << ::testing::PrintToString(states(merge2)) << logs(shards);

  // Every run exactly once: one ok row per run_id over all shard folders, nine in all.
  std::map<std::string, int> ok_rows;
  for (int i = 0; i < 3; ++i)
    for (const auto& r : jsonl_of(shards + "/shard-" + std::to_string(i) + "-of-3/runs.jsonl"))
      if (r["status"] == "ok") ++ok_rows[r["run_id"].get<std::string>()];
  EXPECT_EQ(ok_rows.size(), 9u);
  for (const auto& [id, n] : ok_rows) EXPECT_EQ(n, 1) << id;
  // The run finished before the cancel is the same row, not a second run of it.
  const auto lines = testing::lines_of(dir + "/runs.jsonl");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], first_row);
  const auto merged = rows_by_id(out);
  EXPECT_EQ(merged.size(), 9u);
  for (const auto& [id, r] : merged) EXPECT_EQ(r["status"], "ok") << id;
  // The task started twice, and its second start says so in meta.json.
  const std::string log = slurp(shards + "/logs/shard-" + task + ".out");
  EXPECT_NE(log.find("start 0"), std::string::npos) << log;
  EXPECT_NE(log.find("start 1"), std::string::npos) << log;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir + "/meta.json"))["slurm"]["restart_count"], "1");
}

}  // namespace
}  // namespace greenbench
