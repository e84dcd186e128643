// Op-specific behaviour the shared KernelCase checks do not cover: optimizers against a
// PyTorch golden and hand-written formulas, GELU against PyTorch, batch-norm train vs eval and
// running stats, softmax cross-entropy against a naive log-sum-exp, conv2d's first-layer path,
// MAC counts, and the arena.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <vector>

#include "kernels/activation.hpp"
#include "kernels/arena.hpp"
#include "kernels/batchnorm.hpp"
#include "kernels/conv2d.hpp"
#include "kernels/dense.hpp"
#include "kernels/depthwise_conv2d.hpp"
#include "kernels/optim.hpp"
#include "kernels/softmax_cross_entropy.hpp"

namespace greenbench::kernels {
namespace {

nlohmann::json golden() {
  std::ifstream f(std::string(GREENBENCH_SOURCE_DIR) + "/tests/workloads/golden/optim_golden.json");
  EXPECT_TRUE(f.good()) << "missing tests/workloads/golden/optim_golden.json";
  return nlohmann::json::parse(f);
}

// Reference formulas in double, written from the PyTorch docs (torch.optim.SGD, Adam, AdamW):
//   sgd:      g' = g + wd p;  p -= lr g'
//   momentum: g' = g + wd p;  v = mu v + g' (v_0 = 0);  p -= lr v
//   adam:     g' = g + wd p;  m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2;
//             p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
//   adamw:    p *= 1 - lr wd;  then adam with wd = 0
struct RefOptim {
  Optimizer kind;
  double lr, mu, b1, b2, eps, wd;
  std::vector<double> m, v;
  void step(std::vector<double>& p, const std::vector<double>& g, int t) {
    m.resize(p.size());
    v.resize(p.size());
    for (std::size_t i = 0; i < p.size(); i++) {
      double gi = g[i];
      if (kind == Optimizer::adamw)
        p[i] *= 1.0 - lr * wd;
      else
        gi += wd * p[i];
      if (kind == Optimizer::sgd) {
        p[i] -= lr * gi;
      } else if (kind == Optimizer::momentum) {
        m[i] = mu * m[i] + gi;
        p[i] -= lr * m[i];
      } else {
        m[i] = b1 * m[i] + (1 - b1) * gi;
        v[i] = b2 * v[i] + (1 - b2) * gi * gi;
        double mhat = m[i] / (1 - std::pow(b1, t)), vhat = v[i] / (1 - std::pow(b2, t));
        p[i] -= lr * mhat / (std::sqrt(vhat) + eps);
      }
    }
  }
};

TEST(Optim, ThreeStepsMatchPyTorchGoldenAndReferenceFormulas) {
  nlohmann::json g = golden();
  auto p0 = g["params_initial"].get<std::vector<float>>();
  auto grads = g["grads"].get<std::vector<std::vector<float>>>();
  ASSERT_EQ(g["optim"].size(), 8u);
  for (const auto& c : g["optim"]) {
    const auto& j = c["config"];
    OptimConfig cfg;
    cfg.kind = optimizer_parse(c["optimizer"].get<std::string>());
    cfg.lr = j["lr"].get<float>();
    cfg.weight_decay = j["weight_decay"].get<float>();
    if (j.contains("momentum")) cfg.momentum = j["momentum"].get<float>();
    if (j.contains("beta1")) {
      cfg.beta1 = j["beta1"].get<float>();
      cfg.beta2 = j["beta2"].get<float>();
      cfg.eps = j["eps"].get<float>();
    }
    SCOPED_TRACE(std::string(optimizer_name(cfg.kind)) + " wd=" + std::to_string(cfg.weight_decay));
    const std::size_t N = p0.size();
    std::vector<float> p = p0, state(optim_state_floats(cfg.kind, N), 0.0f);
    RefOptim ref{cfg.kind, cfg.lr,           cfg.momentum, cfg.beta1, cfg.beta2,
                 cfg.eps,  cfg.weight_decay, {},           {}};
    std::vector<double> pd(p0.begin(), p0.end());
    for (int t = 1; t <= 3; t++) {
      optim_step(cfg, p.data(), grads[t - 1].data(), state.data(), N, t);
      ref.step(pd, std::vector<double>(grads[t - 1].begin(), grads[t - 1].end()), t);
      auto want = c["params_after_step"][t - 1].get<std::vector<float>>();
      for (std::size_t i = 0; i < N; i++) {
        // fp32 PyTorch vs fp32 here: same operation order, a few ulps apart.
        EXPECT_NEAR(p[i], want[i], 1e-6 + 1e-6 * std::fabs(want[i])) << "step " << t << " i " << i;
        // Formulas in double vs PyTorch in fp32: guards the formulas themselves.
        EXPECT_NEAR(pd[i], want[i], 1e-5 + 1e-5 * std::fabs(want[i])) << "step " << t << " i " << i;
      }
    }
    // The update really moved the parameters (a no-op optimizer cannot pass).
    EXPECT_NE(p[0], p0[0]);
  }
}

TEST(Optim, StateSizesAndParse) {
  EXPECT_EQ(optim_state_floats(Optimizer::sgd, 10), 0u);
  EXPECT_EQ(optim_state_floats(Optimizer::momentum, 10), 10u);
  EXPECT_EQ(optim_state_floats(Optimizer::adam, 10), 20u);
  EXPECT_EQ(optim_state_floats(Optimizer::adamw, 10), 20u);
  EXPECT_EQ(optimizer_parse("adamw"), Optimizer::adamw);
  EXPECT_THROW(optimizer_parse("rmsprop"), std::invalid_argument);
}

TEST(Activation, GeluMatchesPyTorchErfAndTanh) {
  nlohmann::json g = golden()["gelu"];
  auto x = g["x"].get<std::vector<float>>();
  const std::int64_t N = x.size();
  std::vector<float> y(N), dy(N);
  std::vector<float> ones(N, 1.0f);
  const char* keys[] = {"erf", "tanh"};
  for (int k = 0; k < 2; k++) {
    auto want = g[keys[k]].get<std::vector<float>>();
    auto want_grad = g[std::string(keys[k]) + "_grad"].get<std::vector<float>>();
    (k == 0 ? gelu_forward : gelu_tanh_forward)(y.data(), x.data(), N);
    (k == 0 ? gelu_backward : gelu_tanh_backward)(dy.data(), ones.data(), x.data(), N,
                                                  Grad::overwrite);
    for (std::int64_t i = 0; i < N; i++) {
      EXPECT_NEAR(y[i], want[i], 2e-6) << keys[k] << " x=" << x[i];
      EXPECT_NEAR(dy[i], want_grad[i], 2e-6) << keys[k] << " grad x=" << x[i];
    }
  }
  // The two forms differ (by up to ~5e-4 near |x| = 2): a mix-up would show.
  std::vector<float> a(N), b(N);
  gelu_forward(a.data(), x.data(), N);
  gelu_tanh_forward(b.data(), x.data(), N);
  double diff = 0;
  for (std::int64_t i = 0; i < N; i++) diff = std::max(diff, (double)std::fabs(a[i] - b[i]));
  EXPECT_GT(diff, 1e-4);
}

// The fast GELU/tanh use polynomial exp and erfc (vectorisable); hold them to double libm on a
// dense sweep. Absolute error, since fp32 outputs of size ~|x| carry ~6e-8 |x| anyway; the
// measured worst cases are 4e-7 (gelu), 5e-7 (gelu_tanh), 9e-8 (tanh), gradients <= 1.1e-6.
TEST(Activation, FastTranscendentalsMatchLibmOnASweep) {
  const std::int64_t N = 20001;
  std::vector<float> x(N), y(N), g(N), ones(N, 1.0f);
  for (std::int64_t i = 0; i < N; i++) x[i] = -10.0f + 20.0f * i / (N - 1);
  const auto ow = Grad::overwrite;
  for (int k = 0; k < 3; k++) {
    if (k == 0)
      gelu_forward(y.data(), x.data(), N), gelu_backward(g.data(), ones.data(), x.data(), N, ow);
    if (k == 1)
      gelu_tanh_forward(y.data(), x.data(), N),
          gelu_tanh_backward(g.data(), ones.data(), x.data(), N, ow);
    if (k == 2)
      tanh_forward(y.data(), x.data(), N), tanh_backward(g.data(), ones.data(), y.data(), N, ow);
    for (std::int64_t i = 0; i < N; i++) {
      const double X = x[i], c = std::sqrt(2.0 / M_PI), u = c * (X + 0.044715 * X * X * X);
      double ref, dref;
      if (k == 0) {
        ref = X * 0.5 * std::erfc(-X / std::sqrt(2.0));
        dref =
            0.5 * std::erfc(-X / std::sqrt(2.0)) + X * std::exp(-0.5 * X * X) / std::sqrt(2 * M_PI);
      } else if (k == 1) {
        ref = 0.5 * X * (1 + std::tanh(u));
        dref = 0.5 * (1 + std::tanh(u)) +
               0.5 * X * (1 - std::pow(std::tanh(u), 2)) * c * (1 + 3 * 0.044715 * X * X);
      } else {
        ref = std::tanh(X);
        dref = 1 - ref * ref;
      }
      ASSERT_NEAR(y[i], ref, 1e-6) << "activation " << k << " x=" << X;
      ASSERT_NEAR(g[i], dref, 2e-6) << "activation " << k << " grad x=" << X;
    }
  }
}

TEST(Batchnorm, TrainNormalisesAndUpdatesRunningStatsEvalUsesThem) {
  const int B = 6, C = 3, H = 2, W = 5, HW = H * W, n = B * HW;
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(B * C * HW), gamma = {1.0f, 2.0f, 0.5f}, beta = {0.0f, -1.0f, 3.0f};
  for (int i = 0; i < (int)x.size(); i++) x[i] = 4.0f * nd(rng) + 1.5f * ((i / HW) % C);
  std::vector<float> y(x.size()), mean(C), rstd(C), rmean(C, 0.0f), rvar(C, 1.0f);
  const float momentum = 0.1f, eps = 1e-5f;
  batchnorm_forward_train(y.data(), mean.data(), rstd.data(), rmean.data(), rvar.data(), x.data(),
                          gamma.data(), beta.data(), B, C, H, W, momentum, eps);
  for (int c = 0; c < C; c++) {
    double s = 0, s2 = 0, xs = 0, xs2 = 0;
    for (int b = 0; b < B; b++)
      for (int i = 0; i < HW; i++) {
        double z = (y[(b * C + c) * HW + i] - beta[c]) / gamma[c];
        s += z;
        s2 += z * z;
        xs += x[(b * C + c) * HW + i];
      }
    double mu = xs / n;
    for (int b = 0; b < B; b++)
      for (int i = 0; i < HW; i++) xs2 += std::pow(x[(b * C + c) * HW + i] - mu, 2);
    EXPECT_NEAR(s / n, 0.0, 1e-5);   // normalised: zero mean
    EXPECT_NEAR(s2 / n, 1.0, 1e-3);  // unit (biased) variance, up to eps
    // PyTorch running stats: momentum-weighted, running_var with the unbiased variance.
    EXPECT_NEAR(rmean[c], 0.9 * 0.0 + 0.1 * mu, 1e-5);
    EXPECT_NEAR(rvar[c], 0.9 * 1.0 + 0.1 * xs2 / (n - 1), 1e-4);
  }
  // Eval with running stats equal to the batch's biased statistics reproduces train output.
  std::vector<float> bmean = mean, bvar(C), y_eval(x.size()), y_eval_naive(x.size());
  for (int c = 0; c < C; c++) bvar[c] = 1.0f / (rstd[c] * rstd[c]) - eps;
  batchnorm_forward_eval(y_eval.data(), x.data(), gamma.data(), beta.data(), bmean.data(),
                         bvar.data(), B, C, H, W, eps);
  for (std::size_t i = 0; i < y.size(); i++) EXPECT_NEAR(y_eval[i], y[i], 1e-4);
  // Eval with the (different) running stats is a fixed affine map, fast == naive.
  batchnorm_forward_eval(y_eval.data(), x.data(), gamma.data(), beta.data(), rmean.data(),
                         rvar.data(), B, C, H, W, eps);
  batchnorm_forward_eval_naive(y_eval_naive.data(), x.data(), gamma.data(), beta.data(),
                               rmean.data(), rvar.data(), B, C, H, W, eps);
  for (std::size_t i = 0; i < y.size(); i++) {
    EXPECT_NEAR(y_eval[i], y_eval_naive[i], 1e-5);
    int c = (i / HW) % C;
    EXPECT_NEAR(y_eval[i], (x[i] - rmean[c]) / std::sqrt(rvar[c] + eps) * gamma[c] + beta[c], 1e-4);
  }
  EXPECT_GT(std::fabs(y_eval[0] - y[0]), 1e-2);  // eval really differs from train here
}

TEST(SoftmaxCrossEntropy, MatchesNaiveLogSumExpAndCountsCorrect) {
  const int B = 4, OC = 5;
  // Huge logits: a naive exp would overflow; the max shift keeps everything finite.
  std::vector<float> logits = {1000, 1001, 999, 998, 1000,  // arg-max 1
                               -50,  -60,  -40, -70, -45,   // arg-max 2
                               0,    0,    0,   0,   0,     // ties: first max is 0
                               3,    1,    4,   1,   5};    // arg-max 4
  std::vector<int> targets = {1, 0, 0, 4};
  std::vector<float> probs(B * OC), probs_naive(B * OC);
  auto r = softmax_cross_entropy_forward(probs.data(), logits.data(), targets.data(), B, OC);
  auto rn =
      softmax_cross_entropy_forward_naive(probs_naive.data(), logits.data(), targets.data(), B, OC);
  // Hand log-sum-exp per row, in double.
  double want = 0;
  for (int b = 0; b < B; b++) {
    double m = -1e300, s = 0;
    for (int o = 0; o < OC; o++) m = std::max(m, (double)logits[b * OC + o]);
    for (int o = 0; o < OC; o++) s += std::exp(logits[b * OC + o] - m);
    want += m + std::log(s) - logits[b * OC + targets[b]];
    double psum = 0;
    for (int o = 0; o < OC; o++) psum += probs[b * OC + o];
    EXPECT_NEAR(psum, 1.0, 1e-6);
  }
  want /= B;
  EXPECT_TRUE(std::isfinite(r.loss));
  EXPECT_NEAR(r.loss, want, 1e-5);
  EXPECT_NEAR(rn.loss, want, 1e-6);
  EXPECT_EQ(r.correct, 3);  // rows 0, 2 (tie -> index 0) and 3
  EXPECT_EQ(rn.correct, 3);
  // Uniform logits: loss = log(OC) nats.
  std::vector<float> flat(OC, 0.25f);
  int t = 2;
  EXPECT_NEAR(softmax_cross_entropy_forward(nullptr, flat.data(), &t, 1, OC).loss, std::log(OC),
              1e-6);
}

TEST(Conv2d, FirstLayerPathWithoutDinpGivesSameWeightGradients) {
  Shape2d s{3, 1, 28, 28, 3, 1, 1};
  const int OC = 8;
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> x(s.B * s.C * s.H * s.W), w(OC * s.C * 9), b(OC),
      dy(s.B * OC * s.OH() * s.OW());
  for (auto* v : {&x, &w, &b, &dy})
    for (float& e : *v) e = u(rng);
  std::vector<float> scratch(conv2d_scratch_floats(s)), dx(x.size()), dw1(w.size()), dw2(w.size()),
      db1(OC), db2(OC);
  conv2d_backward(dx.data(), dw1.data(), db1.data(), scratch.data(), dy.data(), x.data(), w.data(),
                  s, OC, Grad::overwrite);
  conv2d_backward(nullptr, dw2.data(), db2.data(), scratch.data(), dy.data(), x.data(), w.data(), s,
                  OC, Grad::overwrite);
  EXPECT_EQ(dw1, dw2);
  EXPECT_EQ(db1, db2);
}

// dense_backward_modes: the parameter gradients follow their own mode, apart from dinp's. Here
// dinp is overwritten with the gradient while dweight and dbias add it to what they held (what
// Net's fused momentum step asks), against the naive gradient in double.
TEST(Dense, ParamGradientsFollowTheirOwnModeApartFromDinp) {
  const int B = 5, C = 7, OC = 6;
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> x(B * C), w(OC * C), dy(B * OC), old_w(OC * C), old_b(OC), old_dx(B * C);
  for (auto* v : {&x, &w, &dy, &old_w, &old_b, &old_dx})
    for (float& e : *v) e = u(rng);
  std::vector<float> gx(B * C), gw(OC * C), gb(OC);  // the gradient alone
  dense_backward_naive(gx.data(), gw.data(), gb.data(), dy.data(), x.data(), w.data(), B, C, OC,
                       Grad::overwrite);
  std::vector<float> dx = old_dx, dw = old_w, db = old_b;
  dense_backward_modes(dx.data(), dw.data(), db.data(), dy.data(), x.data(), w.data(), B, C, OC,
                       Grad::overwrite, Grad::accumulate);
  for (int i = 0; i < OC * C; i++) EXPECT_NEAR(dw[i], old_w[i] + gw[i], 1e-5f) << i;
  for (int o = 0; o < OC; o++) EXPECT_NEAR(db[o], old_b[o] + gb[o], 1e-5f) << o;
  for (int i = 0; i < B * C; i++) EXPECT_NEAR(dx[i], gx[i], 1e-5f) << i;
}

TEST(Macs, CountsFollowTheLayerFormulas) {
  // CNN custom [32, 64] / [128] on 28x28x1: the shapes of bench/kernels_bench.cpp.
  EXPECT_EQ(conv2d_macs(Shape2d{1, 1, 28, 28, 3, 1, 1}, 32), 28 * 28 * 32 * 1 * 9);
  EXPECT_EQ(conv2d_macs(Shape2d{1, 32, 14, 14, 3, 1, 1}, 64), 14 * 14 * 64 * 32 * 9);
  EXPECT_EQ(conv2d_macs(Shape2d{1, 3, 32, 32, 5, 2, 0}, 6), 14 * 14 * 6 * 3 * 25);
  EXPECT_EQ(dense_macs(784, 512), 784 * 512);
  EXPECT_EQ(depthwise_conv2d_macs(Shape2d{1, 16, 10, 10, 3, 2, 1}), 5 * 5 * 16 * 9);
}

TEST(Arena, BumpAllocatesAlignedNamedTensorsWithinOneBlock) {
  const std::size_t need = Arena::padded_bytes(3) + Arena::padded_bytes(100) +
                           Arena::padded_bytes(5, sizeof(std::uint8_t));
  EXPECT_EQ(need, 64u + 448u + 64u);
  Arena arena(need);
  float* a = arena.alloc("a", 3);
  float* b = arena.alloc("b", 100);
  auto* m = arena.alloc<std::uint8_t>("mask", 5);
  for (void* p : {(void*)a, (void*)b, (void*)m})
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % 64, 0u);
  EXPECT_EQ(b - a, 16);  // 3 floats padded to one 64-byte line
  EXPECT_EQ(b[99], 0.0f);
  EXPECT_EQ(arena.used_bytes(), need);
  EXPECT_EQ(arena.capacity_bytes(), need);
  EXPECT_EQ(arena.find("b"), b);
  EXPECT_EQ(arena.find("nope"), nullptr);
  ASSERT_EQ(arena.tensors().size(), 3u);
  EXPECT_EQ(arena.tensors()[2].name, "mask");
  try {
    arena.alloc("extra", 1);
    FAIL() << "allocation past capacity must throw";
  } catch (const std::length_error& e) {
    EXPECT_NE(std::string(e.what()).find("'extra'"), std::string::npos) << e.what();
  }
  arena.reset();
  EXPECT_EQ(arena.used_bytes(), 0u);
  EXPECT_EQ(arena.alloc("again", 3), a);
}

}  // namespace
}  // namespace greenbench::kernels
