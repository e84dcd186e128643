// The `vit` workload: keys and their checks, the Transformer as a ClassifierModel, and
// construction over the image data sets (training loop: classifier.cpp). Not the transformer
// (transformer.cpp).
#include <fmt/format.h>

#include <cmath>

#include "models/classifier.hpp"
#include "models/config.hpp"
#include "models/input_error.hpp"
#include "models/transformer_archs.hpp"
#include "models/transformer_cost.hpp"

namespace greenbench::models {

namespace {

class VitModel final : public ClassifierModel {
 public:
  VitModel(const TransformerShape& shape, int Bmax, kernels::Optimizer kind, std::uint64_t seed)
      : t_(shape, Bmax, 0, kind, seed), T_(shape.tokens()) {}
  std::int64_t params() const override { return t_.params(); }
  std::int64_t macs_per_sample() const override { return t_.macs_per_sample(); }
  std::int64_t memory_bytes() const override { return t_.memory_bytes(); }
  float* input() override { return t_.images(); }
  int* targets() override { return t_.targets(); }
  kernels::CrossEntropyResult forward(int B, bool) override { return t_.forward(B, T_); }
  void backward(int B) override { t_.backward(B, T_); }
  void update(const kernels::OptimConfig& c, int step) override { t_.update(c, step); }
  double train_flops(int B) const override { return t_.train_flops(B); }
  double infer_flops(int B) const override { return t_.infer_flops(B); }
  CostBreakdown cost_breakdown(kernels::Optimizer optimizer) const override {
    return transformer_cost(t_.shape(), optimizer);
  }

 private:
  Transformer t_;
  int T_;
};

}  // namespace

std::vector<std::string> vit_keys() {
  return {"patch", "dim", "depth", "heads", "mlp_ratio"};
}

void vit_complete(const WorkloadConfig& in, WorkloadConfig& out) {
  int C = 0, H = 0, W = 0, classes = 0;
  classifier_input_shape(out, C, H, W, classes);
  const auto patch = key_int(in, "patch", 1, 4096, 7);
  if (patch > H || patch > W)
    throw InputError(fmt::format("patch: {} is larger than the {}x{} images", patch, H, W), "", 0,
                     0, "use a patch of at most the image's height and width");
  out["patch"] = patch;
  transformer_width_complete(in, out, /*default_dim=*/64);
  const auto dim = out["dim"].get<std::int64_t>();
  const double ratio = key_number(in, "mlp_ratio", 0, 1024, true, 2.0);
  if (std::lround(double(dim) * ratio) < 1)
    throw InputError(fmt::format("mlp_ratio: {} gives an MLP width below 1 at dim {}", ratio, dim),
                     "", 0, 0, "use a larger mlp_ratio");
  out["mlp_ratio"] = ratio;
}

TransformerShape vit_shape(const WorkloadConfig& config) {
  TransformerShape s;
  s.lm = false;
  classifier_input_shape(config, s.IC, s.H, s.W, s.classes);
  s.patch = config.at("patch").get<int>();
  s.dim = config.at("dim").get<int>();
  s.depth = config.at("depth").get<int>();
  s.heads = config.at("heads").get<int>();
  s.hidden = int(std::lround(s.dim * config.at("mlp_ratio").get<double>()));
  return s;
}

std::unique_ptr<Workload> vit_make(const WorkloadConfig& config) {
  const CommonConfig c = common_read(config);
  DatasetSplits data = dataset_load(classifier_dataset_spec(config));
  auto model =
      std::make_unique<VitModel>(vit_shape(config), std::max(c.batch_size, c.infer_batch_size),
                                 kernels::optimizer_parse(c.optimizer), c.seed);
  return classifier_make("vit", config, std::move(data), std::move(model));
}

}  // namespace greenbench::models
