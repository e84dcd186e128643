// The transformer workloads (vit, lm) against PyTorch float64 goldens
// (golden/make_transformer_golden.py: nn.TransformerEncoderLayer, norm_first, GELU): params,
// MACs, loss, logits and every parameter gradient; finite differences of both models; KV-cache
// generation against full recomputation; the lm phases; and key checks. Learning and accuracy
// runs: model_transformer_learning_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>

#include "golden_util.hpp"
#include "greenbench/errors.hpp"
#include "model_test_util.hpp"
#include "models/transformer_archs.hpp"

namespace greenbench::testing {
namespace {

// A completed config of the golden's keys.
nlohmann::json golden_config(const nlohmann::json& g, bool lm) {
  nlohmann::json c = g.at("keys");
  if (lm) {
    c["dataset"] = "synthetic";
  } else {
    c["dataset"] = "synthetic";
    c["input_shape"] = g.at("input_shape");
  }
  return workload_config_complete(lm ? "lm" : "vit", c);
}

// The golden model with PyTorch's parameters and inputs loaded.
std::unique_ptr<models::Transformer> golden_model(const nlohmann::json& g, bool lm) {
  const auto cfg = golden_config(g, lm);
  const int B = g.at("B").get<int>();
  auto t = std::make_unique<models::Transformer>(
      lm ? models::lm_shape(cfg) : models::vit_shape(cfg), B, B, kernels::Optimizer::sgd, 0);
  const auto& tensors = t->param_tensors();
  EXPECT_EQ(tensors.size(), g.at("tensors").size());
  for (std::size_t i = 0; i < std::min(tensors.size(), g["tensors"].size()); i++) {
    const auto& gt = g["tensors"][i];
    EXPECT_EQ(tensors[i].name, gt.at("name").get<std::string>());
    EXPECT_EQ(tensors[i].count, gt.at("count").get<std::int64_t>()) << tensors[i].name;
    const auto v = gt.at("value").get<std::vector<float>>();
    if (std::int64_t(v.size()) == tensors[i].count)
      std::copy(v.begin(), v.end(), t->param_data() + tensors[i].offset);
  }
  const auto targets = g.at("targets").get<std::vector<int>>();
  std::copy(targets.begin(), targets.end(), t->targets());
  if (lm) {
    const auto tok = g.at("tokens").get<std::vector<int>>();
    for (std::size_t i = 0; i < tok.size(); i++) t->tokens()[i] = std::uint8_t(tok[i]);
  } else {
    const auto img = g.at("images").get<std::vector<float>>();
    std::copy(img.begin(), img.end(), t->images());
  }
  return t;
}

// The golden file of the lm (true) or vit (false) and the model built from it.
class TransformerGolden : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    g = golden_load(lm ? "transformer_lm.json" : "transformer_vit.json",
                    "make_transformer_golden.py");
    ASSERT_FALSE(g.is_null());
    t = golden_model(g, lm);
    B = g.at("B").get<int>();
    T = t->shape().tokens();
  }
  const bool lm = GetParam();
  nlohmann::json g;
  std::unique_ptr<models::Transformer> t;
  int B = 0, T = 0;
};

TEST_P(TransformerGolden, ForwardAndBackwardMatchPyTorch) {
  EXPECT_EQ(t->params(), g.at("params").get<std::int64_t>());
  EXPECT_EQ(t->macs_per_sample(), g.at("macs_per_sample").get<std::int64_t>());
  const auto ce = t->forward(B, T);
  const double want = g.at("loss").get<double>();
  EXPECT_NEAR(ce.loss, want, 2e-5 * std::fabs(want) + 1e-6);
  expect_close(t->logits(), g.at("logits").get<std::vector<double>>(), 1e-5, 1e-6, "logits");
  t->backward(B, T);
  const auto& tensors = t->param_tensors();
  for (std::size_t i = 0; i < tensors.size(); i++)
    expect_close(t->grad_data() + tensors[i].offset,
                 g["tensors"][i].at("grad").get<std::vector<double>>(), 1e-4, 1e-7,
                 tensors[i].name + ".grad");
}

