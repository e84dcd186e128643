// `greenbench estimate fit` as a library call: the pre-run estimator fitted on results folders,
// its leave-one-architecture-out report and, on --holdout folders, its accuracy on
// architectures it never saw (docs/estimate.md). The command (harness/cli/cmd_estimate.cpp)
// checks its flags, writes the model and prints; tests call this directly.
#pragma once

#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "estimate_features.hpp"
#include "estimate_model.hpp"

namespace greenbench {

struct EstimateFit {
  EstimatorModel model;           // with the cross-validated residual interval
  CvResult cv;                    // leave-one-architecture-out
  std::vector<RunFeatures> runs;  // the runs fitted on
  std::size_t n_architectures = 0;
  nlohmann::json summary;  // the model file's "fit" object
};

// The TDP share of this machine the plain TDP x time baseline charges: the `estimate` meter
// source's table entry scaled to the CPUs this OS sees (docs/estimate.md).
double tdp_share_w();

// Fits on the finished runs of `dirs` (at least 4, of at least 2 architectures; else
// InputError). `holdout` folders lend their sgemm shapes to the timing table and are then
// evaluated. Writes estimate_predictions.csv into every folder, and every run's features to
// `features_csv` unless it is "". Warnings about energies go to `notes`. tdp_w: the TDP share
// the TDP x time baseline charges.
EstimateFit estimate_fit(const std::vector<std::string>& dirs,
                         const std::vector<std::string>& holdout, const std::string& features_csv,
                         double tdp_w, std::ostream& notes);

// The fitted model on folders of architectures it never saw: accuracy, interval coverage and
// the plain baselines fitted on all the training runs. Writes each folder's predictions.
nlohmann::json holdout_evaluate(const std::vector<std::string>& dirs,
                                const std::vector<RunFeatures>& train, const EstimatorModel& model,
                                double tdp_w);

}  // namespace greenbench
