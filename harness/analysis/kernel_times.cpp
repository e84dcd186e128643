// Per-shape sgemm timing and its table: see gemm_times.hpp.
#include "analysis/gemm_times.hpp"

#include <cblas.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace greenbench {
void blas_threads_set(int threads);  // workloads/blas_threads.cpp
}  // namespace greenbench

namespace greenbench::analysis {

std::string GemmShape::key() const {
  return fmt::format("{}{} {}x{}x{}", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k);
}

double sgemm_seconds_measure(const GemmShape& g) {
  blas_threads_set(1);  // one OpenBLAS thread; workloads set their own count when they run
  const int m = int(g.m), n = int(g.n), k = int(g.k);
  // Operands in the layout the transposes say; values away from zero and denormals.
  std::vector<float> a(std::size_t(m) * k), b(std::size_t(k) * n), c(std::size_t(m) * n);
  for (std::size_t i = 0; i < a.size(); i++) a[i] = 0.5f + float(i % 7) * 0.01f;
  for (std::size_t i = 0; i < b.size(); i++) b[i] = 0.5f - float(i % 5) * 0.01f;
  const int lda = g.ta ? m : k, ldb = g.tb ? k : n;
  auto call = [&] {
    cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans, g.tb ? CblasTrans : CblasNoTrans,
                m, n, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c.data(), n);
  };
  using clock = std::chrono::steady_clock;
  call();  // warm-up: pages touched, OpenBLAS's buffers allocated
  // Calls per batch so a batch lasts about 1 ms, from the warm-up-free first timing.
  auto t0 = clock::now();
  call();
  const double once = std::chrono::duration<double>(clock::now() - t0).count();
  const int reps = std::clamp(int(1e-3 / std::max(once, 1e-9)), 1, 10000);
  double best = once;
  for (int batch = 0; batch < 5; batch++) {
    t0 = clock::now();
    for (int r = 0; r < reps; r++) call();
    best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count() / reps);
  }
  return best;
}

GemmTimes::GemmTimes(std::function<double(const GemmShape&)> measure)
    : measure_(std::move(measure)) {}

double GemmTimes::seconds(const GemmShape& shape) {
  const std::string key = shape.key();
  auto it = table_.find(key);
  if (it == table_.end()) it = table_.emplace(key, measure_(shape)).first;
  return it->second;
}

nlohmann::json GemmTimes::to_json() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : table_) j[k] = v;
  return j;
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

double gemm_seconds_per_batch(const std::vector<GemmCall>& calls, std::int64_t batch,
                              bool backward, GemmTimes& times) {
  double s = 0;
  for (const auto& [shape, count] : gemm_calls_of_batch(calls, batch, backward))
    s += double(count) * times.seconds(shape);
  return s;
}

}  // namespace greenbench::analysis
