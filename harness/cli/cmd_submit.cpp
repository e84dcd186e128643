// `greenbench submit GRID.yaml --shards N --out DIR [--partition P] [--time T] [--dry-run]
// [--json] [-- SBATCH_ARGS...]`: spreads a grid over a Slurm cluster as a job array of N shards
// plus a merge job that waits for them (docs/cluster.md). Checks everything first, like `run`;
// the scripts come from harness/run/slurm_job.*, the split from harness/grid/grid_shard.*.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_checks.hpp"
#include "cli_command.hpp"
#include "eta.hpp"
#include "greenbench/errors.hpp"
#include "greenbench/results.hpp"
#include "grid_expand.hpp"
#include "grid_file.hpp"
#include "grid_shard.hpp"
#include "set_args.hpp"
#include "slurm_job.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

struct SubmitArgs {
  std::string grid;
  int shards = 0;
  std::string out;
  std::string partition, time;
  std::string shard_by = "cost";
  std::string meter;
  std::vector<std::string> sets;
  bool dry_run = false;
  bool json = false;
  std::vector<std::string> sbatch_args;
};

// One shard as planned: its runs and expected time on this machine.
struct ShardPlan {
  std::vector<std::string> run_ids;
  double expected_s = 0;  // the idle baseline, then every run's run_expected_s
};

std::string self_path() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw std::runtime_error("cannot find the greenbench executable: " + ec.message());
  return p.string();
}

bool on_path(const std::string& tool) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    const size_t colon = dirs.find(':', start);
    const std::string dir = dirs.substr(start, colon == std::string::npos ? colon : colon - start);
    if (!dir.empty() && access((dir + "/" + tool).c_str(), X_OK) == 0) return true;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return false;
}

// Flags and folders, before any work: exit 2 naming what is wrong.
void submit_check(const SubmitArgs& a, const std::string& out_abs) {
  for (const auto& s : a.sbatch_args)
    if (s.empty() || s[0] != '-')
      throw InputError(fmt::format("unexpected argument '{}'", s), "", 0, 0,
                       "sbatch options go after --, e.g. greenbench submit grid.yaml --shards 4 "
                       "--out DIR -- --account=proj --mem=8G");
  for (const std::string* v : {&a.partition, &a.time})
    if (v->find_first_of(" \t\n'\"\\") != std::string::npos)
      throw InputError(fmt::format("'{}': no spaces or quotes allowed", *v), "", 0, 0,
                       "e.g. --partition cpu --time 2:00:00");
  std::error_code ec;
  if (fs::exists(out_abs, ec) && !(fs::is_directory(out_abs, ec) && fs::is_empty(out_abs, ec)))
    throw InputError("--out already exists and is not an empty folder", a.out, 0, 0,
                     "the merge job writes a new folder and never overwrites: give a new --out "
                     "(the shards go to DIR.shards and are resumed if they exist)");
}

std::vector<ShardPlan> shards_plan(const GridFile& g, const GridExpansion& ex, int count,
                                   ShardBy by, double gflops) {
  std::vector<const GridRun*> runs;
  for (const auto& r : ex.runs) runs.push_back(&r);
  const std::vector<int> shard = shards_assign(runs, count, ShardSplit{by, g.pause_s});
  std::vector<ShardPlan> plans(static_cast<size_t>(count));
  for (auto& p : plans) p.expected_s = g.idle_baseline_s;
  for (size_t i = 0; i < runs.size(); ++i) {
    plans[size_t(shard[i])].run_ids.push_back(runs[i]->plan.run_id);
    plans[size_t(shard[i])].expected_s += run_expected_s(*runs[i], gflops, g.pause_s);
  }
  for (size_t i = 0; i < plans.size(); ++i)
    if (plans[i].run_ids.empty())
      throw InputError(fmt::format("--shards {}: shard {} would hold no run (--shard-by {})", count,
                                   i, shard_by_name(by)),
                       "", 0, 0, "use fewer shards, or --shard-by cost");
  return plans;
}

