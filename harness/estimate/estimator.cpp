// The public estimator (include/greenbench/estimator.hpp) over the one implementation that
// `greenbench estimate` and `run --dry-run --model` use: estimate_model (load, save, predict_run)
// and estimate_fit.
#include "greenbench/estimator.hpp"

#include <ostream>

#include "estimate_fit.hpp"
#include "estimate_model.hpp"

namespace greenbench {

struct EnergyModel::Impl {
  EstimatorModel model;
  nlohmann::json fit_summary = nlohmann::json::object();  // the model file's "fit" report
};

EnergyModel EnergyModel::load(const std::string& path) {
  auto impl = std::make_shared<Impl>();
  impl->model = estimator_model_load(path);
  return EnergyModel(std::move(impl));
}

EnergyModel EnergyModel::fit(const std::vector<std::string>& results_dirs, std::ostream* notes) {
  std::ostream silent(nullptr);  // no buffer: what is written goes nowhere
  EstimateFit fit = estimate_fit(results_dirs, {}, "", tdp_share_w(), notes ? *notes : silent);
  auto impl = std::make_shared<Impl>();
  impl->model = std::move(fit.model);
  impl->fit_summary = std::move(fit.summary);
  return EnergyModel(std::move(impl));
}

void EnergyModel::save(const std::string& path) const {
  estimator_model_save(path, impl_->model, impl_->fit_summary);
}

EnergyPrediction EnergyModel::predict(const std::string& workload, const WorkloadConfig& config,
                                      const std::vector<std::string>& phases) const {
  return impl_->model.predict_run(workload, config, run_phases_of(phases));
}

}  // namespace greenbench
