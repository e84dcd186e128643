// The image-classifier Workload shared by `mlp`, `cnn` and `vit`: loads the data, owns one
// model (a Net, or vit's Transformer behind ClassifierModel), and runs the training loop
// (shuffled epochs, last partial batch kept), inference and the bench steps.
// Not the architectures (archs.hpp, vit.cpp) and not the runner.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "greenbench/dataset.hpp"
#include "greenbench/workload.hpp"
#include "kernels/threads.hpp"
#include "models/net.hpp"

namespace greenbench::models {

// The dataset a completed config names (common keys only).
DatasetSpec classifier_dataset_spec(const WorkloadConfig& config);
// The sample shape (C, H, W) and class count of that dataset, known without reading files.
void classifier_input_shape(const WorkloadConfig& config, int& C, int& H, int& W, int& classes);

// What the training loop needs of a model: a batch buffer, forward with loss, backward, update.
class ClassifierModel {
 public:
  virtual ~ClassifierModel() = default;
  virtual std::int64_t params() const = 0;
  virtual std::int64_t macs_per_sample() const = 0;
  virtual std::int64_t memory_bytes() const = 0;
  virtual float* input() = 0;  // (Bmax, C, H, W)
  virtual int* targets() = 0;  // (Bmax)
  // Mean cross-entropy and top-1 hits of input()[0..B); train: keep what backward needs.
  virtual kernels::CrossEntropyResult forward(int B, bool train) = 0;
  virtual void backward(int B) = 0;
  virtual void update(const kernels::OptimConfig& config, int step) = 0;
  // backward then update; a model may fuse the two (Net::backward_update).
  virtual void backward_update(int B, const kernels::OptimConfig& config, int step) {
    backward(B);
    update(config, step);
  }
  virtual double train_flops(int B) const = 0;
  virtual double infer_flops(int B) const = 0;
  // The run's thread budget, BLAS included (how it is spent is the model's choice).
  virtual void threads_set(int threads) { kernels::threads_set(threads); }
  // Per-op cost from shapes (Workload::cost_breakdown); empty where the model does not say.
  virtual CostBreakdown cost_breakdown(kernels::Optimizer optimizer) const {
    (void)optimizer;
    return {};
  }
};

// A ClassifierModel over a model object M (Net, Transformer) whose sizes, targets, update and
// FLOPs have the interface's names; a subclass says how to feed and run it (input, forward,
// backward) and what it costs.
template <class M>
class ClassifierModelOver : public ClassifierModel {
 public:
  std::int64_t params() const override { return model_.params(); }
  std::int64_t macs_per_sample() const override { return model_.macs_per_sample(); }
  std::int64_t memory_bytes() const override { return model_.memory_bytes(); }
  int* targets() override { return model_.targets(); }
  void update(const kernels::OptimConfig& c, int step) override { model_.update(c, step); }
  double train_flops(int B) const override { return model_.train_flops(B); }
  double infer_flops(int B) const override { return model_.infer_flops(B); }

 protected:
  template <class... Args>
  explicit ClassifierModelOver(Args&&... args) : model_(std::forward<Args>(args)...) {}
  M model_;
};

// Builds the workload over loaded data; `nodes` come from mlp_build / cnn_build.
std::unique_ptr<Workload> classifier_make(const std::string& name, const WorkloadConfig& config,
                                          DatasetSplits data, std::vector<Node> nodes);
// The same over any model sized for max(batch_size, infer_batch_size) samples.
std::unique_ptr<Workload> classifier_make(const std::string& name, const WorkloadConfig& config,
                                          DatasetSplits data,
                                          std::unique_ptr<ClassifierModel> model);

}  // namespace greenbench::models
