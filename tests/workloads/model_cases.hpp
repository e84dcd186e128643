// The tiny model of every architecture that the gradient and golden tests share: workload,
// keys and input shape, and a helper that builds its Net. Not a test by itself.
#pragma once

#include <cmath>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "greenbench/workload.hpp"
#include "models/archs.hpp"
#include "models/net.hpp"
#include "workload_keys.hpp"

namespace greenbench::testing {

struct ModelCase {
  std::string label;     // names the test and the golden file
  std::string workload;  // "mlp" | "cnn"
  nlohmann::json keys;   // workload keys (besides the common ones)
  int C, H, W;           // input shape
};

inline std::vector<ModelCase> model_cases() {
  return {
      {"mlp_relu", "mlp", {{"hidden", {7, 5}}, {"activation", "relu"}}, 1, 6, 6},
      {"mlp_gelu", "mlp", {{"hidden", {6}}, {"activation", "gelu"}}, 1, 5, 5},
      {"mlp_tanh", "mlp", {{"hidden", {6, 4}}, {"activation", "tanh"}}, 1, 5, 5},
      {"cnn_custom", "cnn", {{"arch", "custom"}, {"conv", {3, 4}}, {"fc", {6}}}, 1, 8, 8},
      {"cnn_custom_k5",
       "cnn",
       {{"arch", "custom"}, {"conv", {3}}, {"kernel", 5}, {"fc", nlohmann::json::array()}},
       3,
       6,
       6},
      {"cnn_lenet5", "cnn", {{"arch", "lenet5"}, {"width", 0.5}}, 1, 12, 12},
      {"cnn_vgg", "cnn", cnn_scaled("vgg", 0.125, 1), 3, 8, 8},
      {"cnn_vgg_nobn", "cnn", cnn_scaled("vgg", 0.125, 2, {{"batch_norm", false}}), 1, 8, 8},
      {"cnn_resnet", "cnn", cnn_scaled("resnet", 0.25, 1), 3, 8, 8},
      {"cnn_resnet_d2", "cnn", cnn_scaled("resnet", 0.25, 2), 1, 8, 8},
      {"cnn_mobilenet", "cnn", cnn_scaled("mobilenet", 0.125, 1), 3, 8, 8},
  };
}

inline void PrintTo(const ModelCase& c, std::ostream* os) {
  *os << c.label;
}

// The completed config of a case (synthetic data of the case's shape).
inline nlohmann::json model_case_config(const ModelCase& c) {
  nlohmann::json cfg = c.keys;
  cfg["dataset"] = "synthetic";
  cfg["input_shape"] = {c.C, c.H, c.W};
  return workload_config_complete(c.workload, cfg);
}

// fuse: Net's conv + relu + max-pool fusion (the default), or every node as built.
inline std::unique_ptr<models::Net> model_case_net(
    const ModelCase& c, int B, bool fuse = true, int threads = 1,
    kernels::Optimizer optimizer = kernels::Optimizer::sgd) {
  const auto cfg = model_case_config(c);
  auto nodes = c.workload == "mlp" ? models::mlp_build(cfg, c.C, c.H, c.W, 10)
                                   : models::cnn_build(cfg, c.C, c.H, c.W, 10);
  auto net = std::make_unique<models::Net>(std::move(nodes), B, optimizer, 0, fuse,
                                           /*allocate=*/true, threads);
  net->threads_set(threads);
  return net;
}

// Deterministic inputs the golden script reproduces: x[i] = sin(0.37 i + 0.2) * 1.5,
// targets[b] = (3 b + 1) % 10.
inline void model_case_input(models::Net& net, int B) {
  const auto& in = net.nodes()[0];
  const int n = B * in.C * in.H * in.W;
  for (int i = 0; i < n; i++) net.input()[i] = float(std::sin(0.37 * i + 0.2) * 1.5);
  for (int b = 0; b < B; b++) net.targets()[b] = (3 * b + 1) % 10;
}

// Deterministic parameters the golden script reproduces. Tensor t, element k:
// weights and biases (fan_in > 0): sin(0.7 k + 1.3 t + 0.1) / sqrt(fan_in);
// batch-norm weight: 1 + 0.2 sin(k + t); batch-norm bias: 0.1 cos(k + t).
inline void model_case_params(models::Net& net) {
  const auto& tensors = net.param_tensors();
  for (std::size_t t = 0; t < tensors.size(); t++) {
    const auto& p = tensors[t];
    const bool bn_weight = p.fan_in == 0 && p.name.ends_with(".weight");
    for (std::int64_t k = 0; k < p.count; k++) {
      double v;
      if (p.fan_in > 0)
        v = std::sin(0.7 * k + 1.3 * t + 0.1) / std::sqrt(double(p.fan_in));
      else if (bn_weight)
        v = 1.0 + 0.2 * std::sin(double(k + t));
      else
        v = 0.1 * std::cos(double(k + t));
      net.param_data()[p.offset + k] = float(v);
    }
  }
}

}  // namespace greenbench::testing
