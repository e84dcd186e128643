// The estimator's inputs, from a configuration alone: the physical totals of a whole run
// (FLOPs by op kind, bytes inside and beyond the L2 cache, op calls, steps) and the shape
// features its learned correction sees; the architecture id that cross-validation groups by;
// the machine's cache sizes; and the runs of results folders. Not the model (estimate_model).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "greenbench/results.hpp"
#include "greenbench/workload.hpp"

namespace greenbench {

class GemmTimes;

// Data cache sizes in bytes, from sysfs ($GREENBENCH_SYSFS_ROOT/devices/system/cpu/cpu0/cache/
// index*/{level,type,size}); where sysfs has none (VMs), from sysconf, else 48 KiB / 1 MiB /
// 32 MiB. `source` says which.
struct CacheSizes {
  double l1d = 0, l2 = 0, l3 = 0;
  std::string source;
  nlohmann::json to_json() const;
  static CacheSizes from_json(const nlohmann::json& j);
};
CacheSizes cache_sizes_read(const std::string& sysfs_root);

// Names of the base (physical) features, in order; every entry is a whole-run total.
const std::vector<std::string>& base_feature_names();
// Names of the correction features, in order (log sizes, FLOP shares, ...): the names of the
// table that also computes them (estimate_features.cpp, shape_features).
std::vector<std::string> shape_feature_names();

struct RunFeatures {
  std::string run_id, workload, arch_id;
  std::vector<double> base;   // base_feature_names() order
  std::vector<double> shape;  // shape_feature_names() order
  double flops_total = 0;     // train + infer FLOPs of the whole run
  double samples_seen = 0;    // epochs x (train + test samples)
  std::int64_t params = 0;
  double measured_j = 0, measured_s = 0;  // from results; 0 for a configuration not yet run
  std::string folder;                     // the results folder it came from
};

// An architecture: the workload, every key that is not a common key (docs/workloads.md: batch
// sizes, epochs, optimiser, threads, data, ...), and the input shape. Runs of one architecture are
// held out together.
std::string arch_id_of(const std::string& workload, const WorkloadConfig& config);

// Which phases a run has (a grid experiment's `phases`): with training, `epochs` training
// passes each followed by an inference pass; inference alone, one inference pass.
struct RunPhases {
  bool train = true, infer = true;
};
RunPhases run_phases_of(const std::vector<std::string>& phases);

// Whether `cost.gemms` lists every sgemm of its dense and conv kinds (their FLOPs add up).
bool gemms_cover(const CostBreakdown& cost);

// Features of a completed configuration, the sgemms timed by `times` (default: the process's
// table, gemm_times()). Throws InputError when the workload gives no cost breakdown (then it
// cannot be estimated yet).
RunFeatures features_of(const std::string& workload, const WorkloadConfig& config,
                        const CacheSizes& caches, RunPhases phases, GemmTimes& times);
RunFeatures features_of(const std::string& workload, const WorkloadConfig& config,
                        const CacheSizes& caches, RunPhases phases = {});

// Every `ok` run of a results folder (read with results_folder_read, the one reader), with its
// features and measured energy. Throws InputError naming the file and line for a bad row.
std::vector<RunFeatures> runs_load(const std::string& dir, const CacheSizes& caches);
// The same for a folder already read (its notes are the caller's to print).
std::vector<RunFeatures> runs_load(const ResultsFolder& folder, const CacheSizes& caches);

}  // namespace greenbench
