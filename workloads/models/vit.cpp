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

class VitModel final : public ClassifierModelOver<Transformer> {
 public:
  VitModel(const TransformerShape& shape, int Bmax, kernels::Optimizer kind, std::uint64_t seed)
      : ClassifierModelOver(shape, Bmax, 0, kind, seed), T_(shape.tokens()) {}
  float* input() override { return model_.images(); }
  kernels::CrossEntropyResult forward(int B, bool) override { return model_.forward(B, T_); }
  void backward(int B) override { model_.backward(B, T_); }
  CostBreakdown cost_breakdown(kernels::Optimizer optimizer) const override {
    return transformer_cost(model_.shape(), optimizer);
  }

 private:
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