void dry_run_print(const SlurmJobs& jobs, const std::vector<ShardPlan>& plans, double gflops) {
  const std::string dir = slurm_shards_dir(jobs.out_dir);
  std::printf("# %s/array.sbatch\n%s\n# %s/merge.sbatch\n%s\n", dir.c_str(),
              slurm_array_script(jobs).c_str(), dir.c_str(), slurm_merge_script(jobs).c_str());
  std::printf("%-6s %6s %12s\n", "shard", "runs", "expected");
  double lo = 1e300, hi = 0;
  for (size_t i = 0; i < plans.size(); ++i) {
    std::printf("%-6zu %6zu %12s\n", i, plans[i].run_ids.size(),
                duration_text(plans[i].expected_s).c_str());
    lo = std::min(lo, plans[i].expected_s), hi = std::max(hi, plans[i].expected_s);
  }
  std::printf(
      "%zu shards: expected %s to %s each (this machine: %.1f GFLOP/s sgemm on one thread, "
      "workloads at %.0f%% of it, plus pauses and the idle baseline); nothing submitted\n",
      plans.size(), duration_text(lo).c_str(), duration_text(hi).c_str(), gflops,
      kWorkloadEfficiency * 100);
}

nlohmann::json shards_json(const std::vector<ShardPlan>& plans) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < plans.size(); ++i)
    out.push_back({{"index", i}, {"runs", plans[i].run_ids}, {"expected_s", plans[i].expected_s}});
  return out;
}

// Writes the scripts under DIR.shards and submits the array, then the merge job after it.
nlohmann::json submit_jobs(const SlurmJobs& jobs) {
  const std::string dir = slurm_shards_dir(jobs.out_dir);
  fs::create_directories(dir + "/logs");
  const std::string array_path = dir + "/array.sbatch", merge_path = dir + "/merge.sbatch";
  file_write_atomic(array_path, slurm_array_script(jobs));
  file_write_atomic(merge_path, slurm_merge_script(jobs));
  std::string array_id;
  try {
    array_id = slurm_sbatch({}, array_path);
  } catch (const std::runtime_error& e) {  // sbatch refused our options: nothing submitted
    throw InputError(
        fmt::format("Slurm refused the job array; nothing was submitted: {}", e.what()), "", 0, 0,
        "check --partition, --time and the options after --");
  }
  std::string merge_id;
  try {
    merge_id = slurm_sbatch({"--dependency=afterok:" + array_id}, merge_path);
  } catch (const std::runtime_error& e) {
    std::system(("scancel " + shell_quote(array_id) + " >/dev/null 2>&1").c_str());
    throw std::runtime_error(
        fmt::format("{}; the job array {} was cancelled, nothing runs", e.what(), array_id));
  }
  return {{"array_job_id", array_id},
          {"merge_job_id", merge_id},
          {"array_script", array_path},
          {"merge_script", merge_path}};
}

