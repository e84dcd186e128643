// The workload registry (include/greenbench/workload.hpp): names, config completion and
// construction of `mlp`, `cnn`, `vit` and `lm`. A new workload adds one entry to kWorkloads.
// Not the architectures (mlp.cpp, cnn.cpp, vit.cpp, lm.cpp) and not the training loops.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "models/archs.hpp"
#include "models/classifier.hpp"
#include "models/config.hpp"
#include "models/cost.hpp"
#include "models/input_error.hpp"
#include "models/transformer_archs.hpp"
#include "models/transformer_cost.hpp"

namespace greenbench {

namespace {

struct Entry {
  std::string name;
  std::vector<std::string> (*keys)();
  void (*complete)(const WorkloadConfig& in, WorkloadConfig& out);
  // Classifiers over a Net: the node list. nullptr for workloads built by `make`.
  std::vector<models::Node> (*build)(const WorkloadConfig& config, int C, int H, int W,
                                     int classes);
  std::unique_ptr<Workload> (*make)(const WorkloadConfig& config) = nullptr;
  bool own_common = false;  // `complete` fills in the common keys too (lm)
};

std::unique_ptr<Workload> lm_workload_make(const WorkloadConfig& config) {
  return models::lm_make(config);
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> kWorkloads = {
      {"mlp", models::mlp_keys, models::mlp_complete, models::mlp_build},
      {"cnn", models::cnn_keys, models::cnn_complete, models::cnn_build},
      {"vit", models::vit_keys, models::vit_complete, nullptr, models::vit_make},
      {"lm", models::lm_keys, models::lm_complete, nullptr, lm_workload_make, true},
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
  if (!e.own_common) models::common_complete(config, out);
  e.complete(config, out);
  if (e.build) build(e, out);  // shapes: an image too small for the architecture is an input error
  return out;
}

std::vector<std::string> workload_keys(const std::string& name) {
  const Entry& e = entry(name);
  std::vector<std::string> known = models::common_keys();
  for (const auto& k : e.keys()) known.push_back(k);
  return known;
}

namespace {

// The data set a classifier config names, checked once per spec (grids repeat specs, and
// dataset_check reads label files).
const DatasetInfo& classifier_data_info(const WorkloadConfig& config) {
  static std::map<std::string, DatasetInfo> checked;
  const DatasetSpec spec = models::classifier_dataset_spec(config);
  const std::string key =
      fmt::format("{}|{}|{}|{}|{}|{}x{}x{}", spec.name, spec.data_dir, spec.train_samples,
                  spec.test_samples, spec.seed, spec.channels, spec.height, spec.width);
  auto it = checked.find(key);
  if (it == checked.end()) it = checked.emplace(key, dataset_check(spec)).first;
  return it->second;
}

std::int64_t data_bytes_of(const DatasetInfo& info) {
  return (info.train_samples + info.test_samples) *
         (std::int64_t{info.channels} * info.height * info.width + 4);
}

// Workloads built by `make` (vit, lm) have no node list to size without allocating: build the
// workload (its arena and data) and ask it.
WorkloadSize workload_size_built(const Entry& e, const WorkloadConfig& config) {
  const auto w = e.make(config);
  WorkloadSize s;
  s.params = w->params();
  s.macs_per_sample = w->macs_per_sample();
  s.memory_bytes = w->memory_bytes();
  s.train_samples = w->train_samples();
  s.test_samples = w->test_samples();
  // lm's corpus is a few hundred KB of bytes (not counted); vit reads image data sets.
  s.data_bytes = e.own_common ? 0 : data_bytes_of(classifier_data_info(config));
  s.train_flops_per_sample = w->bench_train_flops() / config.at("batch_size").get<double>();
  s.infer_flops_per_sample = w->bench_infer_flops() / config.at("infer_batch_size").get<double>();
  return s;
}

}  // namespace

WorkloadSize workload_size(const std::string& name, const WorkloadConfig& config) {
  const Entry& e = entry(name);
  if (!e.build) return workload_size_built(e, config);
  const models::CommonConfig c = models::common_read(config);
  const models::Net net(build(e, config), std::max(c.batch_size, c.infer_batch_size),
                        kernels::optimizer_parse(c.optimizer), c.seed, true, /*allocate=*/false,
                        c.threads);
  const DatasetInfo& info = classifier_data_info(config);
  WorkloadSize s;
  s.params = net.params();
  s.macs_per_sample = net.macs_per_sample();
  s.memory_bytes = net.memory_bytes();
  s.train_samples = info.train_samples;
  s.test_samples = info.test_samples;
  s.data_bytes = data_bytes_of(info);
  s.train_flops_per_sample = net.train_flops(1);
  s.infer_flops_per_sample = net.infer_flops(1);
  return s;
}

std::unique_ptr<Workload> workload_make(const std::string& name, const WorkloadConfig& config) {
  const Entry& e = entry(name);
  if (e.make) return e.make(config);
  std::vector<models::Node> nodes = build(e, config);
  DatasetSplits data = dataset_load(models::classifier_dataset_spec(config));
  return models::classifier_make(name, config, std::move(data), std::move(nodes));
}

}  // namespace greenbench

namespace greenbench {

CostBreakdown workload_cost_breakdown(const std::string& name, const WorkloadConfig& config) {
  // mlp and cnn: the fused node list Net would run; vit and lm: the transformer's shape;
  // neither loads data or allocates. A workload without either is built and asked.
  const Entry& e = entry(name);
  const auto optimizer = kernels::optimizer_parse(config.at("optimizer").get<std::string>());
  if (name == "vit") return models::transformer_cost(models::vit_shape(config), optimizer);
  if (name == "lm")
    return models::lm_cost(models::lm_shape(config), optimizer,
                           config.at("infer_batch_size").get<int>(),
                           config.at("prompt_tokens").get<int>(),
                           config.at("gen_tokens").get<int>(), config.at("kv_cache").get<bool>());
  if (!e.build) return e.make(config)->cost_breakdown();
  return models::net_cost(models::nodes_fuse_conv_pool(build(e, config)), optimizer);
}

}  // namespace greenbench
