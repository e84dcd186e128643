// The architectures of the classifier workloads: each checks its own keys (on top of the
// common ones) and builds its node list for an input of (C, H, W) and `classes` outputs.
// Not the training loop (classifier.cpp) and not the ops (kernels/).
#pragma once

#include <vector>

#include "greenbench/workload.hpp"
#include "models/net.hpp"

namespace greenbench::models {

// mlp: hidden (list of widths), activation (relu | gelu | tanh).
std::vector<std::string> mlp_keys();
void mlp_complete(const WorkloadConfig& in, WorkloadConfig& out);
std::vector<Node> mlp_build(const WorkloadConfig& config, int C, int H, int W, int classes);

// cnn: arch (custom | lenet5 | vgg | resnet | mobilenet) and the keys of that arch.
std::vector<std::string> cnn_keys();
void cnn_complete(const WorkloadConfig& in, WorkloadConfig& out);
std::vector<Node> cnn_build(const WorkloadConfig& config, int C, int H, int W, int classes);

}  // namespace greenbench::models