int submit_main(const SubmitArgs& a, const CLI::App& cmd) {
  const std::string out_abs = fs::absolute(a.out).lexically_normal().string();
  SlurmJobs jobs;
  jobs.out_dir =
      out_abs.size() > 1 && out_abs.back() == '/' ? out_abs.substr(0, out_abs.size() - 1) : out_abs;
  submit_check(a, jobs.out_dir);
  const ShardBy by = shard_by_parse(a.shard_by);
  const GridFile g = grid_file_load(a.grid);
  GridExpandOptions eo;
  eo.overrides = sets_parse(a.sets);
  eo.check_memory = false;  // each task checks its own node's memory before any work
  const GridExpansion ex = grid_expand(g, eo);
  if (size_t(a.shards) > ex.runs.size())
    throw InputError(
        fmt::format("--shards {}: the grid has only {} runs", a.shards, ex.runs.size()), a.grid, 0,
        0, fmt::format("use at most --shards {}", ex.runs.size()));
  jobs.binary = self_path();
  jobs.grid_path = fs::absolute(a.grid).lexically_normal().string();
  jobs.grid_name = g.name;
  jobs.shards = a.shards;
  jobs.partition = a.partition;
  jobs.time = a.time;
  jobs.sbatch_args = a.sbatch_args;
  jobs.run_args = {"--shard-by", shard_by_name(by)};
  if (cmd.count("--meter")) jobs.run_args.insert(jobs.run_args.end(), {"--meter", a.meter});
  for (const auto& s : a.sets) jobs.run_args.insert(jobs.run_args.end(), {"--set", s});
  const double gflops = sgemm_gflops_measure();
  const std::vector<ShardPlan> plans = shards_plan(g, ex, a.shards, by, gflops);
  if (a.dry_run && !a.json) {
    dry_run_print(jobs, plans, gflops);
    return 0;
  }
  nlohmann::json out = {{"grid", g.name},
                        {"shards", shards_json(plans)},
                        {"out", jobs.out_dir},
                        {"shards_dir", slurm_shards_dir(jobs.out_dir)},
                        {"dry_run", a.dry_run}};
  if (a.dry_run) {
    out["array_script"] = slurm_array_script(jobs);
    out["merge_script"] = slurm_merge_script(jobs);
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  if (!on_path("sbatch"))
    throw InputError("sbatch is not on PATH: submit needs a machine that can submit Slurm jobs", "",
                     0, 0,
                     "run it on the cluster's login node, or start a local one-node Slurm with "
                     "scripts/slurm-local start (docs/cluster.md); --dry-run shows the scripts");
  out.update(submit_jobs(jobs));
  file_write_atomic(slurm_shards_dir(jobs.out_dir) + "/submit.json", out.dump(2) + "\n");
  if (a.json) {
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  const std::string array_id = out["array_job_id"], merge_id = out["merge_job_id"];
  std::printf(
      "submitted grid %s as %d shards: job array %s (tasks %s_0 .. %s_%d), merge job %s "
      "(afterok:%s)\n  shards: %s/shard-I-of-%d, logs in %s/logs/\n  merged: %s, once every "
      "task is done\n  watch:  squeue -j %s,%s\n",
      g.name.c_str(), a.shards, array_id.c_str(), array_id.c_str(), array_id.c_str(), a.shards - 1,
      merge_id.c_str(), array_id.c_str(), slurm_shards_dir(jobs.out_dir).c_str(), a.shards,
      slurm_shards_dir(jobs.out_dir).c_str(), jobs.out_dir.c_str(), array_id.c_str(),
      merge_id.c_str());
  return 0;
}

}  // namespace

void cmd_submit_add(CLI::App& app, CommandAction& action) {
  auto [cmd, a] = command_add<SubmitArgs>(
      app, action, "submit",
      "Run a grid on a Slurm cluster: a job array of shards, then a merge job", submit_main);
  grid_option_add(*cmd, a->grid)->required();
  cmd->add_option("--shards", a->shards, "N: array tasks, one shard of the grid each")
      ->required()
      ->check(number_in(1, 10000, true));
  out_option_add(*cmd, a->out, "DIR",
                 "the merged folder (new); shards, scripts and logs go to DIR.shards/")
      ->required();
  cmd->add_option("--partition", a->partition, "Slurm partition (default: the cluster's)");
  cmd->add_option("--time", a->time, "time limit per task, Slurm's format, e.g. 2:00:00");
  cmd->add_option("--shard-by", a->shard_by,
                  "cost (default: shards of even expected time) | hash (docs/grids.md)");
  meter_option_add(*cmd, a->meter, "auto | rapl | perf | msr | nvml | estimate (each task)");
  sets_option_add(*cmd, a->sets, "a YAML value for a key, repeatable, for every run");
  cmd->add_flag("--dry-run", a->dry_run,
                "print the batch scripts and each shard's expected time; submit nothing");
  cmd->add_flag("--json", a->json, "print the job ids (or the dry run) as one JSON object");
  cmd->add_option("sbatch_args", a->sbatch_args, "more sbatch options for both jobs, after --");
}

}  // namespace greenbench
