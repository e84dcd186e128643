// The workload registry (include/greenbench/workload.hpp): names, config completion and
// construction of `mlp` and `cnn`. A new workload adds one entry to kWorkloads.
// Not the architectures (mlp.cpp, cnn.cpp) and not the training loop (classifier.cpp).
#include <fmt/format.h>

#include "models/archs.hpp"
#include "models/classifier.hpp"
#include "models/config.hpp"
#include "models/cost.hpp"
#include "models/input_error.hpp"

namespace greenbench {

namespace {

struct Entry {
  std::string name;
  std::vector<std::string> (*keys)();
  void (*complete)(const WorkloadConfig& in, WorkloadConfig& out);
  std::vector<models::Node> (*build)(const WorkloadConfig& config, int C, int H, int W,
                                     int classes);
};

const std::vector<Entry>& entries() {
  static const std::vector<Entry> kWorkloads = {
      {"mlp", models::mlp_keys, models::mlp_complete, models::mlp_build},
      {"cnn", models::cnn_keys, models::cnn_complete, models::cnn_build},
  };
  return kWorkloads;
}

const Entry& entry(const std::string& name) {
  for (const Entry& e : entries())
    if (e.name == name) return e;
  std::string list;
  for (const auto& n : workload_names()) list += (list.empty() ? "" : ", ") + n;
  throw InputError(fmt::format("workload: unknown name '{}'", name), "", 0, 0,
                   "use one of " + list);
}

std::vector<models::Node> build(const Entry& e, const WorkloadConfig& config) {
  int C = 0, H = 0, W = 0, classes = 0;
  models::classifier_input_shape(config, C, H, W, classes);
  return e.build(config, C, H, W, classes);
}

}  // namespace

const std::vector<std::string>& workload_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Entry& e : entries()) n.push_back(e.name);
    return n;
  }();
  return names;
}

WorkloadConfig workload_config_complete(const std::string& name, const WorkloadConfig& config) {
  const Entry& e = entry(name);
  std::vector<std::string> known = models::common_keys();
  for (const auto& k : e.keys()) known.push_back(k);
  models::keys_require_known(config, name, known);
  WorkloadConfig out = WorkloadConfig::object();
  models::common_complete(config, out);
  e.complete(config, out);
  build(e, out);  // shapes: an image too small for the architecture is an input error
  return out;
}

std::unique_ptr<Workload> workload_make(const std::string& name, const WorkloadConfig& config) {
  const Entry& e = entry(name);
  std::vector<models::Node> nodes = build(e, config);
  DatasetSplits data = dataset_load(models::classifier_dataset_spec(config));
  return models::classifier_make(name, config, std::move(data), std::move(nodes));
}

}  // namespace greenbench

namespace greenbench {

CostBreakdown workload_cost_breakdown(const std::string& name, const WorkloadConfig& config) {
  // mlp and cnn: the fused node list Net would run, without loading data or allocating.
  // An entry without a node-list builder (a workload that is not a Net) is built and asked.
  const Entry& e = entry(name);
  if (e.build == nullptr) return workload_make(name, config)->cost_breakdown();
  const auto optimizer = kernels::optimizer_parse(config.at("optimizer").get<std::string>());
  return models::net_cost(models::nodes_fuse_conv_pool(build(e, config)), optimizer);
}

}  // namespace greenbench
