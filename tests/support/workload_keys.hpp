// Test helper: the workload keys of a scaled `cnn` architecture (docs/workloads.md, "cnn"), as
// the case tables of the model and GEMM tests write them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace greenbench::testing {

// {arch, width, depth} of a vgg, resnet or mobilenet `cnn`: `width` times the channels and
// `depth` blocks a stage; then the keys of `more`.
inline nlohmann::json cnn_scaled(const std::string& arch, double width, int depth,
                                 const nlohmann::json& more = nlohmann::json::object()) {
  nlohmann::json keys = {{"arch", arch}, {"width", width}, {"depth", depth}};
  for (const auto& [k, v] : more.items()) keys[k] = v;
  return keys;
}

}  // namespace greenbench::testing
