// Helpers of the model tests: an observer that records phase results, a runner that trains a
// workload for its epochs and infers, and the config of the fast learning tests. Not a test by
// itself.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "greenbench/workload.hpp"

namespace greenbench::testing {

class RecordingObserver : public PhaseObserver {
 public:
  void phase_begin(const std::string& phase) override { begun.push_back(phase); }
  void phase_end(const PhaseResult& result) override { results.push_back(result); }
  bool step_end(std::int64_t step) override {
    steps++;
    return stop_after <= 0 || step < stop_after;
  }
  std::vector<std::string> begun;
  std::vector<PhaseResult> results;
  std::int64_t steps = 0;
  std::int64_t stop_after = 0;  // > 0: stop each phase after this many steps
};

// Completes `config` for `name`, builds it, trains its epochs and infers once; returns the
// "infer" result (lm's inference also reports prefill and decode) and fills `train` with the
// last train result.
inline PhaseResult train_and_infer(const std::string& name, const nlohmann::json& config,
                                   PhaseResult* train = nullptr) {
  const auto full = workload_config_complete(name, config);
  auto w = workload_make(name, full);
  RecordingObserver obs;
  for (int e = 1; e <= full.at("epochs").get<int>(); e++) w->train_epoch(e, obs);
  if (train) *train = obs.results.back();
  w->infer(obs);
  for (const auto& r : obs.results)
    if (r.phase == "infer") return r;
  ADD_FAILURE() << name << ": no infer phase";
  return {};
}

constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";
inline bool fashion_installed() {
  return bool(std::ifstream(std::string(kFashionDir) + "/train-labels-idx1-ubyte.gz"));
}

// The keys of every part in one config; a later part's key wins.
inline nlohmann::json config_merge(std::initializer_list<nlohmann::json> parts) {
  nlohmann::json c = nlohmann::json::object();
  for (const auto& part : parts)
    for (const auto& [k, v] : part.items()) c[k] = v;
  return c;
}

// The fast learning tests' config: one epoch of batch 32 over 2000 training samples (63 steps)
// and 500 test samples of Fashion-MNIST, seed 1, learning rate 0.02; then `extra` over it.
inline nlohmann::json learning_config(const nlohmann::json& extra) {
  return config_merge({{{"epochs", 1},
                        {"batch_size", 32},
                        {"train_samples", 2000},
                        {"test_samples", 500},
                        {"seed", 1},
                        {"learning_rate", 0.02}},
                       extra});
}

// Long tests (minutes of training) run only when GREENBENCH_LONG_TESTS=1.
inline bool long_tests_enabled() {
  const char* v = std::getenv("GREENBENCH_LONG_TESTS");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace greenbench::testing
