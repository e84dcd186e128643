// The classifier workload: the training loop over shuffled batches (PyTorch DataLoader with
// shuffle=True, drop_last=False), inference over the test split, and the bench steps on a
// fixed batch. See classifier.hpp. Not the model (net.cpp) and not the data readers (data/).
#include "models/classifier.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "kernels/threads.hpp"
#include "models/config.hpp"
#include "models/cost.hpp"
#include "models/phase_loop.hpp"

namespace greenbench::models {

DatasetSpec classifier_dataset_spec(const WorkloadConfig& config) {
  const CommonConfig c = common_read(config);
  DatasetSpec spec;
  spec.name = c.dataset;
  spec.data_dir = c.data_dir;
  spec.train_samples = c.train_samples;
  spec.test_samples = c.test_samples;
  spec.seed = c.seed;
  if (c.dataset == "synthetic") {
    spec.channels = c.input_shape.at(0);
    spec.height = c.input_shape.at(1);
    spec.width = c.input_shape.at(2);
    spec.classes = 10;
    // Generate exactly the subset asked for (default 60000 / 10000, Fashion-MNIST's sizes).
    spec.synthetic_train = c.train_samples > 0 ? c.train_samples : 60000;
    spec.synthetic_test = c.test_samples > 0 ? c.test_samples : 10000;
  }
  return spec;
}

void classifier_input_shape(const WorkloadConfig& config, int& C, int& H, int& W, int& classes) {
  const std::string dataset = config.at("dataset").get<std::string>();
  classes = 10;
  if (dataset == "fashion-mnist") {
    C = 1, H = W = 28;
  } else if (dataset == "cifar10") {
    C = 3, H = W = 32;
  } else {
    const auto shape = config.at("input_shape").get<std::vector<int>>();
    C = shape.at(0), H = shape.at(1), W = shape.at(2);
  }
}

namespace {

// A Net as a ClassifierModel.
class NetModel final : public ClassifierModelOver<Net> {
 public:
  NetModel(std::vector<Node> nodes, int Bmax, kernels::Optimizer kind, std::uint64_t seed,
           int threads)
      : ClassifierModelOver(std::move(nodes), Bmax, kind, seed, /*fuse=*/true, /*allocate=*/true,
                            threads) {}
  void threads_set(int threads) override { model_.threads_set(threads); }
  float* input() override { return model_.input(); }
  kernels::CrossEntropyResult forward(int B, bool train) override {
    return model_.forward(B, train);
  }
  void backward(int B) override { model_.backward(B); }
  void backward_update(int B, const kernels::OptimConfig& config, int step) override {
    model_.backward_update(B, config, step);
  }
  CostBreakdown cost_breakdown(kernels::Optimizer optimizer) const override {
    return net_cost(model_.nodes(), optimizer);
  }
};

class Classifier final : public Workload {
 public:
  Classifier(std::string name, const WorkloadConfig& config, DatasetSplits data,
             std::unique_ptr<ClassifierModel> model)
      : name_(std::move(name)),
        common_(common_read(config)),
        optim_(optim_config(common_)),
        data_(std::move(data)),
        model_(std::move(model)),
        net_(*model_),
        test_order_(static_cast<std::size_t>(data_.test.n)),
        bench_order_(
            static_cast<std::size_t>(std::max(common_.batch_size, common_.infer_batch_size))) {
    model_->threads_set(common_.threads);
    for (std::size_t i = 0; i < test_order_.size(); i++) test_order_[i] = static_cast<int>(i);
    for (std::size_t i = 0; i < bench_order_.size(); i++)
      bench_order_[i] = static_cast<int>(i % static_cast<std::size_t>(data_.train.n));
  }

  std::string name() const override { return name_; }
  std::int64_t params() const override { return net_.params(); }
  std::int64_t macs_per_sample() const override { return net_.macs_per_sample(); }
  std::int64_t memory_bytes() const override { return net_.memory_bytes(); }
  std::int64_t train_samples() const override { return data_.train.n; }
  std::int64_t test_samples() const override { return data_.test.n; }
  std::int64_t steps_per_epoch() const override {
    return (data_.train.n + common_.batch_size - 1) / common_.batch_size;
  }

  void threads_set(int threads) override {
    if (threads < 1 || threads > threads_built_)
      throw std::invalid_argument("threads_set: " + std::to_string(threads) + " is not in 1.." +
                                  std::to_string(threads_built_));
    common_.threads = threads;
    model_->threads_set(threads);
  }
  int threads() const override { return common_.threads; }

  void train_epoch(int epoch, PhaseObserver& observer) override {
    model_->threads_set(common_.threads);
    const std::vector<int> order =
        dataset_permutation(static_cast<int>(data_.train.n), common_.seed, epoch);
    detail::phase_loop(
        "train", data_.train.n, common_.batch_size, 1, true, observer,
        [&](std::int64_t start, int B) {
          dataset_batch(data_.train, order.data() + start, B, net_.input(), net_.targets());
          return net_.forward(B, true);
        },
        [&](int B) { net_.backward_update(B, optim_, ++step_); });
  }

  void infer(PhaseObserver& observer) override {
    model_->threads_set(common_.threads);
    detail::phase_loop(
        "infer", data_.test.n, common_.infer_batch_size, 1, false, observer,
        [&](std::int64_t start, int B) {
          dataset_batch(data_.test, test_order_.data() + start, B, net_.input(), net_.targets());
          return net_.forward(B, false);
        },
        [](int) {});
  }

  // One step on the first batch_size train samples (repeated if the split is smaller).
  void bench_train_step() override {
    const int B = common_.batch_size;
    dataset_batch(data_.train, bench_order_.data(), B, net_.input(), net_.targets());
    net_.forward(B, true);
    net_.backward_update(B, optim_, ++step_);
  }
  void bench_infer_step() override {
    const int B = common_.infer_batch_size;
    dataset_batch(data_.train, bench_order_.data(), B, net_.input(), net_.targets());
    net_.forward(B, false);
  }
  double bench_train_flops() const override { return net_.train_flops(common_.batch_size); }
  double bench_infer_flops() const override { return net_.infer_flops(common_.infer_batch_size); }
  CostBreakdown cost_breakdown() const override { return net_.cost_breakdown(optim_.kind); }

 private:
  std::string name_;
  CommonConfig common_;
  kernels::OptimConfig optim_;
  DatasetSplits data_;
  std::unique_ptr<ClassifierModel> model_;
  ClassifierModel& net_;
  int threads_built_ = common_.threads;  // the config's threads: threads_set's ceiling
  std::vector<int> test_order_;          // (test n): 0, 1, 2, ...
  std::vector<int> bench_order_;         // (Bmax): the fixed bench batch
  int step_ = 0;
};

}  // namespace

std::unique_ptr<Workload> classifier_make(const std::string& name, const WorkloadConfig& config,
                                          DatasetSplits data, std::vector<Node> nodes) {
  const CommonConfig c = common_read(config);
  auto model =
      std::make_unique<NetModel>(std::move(nodes), std::max(c.batch_size, c.infer_batch_size),
                                 kernels::optimizer_parse(c.optimizer), c.seed, c.threads);
  return std::make_unique<Classifier>(name, config, std::move(data), std::move(model));
}

std::unique_ptr<Workload> classifier_make(const std::string& name, const WorkloadConfig& config,
                                          DatasetSplits data,
                                          std::unique_ptr<ClassifierModel> model) {
  return std::make_unique<Classifier>(name, config, std::move(data), std::move(model));
}

}  // namespace greenbench::models
