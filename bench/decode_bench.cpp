// Micro-benchmark of lm generation: one decode step (one byte for each of 8 sequences) at
// cached length L, with the KV cache (Transformer::cache_step) and without it (a forward over
// all L positions), for the default lm (dim 128, depth 2, heads 4) at context 256. With the
// cache the step cost should stay nearly flat in L; without it it grows with L.
// Threads: GREENBENCH_THREADS (default 1). Not a test: exactness is in tests/workloads.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <random>
#include <vector>

#include "kernels/threads.hpp"
#include "models/transformer.hpp"

namespace {

constexpr int kB = 8;

greenbench::models::TransformerShape lm_shape() {
  greenbench::models::TransformerShape s;
  s.lm = true;
  s.context = 256;
  s.dim = 128;
  s.depth = 2;
  s.heads = 4;
  s.hidden = 512;
  return s;
}

void threads_from_env() {
  const char* t = std::getenv("GREENBENCH_THREADS");
  greenbench::kernels::threads_set(t ? std::atoi(t) : 1);
}

void BM_decode_step_kv_cache(benchmark::State& state) {
  threads_from_env();
  const int L = static_cast<int>(state.range(0));
  greenbench::models::Transformer t(lm_shape(), kB, kB, greenbench::kernels::Optimizer::sgd, 0);
  std::mt19937 rng(1);
  for (int i = 0; i < kB * L; i++) t.tokens()[i] = std::uint8_t(rng() % 128);
  t.cache_prefill(kB, L);
  std::vector<std::uint8_t> tok(kB, 'e');
  for (auto _ : state) benchmark::DoNotOptimize(t.cache_step(kB, L, tok.data()));
  state.SetItemsProcessed(state.iterations() * kB);  // generated tokens
}

void BM_decode_step_recompute(benchmark::State& state) {
  threads_from_env();
  const int L = static_cast<int>(state.range(0));
  greenbench::models::Transformer t(lm_shape(), kB, kB, greenbench::kernels::Optimizer::sgd, 0);
  std::mt19937 rng(1);
  for (int i = 0; i < kB * (L + 1); i++) t.tokens()[i] = std::uint8_t(rng() % 128);
  for (auto _ : state) {
    t.forward(kB, L + 1, false);
    benchmark::DoNotOptimize(t.logits());
  }
  state.SetItemsProcessed(state.iterations() * kB);  // generated tokens
}

}  // namespace

BENCHMARK(BM_decode_step_kv_cache)->Arg(32)->Arg(128)->Arg(224)->Arg(255);
BENCHMARK(BM_decode_step_recompute)->Arg(32)->Arg(128)->Arg(224);
BENCHMARK_MAIN();
