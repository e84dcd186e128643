// Per-shape sgemm timing table: see gemm_times.hpp.
#include "gemm_times.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "greenbench/kernel_timing.hpp"

namespace greenbench {

std::string GemmShape::key() const {
  return fmt::format("{}{} {}x{}x{}", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k);
}

double sgemm_seconds_of(const GemmShape& g) {
  return sgemm_seconds_measure(g.ta, g.tb, g.m, g.n, g.k);
}

GemmTimes::GemmTimes(std::function<double(const GemmShape&)> measure)
    : measure_(std::move(measure)) {}

double GemmTimes::seconds(const GemmShape& shape) {
  const std::string key = shape.key();
  auto it = table_.find(key);
  if (it == table_.end()) {
    it = table_.emplace(key, measure_(shape)).first;
    shapes_.emplace(key, shape);
  }
  return it->second;
}

void GemmTimes::remeasure(int rounds) {
  for (int r = 0; r < rounds; r++)
    for (const auto& [key, shape] : shapes_) table_[key] = std::min(table_[key], measure_(shape));
}

nlohmann::json GemmTimes::to_json() const {
  return nlohmann::json(table_);
}

void GemmTimes::merge_json(const nlohmann::json& j) {
  for (const auto& [k, v] : j.items())
    if (v.is_number() && !table_.count(k)) table_[k] = v.get<double>();
}

GemmTimes& gemm_times() {
  static GemmTimes times;
  return times;
}

std::vector<std::pair<GemmShape, std::int64_t>> gemm_calls_of_batch(
    const std::vector<GemmCall>& calls, std::int64_t batch, bool backward) {
  std::vector<std::pair<GemmShape, std::int64_t>> out;
  for (const GemmCall& c : calls) {
    if (c.backward && !backward) continue;
    if (c.scaled == 0) {  // once per image
      out.push_back({{c.ta, c.tb, c.m, c.n, c.k}, batch});
      continue;
    }
    // Calls of G images, then one of the images left over.
    const std::int64_t G = c.group > 0 ? std::min(c.group, batch) : batch;
    auto of = [&c](std::int64_t images) {
      GemmShape g{c.ta, c.tb, c.m, c.n, c.k};
      (c.scaled == 'm' ? g.m : c.scaled == 'n' ? g.n : g.k) *= images;
      return g;
    };
    out.push_back({of(G), batch / G});
    if (batch % G != 0) out.push_back({of(batch % G), 1});
  }
  return out;
}

double gemm_seconds_per_batch(const std::vector<GemmCall>& calls, std::int64_t batch, bool backward,
                              GemmTimes& times) {
  double s = 0;
  for (const auto& [shape, count] : gemm_calls_of_batch(calls, batch, backward))
    s += double(count) * times.seconds(shape);
  return s;
}

}  // namespace greenbench
