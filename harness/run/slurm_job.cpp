// The batch scripts of `greenbench submit` and their submission. See slurm_job.hpp.
#include "slurm_job.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdio>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace greenbench {

std::string slurm_shards_dir(const std::string& out_dir) {
  return out_dir + ".shards";
}

std::string slurm_shard_dir(const std::string& out_dir, int index, int count) {
  return fmt::format("{}/shard-{}-of-{}", slurm_shards_dir(out_dir), index, count);
}

std::string shell_quote(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789_-./=:,+@%") == std::string::npos;
  if (plain) return text;
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

namespace {

// The #SBATCH lines both jobs share: partition, time, the user's own options.
std::string common_options(const SlurmJobs& jobs) {
  std::string out;
  if (!jobs.partition.empty()) out += "#SBATCH --partition=" + jobs.partition + "\n";
  if (!jobs.time.empty()) out += "#SBATCH --time=" + jobs.time + "\n";
  for (const auto& a : jobs.sbatch_args) out += "#SBATCH " + a + "\n";
  return out;
}

}  // namespace

std::string slurm_array_script(const SlurmJobs& jobs) {
  const std::string shards = slurm_shards_dir(jobs.out_dir);
  std::string run_args;
  // Appended piece by piece: `" " + shell_quote(a)` trips GCC 12's -Wrestrict false positive.
  for (const auto& a : jobs.run_args) run_args.append(" ").append(shell_quote(a));
  return fmt::format(
      "#!/bin/sh\n"
      "# greenbench submit: grid {name} as {n} shards, one array task each (docs/cluster.md).\n"
      "# Task I runs shard I/{n} into {shards}/shard-I-of-{n}; a requeued task resumes its\n"
      "# folder without repeating finished runs.\n"
      "#SBATCH --job-name=greenbench-{name}\n"
      "#SBATCH --array=0-{last}\n"
      "#SBATCH --exclusive\n"
      "#SBATCH --requeue\n"
      "#SBATCH --open-mode=append\n"
      "#SBATCH --output={shards}/logs/shard-%a.out\n"
      "{common}"
      "echo \"greenbench: shard $SLURM_ARRAY_TASK_ID/{n} on $(hostname), start "
      "${{SLURM_RESTART_COUNT:-0}}\"\n"
      "exec {bin} run {grid} --shard \"$SLURM_ARRAY_TASK_ID/{n}\" --resume \\\n"
      "    --out {shards_q}/shard-\"$SLURM_ARRAY_TASK_ID\"-of-{n}{run_args}\n",
      fmt::arg("name", jobs.grid_name), fmt::arg("n", jobs.shards),
      fmt::arg("last", jobs.shards - 1), fmt::arg("shards", shards),
      fmt::arg("common", common_options(jobs)), fmt::arg("bin", shell_quote(jobs.binary)),
      fmt::arg("grid", shell_quote(jobs.grid_path)), fmt::arg("shards_q", shell_quote(shards)),
      fmt::arg("run_args", run_args));
}

std::string slurm_merge_script(const SlurmJobs& jobs) {
  const std::string shards = slurm_shards_dir(jobs.out_dir);
  std::string inputs;
  for (int i = 0; i < jobs.shards; ++i)
    inputs += " \\\n    " + shell_quote(slurm_shard_dir(jobs.out_dir, i, jobs.shards));
  return fmt::format(
      "#!/bin/sh\n"
      "# greenbench submit: merges the {n} shards of grid {name} into {out} (docs/cluster.md).\n"
      "# Submitted with --dependency=afterok on the array; after a failed task is requeued and\n"
      "# done, submit it again: sbatch {shards_q}/merge.sbatch\n"
      "#SBATCH --job-name=greenbench-{name}-merge\n"
      "#SBATCH --output={shards}/logs/merge.out\n"
      "{common}"
      "exec {bin} merge{inputs} \\\n"
      "    -o {out_q}\n",
      fmt::arg("name", jobs.grid_name), fmt::arg("n", jobs.shards), fmt::arg("out", jobs.out_dir),
      fmt::arg("shards", shards), fmt::arg("shards_q", shell_quote(shards)),
      fmt::arg("common", common_options(jobs)), fmt::arg("bin", shell_quote(jobs.binary)),
      fmt::arg("inputs", inputs), fmt::arg("out_q", shell_quote(jobs.out_dir)));
}

std::string slurm_sbatch(const std::vector<std::string>& args, const std::string& script_path) {
  std::string command = "sbatch --parsable";
  for (const auto& a : args) command.append(" ").append(shell_quote(a));
  command.append(" ").append(shell_quote(script_path)).append(" 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot start sbatch: " + command);
  std::string output;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
  const int status = pclose(pipe);
  // --parsable prints "ID" or "ID;CLUSTER" on a line of its own; warnings may come before it.
  std::istringstream lines(output);
  std::string id;
  static const std::regex id_line(R"(^([0-9]+)(;\S+)?\s*$)");
  std::smatch m;
  for (std::string line; std::getline(lines, line);)
    if (std::regex_match(line, m, id_line)) id = m[1];
  if (status != 0 || id.empty()) {
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    throw std::runtime_error(
        fmt::format("sbatch {} failed ({}): {}", script_path,
                    WIFEXITED(status) ? fmt::format("exit {}", WEXITSTATUS(status)) : "killed",
                    output.empty() ? "no output" : output));
  }
  return id;
}

}  // namespace greenbench
