// Facts about this machine and build for meta.json. Not the meter's probe (meter/factory.cpp).
#include "host_info.hpp"

#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>

#include "greenbench/blas_core.hpp"
#include "host_power.hpp"

extern "C" char* openblas_get_config(void);
extern "C" char* openblas_get_corename(void);

namespace greenbench {

static std::string cpuinfo_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "";
}

static nlohmann::json env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return v ? nlohmann::json(v) : nlohmann::json(nullptr);
}

// The Slurm job this process runs in (docs/cluster.md): its ids, node, partition and how often
// it was requeued; null outside Slurm.
static nlohmann::json slurm_info() {
  if (!std::getenv("SLURM_JOB_ID")) return nullptr;
  return {{"job_id", env_or_null("SLURM_JOB_ID")},
          {"array_job_id", env_or_null("SLURM_ARRAY_JOB_ID")},
          {"array_task_id", env_or_null("SLURM_ARRAY_TASK_ID")},
          {"node", env_or_null("SLURMD_NODENAME")},
          {"partition", env_or_null("SLURM_JOB_PARTITION")},
          {"cluster", env_or_null("SLURM_CLUSTER_NAME")},
          {"restart_count", env_or_null("SLURM_RESTART_COUNT")}};
}

nlohmann::json host_info() {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  return {{"greenbench_version", GREENBENCH_VERSION},
          {"git_commit", GREENBENCH_GIT_COMMIT},
          {"host", host},
          {"cpu_model", cpuinfo_model()},
          {"cores", std::thread::hardware_concurrency()},
          {"blas", "OpenBLAS"},
          {"blas_version", openblas_get_config()},
          {"blas_core", openblas_get_corename()},
          {"blas_core_note", blas_core_state().note},  // docs/workloads.md#blas-kernels
          // Kernel selection forced by the environment, if any (it can halve sgemm speed).
          {"openblas_coretype_env", env_or_null("OPENBLAS_CORETYPE")},
          // The power configuration: kernel, CPU, cpufreq, boost, SMT, RAPL limits, compiler.
          {"host_power", host_power_info(SourcePaths::from_env())},
          {"slurm", slurm_info()}};
}

std::string time_now_iso() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace greenbench
