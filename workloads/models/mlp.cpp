// The `mlp` architecture: flatten, then per hidden width a dense layer and the activation,
// then a dense layer to the classes. Not the training loop (classifier.cpp).
#include <fmt/format.h>

#include "models/archs.hpp"
#include "models/config.hpp"

namespace greenbench::models {

std::vector<std::string> mlp_keys() {
  return {"hidden", "activation"};
}

void mlp_complete(const WorkloadConfig& in, WorkloadConfig& out) {
  out["hidden"] = key_int_list(in, "hidden", false, {256, 128});
  out["activation"] = key_enum(in, "activation", {"relu", "gelu", "tanh"}, "relu");
}

std::vector<Node> mlp_build(const WorkloadConfig& config, int C, int H, int W, int classes) {
  NetBuilder b(C, H, W);
  const std::string act = config.at("activation").get<std::string>();
  int x = 0, layer = 1;
  for (int width : config.at("hidden").get<std::vector<int>>()) {
    x = b.dense(x, width, fmt::format("fc{}", layer++));
    x = act == "relu" ? b.relu(x) : act == "gelu" ? b.gelu(x) : b.tanh(x);
  }
  b.dense(x, classes, fmt::format("fc{}", layer));
  return b.take();
}

}  // namespace greenbench::models
