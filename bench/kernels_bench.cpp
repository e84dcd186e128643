// Micro-benchmarks of the kernels at the shapes of the CNN target (custom [32, 64] / [128] on
// 28x28x1, batch 128) and the MLP target (784-512-512-10, batch 128): sgemm at those shapes,
// conv2d forward/backward, dense, and a whole CNN train step. Counter GFLOPS = FLOP/s / 1e9.
// Threads: GREENBENCH_THREADS (default 1), the total of the run, BLAS included.
// Not a test: correctness lives in tests/workloads.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdlib>
#include <random>
#include <vector>

#include "kernels/activation.hpp"
#include "kernels/conv2d.hpp"
#include "kernels/dense.hpp"
#include "kernels/optim.hpp"
#include "kernels/pool.hpp"
#include "kernels/softmax_cross_entropy.hpp"
#include "kernels/threads.hpp"

namespace gk = greenbench::kernels;

namespace {

constexpr int kBatch = 128;

std::vector<float> random_floats(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

void set_gflops(benchmark::State& state, double flops_per_iter) {
  state.counters["GFLOPS"] =
      benchmark::Counter(flops_per_iter / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

// A memory-bound op: mode (range 0) 0 runs `forward`, 1 `backward`, each iteration; the counter
// is GB/s of the floats that mode reads and writes.
template <class Forward, class Backward>
void forward_or_backward_run(benchmark::State& state, Forward forward, double forward_floats,
                             Backward backward, double backward_floats) {
  const bool is_forward = state.range(0) == 0;
  for (auto _ : state) {
    if (is_forward)
      forward();
    else
      backward();
    benchmark::ClobberMemory();
  }
  state.counters["GBps"] =
      benchmark::Counter(4.0 * (is_forward ? forward_floats : backward_floats) / 1e9,
                         benchmark::Counter::kIsIterationInvariantRate);
}
// Registers a forward_or_backward_run bench's two modes.
void forward_and_backward_args(benchmark::internal::Benchmark* b) {
  b->ArgName("mode")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);
}

// One dense or conv layer of a train-step bench: weights (scaled by `scale`) and biases at
// random (seeds 2i and 2i + 1 for layer i), and their gradients.
struct Layer {
  std::vector<float> w, b, dw, db;
};
Layer layer_make(int i, std::size_t w_count, std::size_t b_count, float scale) {
  Layer L{random_floats(w_count, 2 * i), random_floats(b_count, 2 * i + 1),
          std::vector<float>(w_count), std::vector<float>(b_count)};
  for (float& v : L.w) v *= scale;
  return L;
}
void layers_sgd_update(std::initializer_list<Layer*> layers) {
  for (Layer* L : layers) {
    gk::sgd_update(L->w.data(), L->dw.data(), L->w.size(), 1e-3f, 0.0f);
    gk::sgd_update(L->b.data(), L->db.data(), L->b.size(), 1e-3f, 0.0f);
  }
}
// The class of sample b of a train-step bench's batch: b % NC.
std::vector<int> targets_make(int B, int NC) {
  std::vector<int> tgt(B);
  for (int b = 0; b < B; b++) tgt[b] = b % NC;
  return tgt;
}

// sgemm C (M, N) = A (M, K) * B (K, N), `calls` times per iteration (one per image).
void BM_sgemm(benchmark::State& state) {
  const int M = state.range(0), N = state.range(1), K = state.range(2), calls = state.range(3);
  auto a = random_floats((std::size_t)M * K, 1), b = random_floats((std::size_t)K * N, 2);
  std::vector<float> c((std::size_t)M * N);
  for (auto _ : state) {
    for (int i = 0; i < calls; i++)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0f, a.data(), K, b.data(),
                  N, 0.0f, c.data(), N);
    benchmark::DoNotOptimize(c.data());
  }
  set_gflops(state, 2.0 * M * N * K * calls);
}
// The per-image GEMMs of the CNN convs (x128 images), the same work as one batched GEMM, the
// dense layers, and a large square GEMM for the machine's peak.
BENCHMARK(BM_sgemm)
    ->ArgNames({"M", "N", "K", "calls"})
    ->Args({32, 784, 9, kBatch})        // conv1 forward, per image
    ->Args({32, 784 * kBatch, 9, 1})    // conv1 forward, batched
    ->Args({64, 196, 288, kBatch})      // conv2 forward, per image
    ->Args({64, 196 * kBatch, 288, 1})  // conv2 forward, batched
    ->Args({kBatch, 128, 3136, 1})      // fc 3136 -> 128
    ->Args({kBatch, 512, 784, 1})       // mlp 784 -> 512
    ->Args({1024, 1024, 1024, 1})       // peak
    ->Unit(benchmark::kMicrosecond);

// CNN conv layers: 0 = conv1 (1 -> 32, 28x28, first layer: no dinp), 1 = conv2 (32 -> 64, 14x14).
struct ConvLayer {
  gk::Shape2d s;
  int OC;
  bool dinp;
};
ConvLayer conv_layer(int i) {
  return i == 0 ? ConvLayer{{kBatch, 1, 28, 28, 3, 1, 1}, 32, false}
                : ConvLayer{{kBatch, 32, 14, 14, 3, 1, 1}, 64, true};
}

// mode: 0 forward, 1 backward, 2 forward + backward.
void BM_conv2d(benchmark::State& state) {
  const ConvLayer L = conv_layer(state.range(0));
  const int mode = state.range(1);
  const gk::Shape2d& s = L.s;
  auto x = random_floats((std::size_t)s.B * s.C * s.H * s.W, 1);
  auto w = random_floats((std::size_t)L.OC * s.C * s.K * s.K, 2);
  auto b = random_floats(L.OC, 3);
  auto dy = random_floats((std::size_t)s.B * L.OC * s.OH() * s.OW(), 4);
  std::vector<float> y(dy.size()), dx(x.size()), dw(w.size()), db(b.size()),
      scratch(gk::conv2d_scratch_floats(s));
  for (auto _ : state) {
    if (mode != 1)
      gk::conv2d_forward(y.data(), scratch.data(), x.data(), w.data(), b.data(), s, L.OC);
    if (mode != 0)
      gk::conv2d_backward(L.dinp ? dx.data() : nullptr, dw.data(), db.data(), scratch.data(),
                          dy.data(), x.data(), w.data(), s, L.OC, gk::Grad::overwrite);
    benchmark::DoNotOptimize(y.data());
    benchmark::DoNotOptimize(dw.data());
  }
  const double f = gk::conv2d_flops(s, L.OC), fb = f * (L.dinp ? 2.0 : 1.0);
  set_gflops(state, mode == 0 ? f : mode == 1 ? fb : f + fb);
}
BENCHMARK(BM_conv2d)
    ->ArgNames({"layer", "mode"})
    ->ArgsProduct({{0, 1}, {0, 1, 2}})
    ->Unit(benchmark::kMicrosecond);

// 2x2 max-pool after conv1 (B, 32, 28, 28) and ReLU over the same tensor; mode 0 forward,
// 1 backward. Memory-bound: the counter is GB/s of tensors read and written.
void BM_maxpool2x2(benchmark::State& state) {
  const gk::Shape2d s{kBatch, 32, 28, 28, 2, 2, 0};
  const std::size_t n = (std::size_t)s.B * s.C * s.H * s.W, m = n / 4;
  auto x = random_floats(n, 1), dy = random_floats(m, 2);
  std::vector<float> y(m), dx(n);
  forward_or_backward_run(
      state, [&] { gk::maxpool_forward(y.data(), x.data(), s); }, n + m,
      [&] { gk::maxpool_backward(dx.data(), dy.data(), x.data(), s, gk::Grad::overwrite); },
      2 * n + m);
}
BENCHMARK(BM_maxpool2x2)->Apply(forward_and_backward_args);

void BM_relu(benchmark::State& state) {
  const std::size_t n = (std::size_t)kBatch * 32 * 28 * 28;
  auto x = random_floats(n, 1), dy = random_floats(n, 2);
  std::vector<float> y(n), dx(n);
  forward_or_backward_run(
      state, [&] { gk::relu_forward(y.data(), x.data(), n); }, 2 * n,
      [&] { gk::relu_backward(dx.data(), dy.data(), x.data(), n, gk::Grad::overwrite); }, 3 * n);
}
BENCHMARK(BM_relu)->Apply(forward_and_backward_args);

// The activations in the order of BM_activation's argument; tanh's backward reads the forward's
// output, the others its input.
struct Activation {
  void (*forward)(float* out, const float* inp, std::int64_t N);
  void (*backward)(float* dinp, const float* dout, const float* inp_or_out, std::int64_t N,
                   gk::Grad mode);
  bool backward_reads_output;
};
const Activation kActivations[] = {{gk::relu_forward, gk::relu_backward, false},
                                   {gk::gelu_forward, gk::gelu_backward, false},
                                   {gk::gelu_tanh_forward, gk::gelu_tanh_backward, false},
                                   {gk::tanh_forward, gk::tanh_backward, true}};

// Activations at the MLP hidden layer (128 x 512), forward + backward; counter: Gelem/s.
void BM_activation(benchmark::State& state) {
  const std::int64_t n = (std::int64_t)kBatch * 512;
  auto x = random_floats(n, 1), dy = random_floats(n, 2);
  for (float& v : x) v *= 4.0f;
  std::vector<float> y(n), dx(n);
  const Activation& act = kActivations[state.range(0)];
  const float* backward_reads = act.backward_reads_output ? y.data() : x.data();
  for (auto _ : state) {
    act.forward(y.data(), x.data(), n);
    act.backward(dx.data(), dy.data(), backward_reads, n, gk::Grad::overwrite);
    benchmark::DoNotOptimize(dx.data());
  }
  state.counters["Gelem"] =
      benchmark::Counter(n / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_activation)
    ->ArgName("relu_gelu_gelutanh_tanh")
    ->DenseRange(0, 3)
    ->Unit(benchmark::kMicrosecond);

// dense forward + backward (dinp included), batch 128.
void BM_dense_fwd_bwd(benchmark::State& state) {
  const int C = state.range(0), OC = state.range(1);
  auto x = random_floats((std::size_t)kBatch * C, 1), w = random_floats((std::size_t)OC * C, 2);
  auto b = random_floats(OC, 3), dy = random_floats((std::size_t)kBatch * OC, 4);
  std::vector<float> y(dy.size()), dx(x.size()), dw(w.size()), db(OC);
  for (auto _ : state) {
    gk::dense_forward(y.data(), x.data(), w.data(), b.data(), kBatch, C, OC);
    gk::dense_backward(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), kBatch, C,
                       OC, gk::Grad::overwrite);
    benchmark::DoNotOptimize(dw.data());
  }
  set_gflops(state, 3.0 * gk::dense_flops(kBatch, C, OC));
}
BENCHMARK(BM_dense_fwd_bwd)
    ->ArgNames({"C", "OC"})
    ->Args({3136, 128})
    ->Args({784, 512})
    ->Args({512, 512})
    ->Unit(benchmark::kMicrosecond);

// One train step of the CNN target: conv3x3(1->32)+ReLU+maxpool2, conv3x3(32->64)+ReLU+
// maxpool2, fc 3136->128+ReLU, fc 128->10, softmax CE, backward, SGD. Buffers allocated once.
void BM_cnn_train_step(benchmark::State& state) {
  const int B = kBatch;
  const gk::Shape2d s1{B, 1, 28, 28, 3, 1, 1}, p1{B, 32, 28, 28, 2, 2, 0};
  const gk::Shape2d s2{B, 32, 14, 14, 3, 1, 1}, p2{B, 64, 14, 14, 2, 2, 0};
  const int F = 64 * 7 * 7, H1 = 128, NC = 10;
  auto x = random_floats((std::size_t)B * 784, 1);
  const std::vector<int> tgt = targets_make(B, NC);
  Layer L1 = layer_make(1, 32 * 9, 32, 0.1f), L2 = layer_make(2, 64 * 32 * 9, 64, 0.1f),
        L3 = layer_make(3, (std::size_t)H1 * F, H1, 0.1f), L4 = layer_make(4, NC * H1, NC, 0.1f);
  std::vector<float> scratch(
      std::max(gk::conv2d_scratch_floats(s1), gk::conv2d_scratch_floats(s2)));
  std::vector<float> c1((std::size_t)B * 32 * 784), a1(c1.size()), q1((std::size_t)B * 32 * 196);
  std::vector<float> c2((std::size_t)B * 64 * 196), a2(c2.size()), q2((std::size_t)B * F);
  std::vector<float> h((std::size_t)B * H1), ha(h.size()), logits((std::size_t)B * NC),
      probs(logits.size());
  std::vector<float> dlogits(logits.size()), dha(h.size()), dh(h.size()), dq2(q2.size()),
      da2(a2.size()), dc2(c2.size()), dq1(q1.size()), da1(a1.size()), dc1(c1.size());
  for (auto _ : state) {
    gk::conv2d_forward(c1.data(), scratch.data(), x.data(), L1.w.data(), L1.b.data(), s1, 32);
    gk::relu_forward(a1.data(), c1.data(), c1.size());
    gk::maxpool_forward(q1.data(), a1.data(), p1);
    gk::conv2d_forward(c2.data(), scratch.data(), q1.data(), L2.w.data(), L2.b.data(), s2, 64);
    gk::relu_forward(a2.data(), c2.data(), c2.size());
    gk::maxpool_forward(q2.data(), a2.data(), p2);
    gk::dense_forward(h.data(), q2.data(), L3.w.data(), L3.b.data(), B, F, H1);
    gk::relu_forward(ha.data(), h.data(), h.size());
    gk::dense_forward(logits.data(), ha.data(), L4.w.data(), L4.b.data(), B, H1, NC);
    auto r = gk::softmax_cross_entropy_forward(probs.data(), logits.data(), tgt.data(), B, NC);
    benchmark::DoNotOptimize(r);
    const auto ow = gk::Grad::overwrite;
    gk::softmax_cross_entropy_backward(dlogits.data(), probs.data(), tgt.data(), B, NC, 1.0f, ow);
    gk::dense_backward(dha.data(), L4.dw.data(), L4.db.data(), dlogits.data(), ha.data(),
                       L4.w.data(), B, H1, NC, ow);
    gk::relu_backward(dh.data(), dha.data(), h.data(), h.size(), ow);
    gk::dense_backward(dq2.data(), L3.dw.data(), L3.db.data(), dh.data(), q2.data(), L3.w.data(), B,
                       F, H1, ow);
    gk::maxpool_backward(da2.data(), dq2.data(), a2.data(), p2, ow);
    gk::relu_backward(dc2.data(), da2.data(), c2.data(), c2.size(), ow);
    gk::conv2d_backward(dq1.data(), L2.dw.data(), L2.db.data(), scratch.data(), dc2.data(),
                        q1.data(), L2.w.data(), s2, 64, ow);
    gk::maxpool_backward(da1.data(), dq1.data(), a1.data(), p1, ow);
    gk::relu_backward(dc1.data(), da1.data(), c1.data(), c1.size(), ow);
    gk::conv2d_backward(nullptr, L1.dw.data(), L1.db.data(), scratch.data(), dc1.data(), x.data(),
                        L1.w.data(), s1, 32, ow);
    layers_sgd_update({&L1, &L2, &L3, &L4});
  }
  // Forward MACs x2 FLOPs, x3 for forward + backward, minus conv1's skipped dX.
  double fwd = gk::conv2d_flops(s1, 32) + gk::conv2d_flops(s2, 64) + gk::dense_flops(B, F, H1) +
               gk::dense_flops(B, H1, NC);
  set_gflops(state, 3.0 * fwd - gk::conv2d_flops(s1, 32));
}
BENCHMARK(BM_cnn_train_step)->Unit(benchmark::kMillisecond);

// One train step of the MLP target: 784-512-512-10, ReLU, softmax CE, backward (no dX for the
// input layer), SGD.
void BM_mlp_train_step(benchmark::State& state) {
  const int B = kBatch, C0 = 784, H = 512, NC = 10;
  auto x = random_floats((std::size_t)B * C0, 1);
  const std::vector<int> tgt = targets_make(B, NC);
  Layer L1 = layer_make(1, (std::size_t)H * C0, H, 0.05f),
        L2 = layer_make(2, (std::size_t)H * H, H, 0.05f),
        L3 = layer_make(3, (std::size_t)NC * H, NC, 0.05f);
  std::vector<float> h1((std::size_t)B * H), a1(h1.size()), h2(h1.size()), a2(h1.size()),
      logits((std::size_t)B * NC), probs(logits.size()), dlogits(logits.size()), da2(h1.size()),
      dh2(h1.size()), da1(h1.size()), dh1(h1.size());
  const auto ow = gk::Grad::overwrite;
  for (auto _ : state) {
    gk::dense_forward(h1.data(), x.data(), L1.w.data(), L1.b.data(), B, C0, H);
    gk::relu_forward(a1.data(), h1.data(), h1.size());
    gk::dense_forward(h2.data(), a1.data(), L2.w.data(), L2.b.data(), B, H, H);
    gk::relu_forward(a2.data(), h2.data(), h2.size());
    gk::dense_forward(logits.data(), a2.data(), L3.w.data(), L3.b.data(), B, H, NC);
    auto r = gk::softmax_cross_entropy_forward(probs.data(), logits.data(), tgt.data(), B, NC);
    benchmark::DoNotOptimize(r);
    gk::softmax_cross_entropy_backward(dlogits.data(), probs.data(), tgt.data(), B, NC, 1.0f, ow);
    gk::dense_backward(da2.data(), L3.dw.data(), L3.db.data(), dlogits.data(), a2.data(),
                       L3.w.data(), B, H, NC, ow);
    gk::relu_backward(dh2.data(), da2.data(), h2.data(), h2.size(), ow);
    gk::dense_backward(da1.data(), L2.dw.data(), L2.db.data(), dh2.data(), a1.data(), L2.w.data(),
                       B, H, H, ow);
    gk::relu_backward(dh1.data(), da1.data(), h1.data(), h1.size(), ow);
    gk::dense_backward(nullptr, L1.dw.data(), L1.db.data(), dh1.data(), x.data(), L1.w.data(), B,
                       C0, H, ow);
    layers_sgd_update({&L1, &L2, &L3});
  }
  double fwd = gk::dense_flops(B, C0, H) + gk::dense_flops(B, H, H) + gk::dense_flops(B, H, NC);
  set_gflops(state, 3.0 * fwd - gk::dense_flops(B, C0, H));
}
BENCHMARK(BM_mlp_train_step)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  const char* t = std::getenv("GREENBENCH_THREADS");
  gk::threads_set(t != nullptr ? std::atoi(t) : 1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
