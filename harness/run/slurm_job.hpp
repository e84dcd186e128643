// Internal: the Slurm jobs of `greenbench submit` (docs/cluster.md): the batch script of a
// grid's job array (one task per shard, each `run --shard I/N --resume` into its own folder),
// the batch script of the merge job, and their submission with sbatch. Not the split into
// shards (grid/grid_shard.hpp) and not the runner.
#pragma once

#include <string>
#include <vector>

namespace greenbench {

struct SlurmJobs {
  std::string binary;     // the greenbench executable, absolute
  std::string grid_path;  // the grid file, absolute
  std::string grid_name;
  int shards = 1;
  std::string out_dir;                   // the merged folder, absolute
  std::string partition, time;           // "" = the cluster's defaults
  std::vector<std::string> sbatch_args;  // given after `--`: one `#SBATCH` line each, both jobs
  std::vector<std::string> run_args;     // more `run` arguments: --shard-by, --meter, --set
};

// Where the shards, the scripts and the logs go: out_dir + ".shards".
std::string slurm_shards_dir(const std::string& out_dir);
// Shard `index`'s results folder: <shards dir>/shard-I-of-N.
std::string slurm_shard_dir(const std::string& out_dir, int index, int count);

// The job array's batch script: --array=0-(N-1), --exclusive (a meter never shares a node),
// --requeue and an appended log per task; each task runs its shard with --resume.
std::string slurm_array_script(const SlurmJobs& jobs);
// The merge job's batch script: `greenbench merge` of every shard folder into out_dir.
// Submitted with --dependency=afterok on the array.
std::string slurm_merge_script(const SlurmJobs& jobs);

// `text` as one word for /bin/sh, in single quotes where it needs them.
std::string shell_quote(const std::string& text);

// Runs `sbatch --parsable ARGS... SCRIPT` and returns the job id it prints ("12345", without a
// ";cluster" suffix). Throws std::runtime_error with sbatch's own message when it fails.
std::string slurm_sbatch(const std::vector<std::string>& args, const std::string& script_path);

}  // namespace greenbench