// Central differences of the mean loss along single parameters (a few per tensor) and along one
// direction over all of them. The models are smooth (GELU, softmax, layer norm), so every
// sampled element must agree: |fd - g| <= 2e-3 + 3e-2 |g| (fp32 loss noise ~5e-6 over the
// steps 1e-2 and 5e-3, Richardson-combined, gives ~1e-3; the h^4 truncation is far below),
// and the directional derivative within 1%.
TEST_P(TransformerGolden, GradientsMatchFiniteDifferences) {
  // Embedding rows of unit scale: with the golden's, some token + position sums nearly cancel,
  // and layer norm of a near-zero row is too curved for any usable step.
  std::mt19937 init(11);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (const auto& pt : t->param_tensors())
    if (pt.name == "wte.weight" || pt.name == "wpe.weight" || pt.name == "pos_embed")
      for (std::int64_t i = 0; i < pt.count; i++) t->param_data()[pt.offset + i] = u(init);
  t->forward(B, T);
  t->backward(B, T);
  const std::vector<float> grad(t->grad_data(), t->grad_data() + t->params());
  float* p = t->param_data();
  auto loss = [&] { return double(t->forward(B, T).loss); };
  const double h = 1e-2;
  std::mt19937 rng(3);
  for (const auto& pt : t->param_tensors()) {
    for (int s = 0; s < 4; s++) {
      const std::int64_t i =
          pt.offset + std::uniform_int_distribution<std::int64_t>(0, pt.count - 1)(rng);
      const float saved = p[i];
      auto central = [&](double step) {
        p[i] = saved + float(step);
        const double up = loss();
        p[i] = saved - float(step);
        const double down = loss();
        p[i] = saved;
        return (up - down) / (2 * step);
      };
      // Richardson: (4 D(h/2) - D(h)) / 3 cancels the h^2 term (layer norm of a short
      // embedding row is strongly curved at h = 1e-2).
      const double fd = (4 * central(h / 2) - central(h)) / 3, gi = grad[std::size_t(i)];
      EXPECT_LE(std::fabs(fd - gi), 2e-3 + 3e-2 * std::fabs(gi))
          << pt.name << "[" << i - pt.offset << "]: fd " << fd << " analytic " << gi;
    }
  }
  // Along d = grad/|grad| + noise: L(p + h d) - L(p - h d) / 2h = d . grad.
  std::normal_distribution<double> n01(0, 1);
  double norm = 0;
  for (float v : grad) norm += double(v) * v;
  norm = std::sqrt(norm);
  ASSERT_GT(norm, 0);
  std::vector<double> d(grad.size());
  double dot = 0;
  for (std::size_t i = 0; i < d.size(); i++) {
    d[i] = grad[i] / norm + 0.3 * n01(rng) / std::sqrt(double(d.size()));
    dot += d[i] * grad[i];
  }
  const std::vector<float> p0(p, p + t->params());
  const double hd = 1e-3;
  for (std::size_t i = 0; i < d.size(); i++) p[i] = float(p0[i] + hd * d[i]);
  const double up = loss();
  for (std::size_t i = 0; i < d.size(); i++) p[i] = float(p0[i] - hd * d[i]);
  const double down = loss();
  EXPECT_NEAR((up - down) / (2 * hd), dot, 1e-2 * std::fabs(dot));
}

INSTANTIATE_TEST_SUITE_P(Models, TransformerGolden, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "lm" : "vit"; });

TEST(TransformerCounts, ParamsAndMacsMatchPyTorch) {
  const nlohmann::json counts =
      golden_load("transformer_counts.json", "make_transformer_golden.py");
  ASSERT_FALSE(counts.empty());
  for (const auto& c : counts) {
    const bool lm = c.at("workload") == "lm";
    nlohmann::json cfg = c.at("keys");
    cfg["dataset"] = "synthetic";
    if (!lm) cfg["input_shape"] = c.at("input_shape");
    const auto full = workload_config_complete(lm ? "lm" : "vit", cfg);
    models::Transformer t(lm ? models::lm_shape(full) : models::vit_shape(full), 1, 1,
                          kernels::Optimizer::sgd, 0);
    EXPECT_EQ(t.params(), c.at("params").get<std::int64_t>()) << c.dump();
    EXPECT_EQ(t.macs_per_sample(), c.at("macs_per_sample").get<std::int64_t>()) << c.dump();
  }
}

// A small lm on the default corpus, trained for a few steps so its outputs are not flat.
nlohmann::json small_lm(bool kv_cache) {
  return {{"context", 48},
          {"dim", 32},
          {"depth", 2},
          {"heads", 4},
          {"prompt_tokens", 12},
          {"gen_tokens", 36},
          {"kv_cache", kv_cache},
          {"batch_size", 8},
          {"infer_batch_size", 5},
          {"train_samples", 1600},
          {"test_samples", 20},
          {"optimizer", "adamw"},
          {"learning_rate", 3e-3},
          {"seed", 4}};
}

