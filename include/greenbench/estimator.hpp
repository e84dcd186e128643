// The pre-run energy estimator (docs/estimate.md) for code that plans runs: a model fitted on
// results folders predicts a run's joules, with a 95% interval, from its configuration alone,
// before anything runs, as `greenbench estimate predict` and `run --dry-run --model` do (the same
// code: harness/estimate/, library greenbench_estimate). Models are the MODEL.json files of
// `greenbench estimate fit`, in both directions.
//
// The sgemm timings a prediction reads are the process's table (docs/estimate.md): a loaded
// model brings its fit's timings, and a shape the table lacks is timed on this machine when
// first asked for.
//
// For in-tree and add_subdirectory users (link greenbench_estimate): `cmake --install` installs
// neither this header nor its library (README.md, "Using greenbench from your own code").
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "greenbench/errors.hpp"
#include "greenbench/workload.hpp"

namespace greenbench {

// One run's energy as a model predicts it before the run (`estimate predict --json`'s fields).
struct EnergyPrediction {
  double energy_j = 0;           // predicted_j
  double low_j = 0, high_j = 0;  // its 95% interval, from the fit's cross-validation residuals
  double baseline_j = 0;         // the physical baseline alone, before the learned correction
  double flops = 0;              // train + infer FLOPs of the whole run
  int64_t params = 0;
  // Work the run has that no fitted run had (base features, e.g. "im2col_bytes"): it is not
  // priced, so energy_j is low. Empty when the model saw all of it.
  std::vector<std::string> unseen_features;
};

class EnergyModel {
 public:
  // Reads a model file (`greenbench estimate fit -o MODEL.json`, or save()). Throws InputError
  // naming the file when it cannot be read or is not a model of this build's features.
  static EnergyModel load(const std::string& path);

  // Fits on the `ok` runs of results folders, as `greenbench estimate fit DIR...` does: at least
  // 4 runs of at least 2 architectures, else InputError. Like the command, it writes each
  // folder's held-out predictions to DIR/estimate_predictions.csv. Warnings about the folders'
  // energies go to `notes` (none when null).
  static EnergyModel fit(const std::vector<std::string>& results_dirs,
                         std::ostream* notes = nullptr);

  // Writes the model file, as `estimate fit -o` does (atomically).
  void save(const std::string& path) const;

  // The energy of a run of `workload` with `config` (every key: a RunPlan's config, or
  // workload_config_complete) and `phases` ("train", "infer"). Throws InputError when the
  // workload gives no cost breakdown (a command run).
  EnergyPrediction predict(const std::string& workload, const WorkloadConfig& config,
                           const std::vector<std::string>& phases = {"train", "infer"}) const;

 private:
  struct Impl;  // harness/estimate/estimator.cpp
  explicit EnergyModel(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace greenbench
