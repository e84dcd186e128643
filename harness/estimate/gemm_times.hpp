// Seconds of one OpenBLAS sgemm per shape on one thread of this machine, measured the first
// time a shape is asked for and remembered: the estimator's per-layer timing feature (the
// kernel-level latency table of nn-Meter, for GEMMs). FLOPs alone miss that a 16 x 784 x 9
// conv GEMM runs at a third of the rate of a 128 x 512 x 784 dense one. The measurement:
// include/greenbench/kernel_timing.hpp. Not the features (estimate_features).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "greenbench/workload.hpp"

namespace greenbench {

// A shape: transposes and (m, n, k), its key "NT 128x512x784".
struct GemmShape {
  bool ta = false, tb = false;
  std::int64_t m = 0, n = 0, k = 0;
  std::string key() const;
};

// sgemm_seconds_measure (kernel_timing.hpp) of a shape.
double sgemm_seconds_of(const GemmShape& shape);

class GemmTimes {
 public:
  // `measure` times shapes not yet in the table (tests pass a formula).
  explicit GemmTimes(std::function<double(const GemmShape&)> measure = sgemm_seconds_of);
  double seconds(const GemmShape& shape);
  // Times every shape this table measured `rounds` more times, one sweep over the table per
  // round, keeping each shape's fastest: a slow spell of the machine (seconds of another
  // tenant's load on a shared host) then spoils a shape only if it lasts every sweep.
  void remeasure(int rounds);
  // The table as {"NT 128x512x784": seconds, ...}; merge keeps measured entries it has.
  nlohmann::json to_json() const;
  void merge_json(const nlohmann::json& j);
  std::size_t size() const { return table_.size(); }

 private:
  std::function<double(const GemmShape&)> measure_;
  std::map<std::string, double> table_;
  std::map<std::string, GemmShape> shapes_;  // the shapes measured here (not those merged in)
};

// The process's table (estimate fit, predict and run --dry-run share it).
GemmTimes& gemm_times();

// The sgemms a batch of `batch` samples makes through `calls` (the forward calls, plus the
// backward ones when `backward`): each call's dims for this batch and how many times it runs
// (chunked calls: batch / G of G images, then one of the rest, as models/conv_pool.cpp does).
std::vector<std::pair<GemmShape, std::int64_t>> gemm_calls_of_batch(
    const std::vector<GemmCall>& calls, std::int64_t batch, bool backward);
// Their seconds by the table.
double gemm_seconds_per_batch(const std::vector<GemmCall>& calls, std::int64_t batch, bool backward,
                              GemmTimes& times);

}  // namespace greenbench