TEST(LmGeneration, KvCacheYieldsTheTokensOfFullRecomputation) {
  auto with = models::lm_make(workload_config_complete("lm", small_lm(true)));
  auto without = models::lm_make(workload_config_complete("lm", small_lm(false)));
  RecordingObserver obs;
  with->train_epoch(1, obs);
  std::copy(with->model().param_data(), with->model().param_data() + with->params(),
            without->model().param_data());
  RecordingObserver a, b;
  with->infer(a);
  without->infer(b);
  ASSERT_EQ(with->generated().size(), 5u * 36u);
  EXPECT_EQ(with->generated(), without->generated());
  // Not a degenerate run: the generated bytes vary.
  const auto& gen = with->generated();
  EXPECT_GT(std::count_if(gen.begin(), gen.end(), [&](std::uint8_t v) { return v != gen[0]; }), 0);
  // Phases: infer over 20 windows, prefill of 5 x 12 prompt bytes, decode of 5 x 35 bytes.
  for (const RecordingObserver* o : {&a, &b}) {
    ASSERT_EQ(o->begun, (std::vector<std::string>{"infer", "prefill", "decode"}));
    EXPECT_EQ(o->results[0].samples, 20);
    EXPECT_EQ(o->results[1].tokens, 60);
    EXPECT_EQ(o->results[2].tokens, 5 * 35);
    EXPECT_EQ(o->results[2].steps, 35);
    EXPECT_TRUE(std::isnan(o->results[2].accuracy));
  }
  EXPECT_EQ(a.results[0].loss, b.results[0].loss);
}

TEST(LmGeneration, CacheStepLogitsEqualTheFullForward) {
  auto w = models::lm_make(workload_config_complete("lm", small_lm(true)));
  models::Transformer& t = w->model();
  const int B = 3, L = 20, V = 256;
  std::vector<std::uint8_t> seq(B * L);
  std::mt19937 rng(9);
  for (auto& v : seq) v = std::uint8_t(rng() % 96 + 32);
  // Full forward over all L positions.
  std::copy(seq.begin(), seq.end(), t.tokens());
  t.forward(B, L, false);
  std::vector<float> full(t.logits(), t.logits() + B * L * V);
  // Prefill 7 positions, then step through the rest.
  const int P = 7;
  for (int b = 0; b < B; b++) std::copy_n(seq.begin() + b * L, P, t.tokens() + b * P);
  t.cache_prefill(B, P);
  for (int pos = P; pos < L; pos++) {
    std::uint8_t tok[B];
    for (int b = 0; b < B; b++) tok[b] = seq[b * L + pos];
    const float* logits = t.cache_step(B, pos, tok);
    for (int b = 0; b < B; b++)
      for (int v = 0; v < V; v++)
        ASSERT_NEAR(logits[b * V + v], full[(b * L + pos) * V + v], 1e-4) << "pos " << pos;
  }
}

void expect_input_error(const std::string& workload, const nlohmann::json& cfg,
                        const std::string& needle) {
  try {
    workload_config_complete(workload, cfg);
    ADD_FAILURE() << "no InputError for " << cfg.dump();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(TransformerConfig, DefaultsAndBadKeys) {
  const auto vit = workload_config_complete("vit", nlohmann::json::object());
  EXPECT_EQ(vit.at("patch"), 7);
  EXPECT_EQ(vit.at("dim"), 64);
  EXPECT_EQ(vit.at("mlp_ratio"), 2.0);
  const auto lm = workload_config_complete("lm", nlohmann::json::object());
  EXPECT_EQ(lm.at("context"), 128);
  EXPECT_EQ(lm.at("dataset"), "text");
  EXPECT_EQ(lm.at("corpus"), "/usr/share/common-licenses");
  EXPECT_EQ(lm.at("prompt_tokens"), 32);
  EXPECT_EQ(lm.at("gen_tokens"), 64);
  EXPECT_EQ(lm.at("kv_cache"), true);
  EXPECT_FALSE(lm.contains("data_dir"));
  expect_input_error("vit", {{"dim", 30}, {"heads", 4}}, "heads");
  expect_input_error("vit", {{"patch", 29}}, "patch");
  expect_input_error("vit", {{"mlp_ratio", 0}}, "mlp_ratio");
  expect_input_error("lm", {{"prompt_tokens", 100}, {"gen_tokens", 40}}, "exceeds context 128");
  expect_input_error("lm", {{"data_dir", "/tmp"}}, "data_dir");
  expect_input_error("lm", {{"dataset", "cifar10"}}, "dataset");
  expect_input_error("lm", {{"kv_cache", "yes"}}, "kv_cache");
  expect_input_error("lm", {{"dataset", "synthetic"}, {"corpus", "/tmp"}}, "corpus");
  try {
    workload_make("lm", workload_config_complete("lm", {{"corpus", "/nonexistent/corpus"}}));
    ADD_FAILURE() << "no InputError for a missing corpus";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/corpus"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace greenbench::testing
