// Typed key getters and the common keys (docs/workloads.md) with their defaults. See config.hpp.
// Not the workload-specific keys (mlp.cpp, cnn.cpp).
#include "models/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/input_error.hpp"

namespace greenbench::models {

namespace {

[[noreturn]] void bad(const std::string& key, const std::string& expected,
                      const WorkloadConfig& got) {
  throw InputError(fmt::format("{}: expected {}, got {}", key, expected, got.dump()));
}

// An integer-valued JSON number (7 or 7.0), else nullopt-like false.
bool as_int(const WorkloadConfig& v, std::int64_t& out) {
  if (v.is_number_integer()) {
    out = v.get<std::int64_t>();
    return true;
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
      out = static_cast<std::int64_t>(d);
      return true;
    }
  }
  return false;
}

constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();

}  // namespace

const std::vector<std::string>& common_keys() {
  static const std::vector<std::string> keys = {
      "batch_size", "infer_batch_size", "epochs",       "learning_rate", "optimizer",
      "momentum",   "weight_decay",     "threads",      "seed",          "dataset",
      "data_dir",   "train_samples",    "test_samples", "input_shape"};
  return keys;
}

std::int64_t key_int(const WorkloadConfig& config, const std::string& key, std::int64_t lo,
                     std::int64_t hi, std::int64_t fallback) {
  if (!config.contains(key)) return fallback;
  std::int64_t v = 0;
  if (!as_int(config[key], v) || v < lo || v > hi) {
    const std::string range = hi >= kIntMax ? fmt::format("an integer >= {}", lo)
                                            : fmt::format("an integer in [{}, {}]", lo, hi);
    bad(key, range, config[key]);
  }
  return v;
}

double key_number(const WorkloadConfig& config, const std::string& key, double lo, double hi,
                  bool lo_open, double fallback) {
  if (!config.contains(key)) return fallback;
  const auto& j = config[key];
  const double v = j.is_number() ? j.get<double>() : std::nan("");
  if (!std::isfinite(v) || v < lo || v > hi || (lo_open && v == lo)) {
    std::string what =
        lo_open ? fmt::format("a number > {}", lo) : fmt::format("a number >= {}", lo);
    if (std::isfinite(hi)) what += fmt::format(" and <= {}", hi);
    bad(key, what, j);
  }
  return v;
}

bool key_bool(const WorkloadConfig& config, const std::string& key, bool fallback) {
  if (!config.contains(key)) return fallback;
  if (!config[key].is_boolean()) bad(key, "true or false", config[key]);
  return config[key].get<bool>();
}

std::string key_enum(const WorkloadConfig& config, const std::string& key,
                     const std::vector<std::string>& allowed, const std::string& fallback) {
  if (!config.contains(key)) return fallback;
  const auto& j = config[key];
  if (j.is_string() &&
      std::find(allowed.begin(), allowed.end(), j.get<std::string>()) != allowed.end())
    return j.get<std::string>();
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  bad(key, "one of " + list, j);
}

std::vector<int> key_int_list(const WorkloadConfig& config, const std::string& key,
                              bool allow_empty, const std::vector<int>& fallback) {
  if (!config.contains(key)) return fallback;
  const auto& j = config[key];
  const std::string what =
      allow_empty ? "a list of positive integers" : "a non-empty list of positive integers";
  if (!j.is_array() || (!allow_empty && j.empty())) bad(key, what, j);
  std::vector<int> out;
  for (const auto& e : j) {
    std::int64_t v = 0;
    if (!as_int(e, v) || v < 1 || v > (1 << 20)) bad(key, what, j);
    out.push_back(static_cast<int>(v));
  }
  return out;
}

void keys_require_known(const WorkloadConfig& config, const std::string& workload,
                        const std::vector<std::string>& known) {
  if (!config.is_object())
    throw InputError(
        fmt::format("{}: expected a mapping of keys to values, got {}", workload, config.dump()));
  for (const auto& [key, value] : config.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    throw InputError(fmt::format("{}: unknown key for workload {}", key, workload), "", 0, 0,
                     "known keys: " + list);
  }
}

