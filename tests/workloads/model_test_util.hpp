// Helpers of the model tests: an observer that records phase results, and a runner that trains
// a workload for its epochs and infers. Not a test by itself.
#pragma once

#include <cstdlib>
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

// Completes `config` for `name`, builds it, trains `epochs` epochs and infers once; returns the
// last (infer) result and fills `train` with the last train result.
inline PhaseResult train_and_infer(const std::string& name, const nlohmann::json& config,
                                   PhaseResult* train = nullptr) {
  const auto full = workload_config_complete(name, config);
  auto w = workload_make(name, full);
  RecordingObserver obs;
  for (int e = 1; e <= full.at("epochs").get<int>(); e++) w->train_epoch(e, obs);
  if (train) *train = obs.results.back();
  w->infer(obs);
  return obs.results.back();
}

// Long tests (minutes of training) run only when GREENBENCH_LONG_TESTS=1.
inline bool long_tests_enabled() {
  const char* v = std::getenv("GREENBENCH_LONG_TESTS");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace greenbench::testing
