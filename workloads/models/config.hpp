// Reading and checking workload keys (docs/workloads.md): typed getters that throw InputError
// naming the key and what was expected, and the common keys every classifier workload shares. Not
// the model builders (mlp.cpp, cnn.cpp) and not the grid parser (harness/).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "greenbench/workload.hpp"
#include "kernels/optim.hpp"

namespace greenbench::models {

// The common keys after defaults (docs/workloads.md; defaults in docs/workloads.md).
struct CommonConfig {
  int batch_size = 64;
  int infer_batch_size = 64;
  int epochs = 1;
  double learning_rate = 0.01;
  std::string optimizer = "momentum";
  double momentum = 0.9;
  double weight_decay = 0.0;
  int threads = 1;
  std::uint64_t seed = 0;
  std::string dataset = "fashion-mnist";
  std::string data_dir;            // "" = the data set's default directory
  std::int64_t train_samples = 0;  // 0 = all
  std::int64_t test_samples = 0;   // 0 = all
  std::vector<int> input_shape;    // synthetic only: (C, H, W); default (1, 28, 28)
};

// The common keys' names, in the order workload_config_complete writes them.
const std::vector<std::string>& common_keys();

// Fills in the common keys' defaults in `out` from `in`, checking each one given.
void common_complete(const WorkloadConfig& in, WorkloadConfig& out);
// Reads the common keys of a completed config.
CommonConfig common_read(const WorkloadConfig& config);

// The optimizer the common keys ask for (optimizer, learning_rate, momentum, weight_decay).
kernels::OptimConfig optim_config(const CommonConfig& c);

// Getters over one key of `config`; each throws InputError "KEY: expected ..., got VALUE".
// They return `fallback` when the key is absent.
std::int64_t key_int(const WorkloadConfig& config, const std::string& key, std::int64_t lo,
                     std::int64_t hi, std::int64_t fallback);
double key_number(const WorkloadConfig& config, const std::string& key, double lo, double hi,
                  bool lo_open, double fallback);
bool key_bool(const WorkloadConfig& config, const std::string& key, bool fallback);
std::string key_enum(const WorkloadConfig& config, const std::string& key,
                     const std::vector<std::string>& allowed, const std::string& fallback);
// A list of positive integers; `allow_empty` permits [] (e.g. an MLP with no hidden layer).
std::vector<int> key_int_list(const WorkloadConfig& config, const std::string& key,
                              bool allow_empty, const std::vector<int>& fallback);

// Throws InputError for the first key of `config` that is not in `known`.
void keys_require_known(const WorkloadConfig& config, const std::string& workload,
                        const std::vector<std::string>& known);

}  // namespace greenbench::models
