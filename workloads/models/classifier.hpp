// The image-classifier Workload shared by `mlp` and `cnn`: loads the data, owns one Net, and
// runs the training loop (shuffled epochs, last partial batch kept), inference and the bench
// steps. Not the architectures (archs.hpp) and not the runner.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "greenbench/dataset.hpp"
#include "greenbench/workload.hpp"
#include "models/net.hpp"

namespace greenbench::models {

// The dataset a completed config names (common keys only).
DatasetSpec classifier_dataset_spec(const WorkloadConfig& config);
// The sample shape (C, H, W) and class count of that dataset, known without reading files.
void classifier_input_shape(const WorkloadConfig& config, int& C, int& H, int& W, int& classes);

// Builds the workload over loaded data; `nodes` come from mlp_build / cnn_build.
std::unique_ptr<Workload> classifier_make(const std::string& name, const WorkloadConfig& config,
                                          DatasetSplits data, std::vector<Node> nodes);

}  // namespace greenbench::models