void common_complete(const WorkloadConfig& in, WorkloadConfig& out) {
  const auto batch = key_int(in, "batch_size", 1, 1 << 20, 64);
  out["batch_size"] = batch;
  out["infer_batch_size"] = key_int(in, "infer_batch_size", 1, 1 << 20, batch);
  out["epochs"] = key_int(in, "epochs", 1, 1 << 20, 1);
  out["learning_rate"] = key_number(in, "learning_rate", 0, 1e6, true, 0.01);
  out["optimizer"] = key_enum(in, "optimizer", {"sgd", "momentum", "adam", "adamw"}, "momentum");
  out["momentum"] = key_number(in, "momentum", 0, 1, false, 0.9);
  if (out["momentum"].get<double>() >= 1) bad("momentum", "a number >= 0 and < 1", in["momentum"]);
  out["weight_decay"] = key_number(in, "weight_decay", 0, 1e6, false, 0.0);
  out["threads"] = key_int(in, "threads", 1, kThreadsMax, 1);
  out["seed"] = key_int(in, "seed", 0, std::numeric_limits<std::int64_t>::max(), 0);
  const std::string dataset =
      key_enum(in, "dataset", {"fashion-mnist", "cifar10", "synthetic"}, "fashion-mnist");
  out["dataset"] = dataset;
  if (in.contains("data_dir")) {
    if (!in["data_dir"].is_string()) bad("data_dir", "a directory path", in["data_dir"]);
    if (dataset == "synthetic")
      throw InputError("data_dir: does not apply to dataset synthetic", "", 0, 0,
                       "remove data_dir, or use dataset fashion-mnist or cifar10");
    out["data_dir"] = in["data_dir"];
  } else if (dataset != "synthetic") {
    out["data_dir"] = "";
  }
  out["train_samples"] = key_int(in, "train_samples", 0, kIntMax, 0);
  out["test_samples"] = key_int(in, "test_samples", 0, kIntMax, 0);
  if (dataset == "synthetic") {
    auto shape = key_int_list(in, "input_shape", false, {1, 28, 28});
    if (shape.size() != 3 || shape[0] > 1024 || shape[1] > 4096 || shape[2] > 4096)
      bad("input_shape", "[C, H, W] with C <= 1024 and H, W <= 4096", in["input_shape"]);
    out["input_shape"] = shape;
  } else if (in.contains("input_shape")) {
    throw InputError(
        "input_shape: applies only to dataset synthetic (" + dataset + " has its own shape)", "", 0,
        0, "remove input_shape");
  }
}

CommonConfig common_read(const WorkloadConfig& c) {
  CommonConfig out;
  out.batch_size = c.at("batch_size").get<int>();
  out.infer_batch_size = c.at("infer_batch_size").get<int>();
  out.epochs = c.at("epochs").get<int>();
  out.learning_rate = c.at("learning_rate").get<double>();
  out.optimizer = c.at("optimizer").get<std::string>();
  out.momentum = c.at("momentum").get<double>();
  out.weight_decay = c.at("weight_decay").get<double>();
  out.threads = c.at("threads").get<int>();
  out.seed = c.at("seed").get<std::uint64_t>();
  out.dataset = c.at("dataset").get<std::string>();
  if (c.contains("data_dir")) out.data_dir = c.at("data_dir").get<std::string>();
  out.train_samples = c.at("train_samples").get<std::int64_t>();
  out.test_samples = c.at("test_samples").get<std::int64_t>();
  if (c.contains("input_shape")) out.input_shape = c.at("input_shape").get<std::vector<int>>();
  return out;
}

kernels::OptimConfig optim_config(const CommonConfig& c) {
  kernels::OptimConfig o;
  o.kind = kernels::optimizer_parse(c.optimizer);
  o.lr = static_cast<float>(c.learning_rate);
  o.momentum = static_cast<float>(c.momentum);
  o.weight_decay = static_cast<float>(c.weight_decay);
  return o;
}

}  // namespace greenbench::models
