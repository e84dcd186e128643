// Tests of transformer_cost (workloads/models/transformer_cost.hpp), the vit / lm per-op cost
// breakdown: hand counts for one tiny vit and one tiny lm, and for several shapes the matmul
// kinds' forward FLOPs against 2 x the built model's own macs_per_sample, params against its
// params(), the built workload's breakdown against the data-free one, optimizer state bytes.
#include <gtest/gtest.h>

#include "greenbench/workload.hpp"
#include "models/transformer_cost.hpp"

namespace greenbench {
namespace {

WorkloadConfig vit_config(int hw, int patch, int dim, int depth, int heads, double ratio,
                          const char* optimizer = "momentum") {
  return workload_config_complete("vit", {{"dataset", "synthetic"},
                                          {"input_shape", {1, hw, hw}},
                                          {"train_samples", 8},
                                          {"test_samples", 8},
                                          {"batch_size", 4},
                                          {"patch", patch},
                                          {"dim", dim},
                                          {"depth", depth},
                                          {"heads", heads},
                                          {"mlp_ratio", ratio},
                                          {"optimizer", optimizer}});
}

WorkloadConfig lm_config(int context, int dim, int depth, int heads,
                         const char* optimizer = "adamw") {
  return workload_config_complete("lm", {{"dataset", "synthetic"},
                                         {"train_samples", 4},
                                         {"test_samples", 4},
                                         {"batch_size", 2},
                                         {"infer_batch_size", 2},
                                         {"context", context},
                                         {"dim", dim},
                                         {"depth", depth},
                                         {"heads", heads},
                                         {"optimizer", optimizer}});
}

double fwd(const CostBreakdown& c, const char* kind) {
  return c.kinds.count(kind) ? c.kinds.at(kind).fwd_flops : 0.0;
}
double bwd(const CostBreakdown& c, const char* kind) {
  return c.kinds.count(kind) ? c.kinds.at(kind).bwd_flops : 0.0;
}

TEST(TransformerCost, TinyVitByHand) {
  // 1x4x4 image, patch 2 -> T = 4 tokens of CP = 4; dim 4, 2 heads, depth 1, MLP 8, 10 classes.
  const auto c = workload_cost_breakdown("vit", vit_config(4, 2, 4, 1, 2, 2.0));
  // dense: patch 2*4*4*4, qkv 2*4*4*12, proj 2*4*4*4, fc1 2*4*4*8, fc2 2*4*8*4, head 2*4*10.
  EXPECT_DOUBLE_EQ(fwd(c, "dense"), 128 + 384 + 128 + 256 + 256 + 80);
  // Backward: the patch embedding only its weight gradient, every other dense both.
  EXPECT_DOUBLE_EQ(bwd(c, "dense"), 128 + 2.0 * (384 + 128 + 256 + 256 + 80));
  // q k^T and att v: 2 x (4 tokens x 4 tokens x dim 4) MACs.
  EXPECT_DOUBLE_EQ(fwd(c, "attention"), 2.0 * 2 * 4 * 4 * 4);
  EXPECT_DOUBLE_EQ(fwd(c, "softmax"), 5.0 * 2 * 4 * 4);  // heads x T x T scores
  EXPECT_DOUBLE_EQ(c.kinds.at("softmax").act_bytes, 4.0 * 2 * 4 * 4);
  EXPECT_DOUBLE_EQ(fwd(c, "norm"), 3 * 6.0 * 4 * 4);        // ln1, ln2, final
  EXPECT_DOUBLE_EQ(fwd(c, "transcendental"), 8.0 * 4 * 8);  // GELU over T x MLP
  EXPECT_DOUBLE_EQ(fwd(c, "elementwise"), 3.0 * 4 * 4);     // position add, 2 residuals
  EXPECT_DOUBLE_EQ(fwd(c, "pooling"), 4.0 * 4);             // token mean
  EXPECT_DOUBLE_EQ(fwd(c, "loss"), 5.0 * 10);
  EXPECT_EQ(c.kinds.count("embedding"), 0u);
  EXPECT_EQ(c.kinds.at("dense").calls, 6);
  EXPECT_EQ(c.kinds.at("attention").calls, 1);
  // patch 16+4, pos 16; block qkv 48+12, proj 16+4, fc1 32+8, fc2 32+4, 2 norms 16; norm 8;
  // head 40+10.
  EXPECT_EQ(c.params, 36 + 172 + 8 + 50);
  EXPECT_DOUBLE_EQ(c.input_bytes_per_sample, 4.0 * 16);
  EXPECT_DOUBLE_EQ(c.kinds.at("dense").scratch_bytes, 4.0 * 4 * 4);  // the patches
}

TEST(TransformerCost, TinyLmByHand) {
  // One window of context 4, dim 4, 2 heads, depth 1, MLP 16, 256 bytes.
  const auto c = workload_cost_breakdown("lm", lm_config(4, 4, 1, 2));
  // dense per window: qkv 2*4*4*12, proj 2*4*4*4, fc1 2*4*4*16, fc2 2*4*16*4, head 2*4*4*256.
  EXPECT_DOUBLE_EQ(fwd(c, "dense"), 384 + 128 + 512 + 512 + 8192);
  // The first dense (qkv) needs its input gradient too: the embedding is trained.
  EXPECT_DOUBLE_EQ(bwd(c, "dense"), 2.0 * (384 + 128 + 512 + 512 + 8192));
  EXPECT_DOUBLE_EQ(fwd(c, "attention"), 2.0 * 2 * 4 * 4 * 4);
  EXPECT_DOUBLE_EQ(bwd(c, "attention"), 4.0 * 2 * 4 * 4 * 4);
  EXPECT_DOUBLE_EQ(fwd(c, "embedding"), 4.0 * 4);   // wte[byte] + wpe[pos] per element
  EXPECT_DOUBLE_EQ(fwd(c, "loss"), 5.0 * 4 * 256);  // every position's 256 logits
  EXPECT_DOUBLE_EQ(fwd(c, "elementwise"), 2.0 * 4 * 4);
  EXPECT_EQ(c.kinds.count("pooling"), 0u);
  // wte 256*4 + wpe 4*4; block qkv 60, proj 20, fc1 64+16, fc2 64+4, norms 16; norm 8;
  // head 1024+256.
  EXPECT_EQ(c.params, 1040 + 244 + 8 + 1280);
  EXPECT_DOUBLE_EQ(c.input_bytes_per_sample, 4);                          // one byte per token
  EXPECT_DOUBLE_EQ(c.optimizer_state_bytes, 2.0 * 4 * double(c.params));  // AdamW: 2 moments
}

TEST(TransformerCost, VitShapesAgreeWithTheModel) {
  struct Shape {
    int hw, patch, dim, depth, heads;
    double ratio;
  };
  for (const Shape& s : {Shape{4, 2, 4, 1, 2, 2.0}, Shape{12, 3, 24, 2, 3, 1.5},
                         Shape{10, 5, 16, 3, 4, 4.0}, Shape{8, 8, 8, 1, 1, 0.5}}) {
    const auto config = vit_config(s.hw, s.patch, s.dim, s.depth, s.heads, s.ratio);
    auto w = workload_make("vit", config);
    const auto c = workload_cost_breakdown("vit", config);
    EXPECT_DOUBLE_EQ(fwd(c, "dense") + fwd(c, "attention"), 2.0 * double(w->macs_per_sample()))
        << s.hw << " " << s.patch << " " << s.dim;
    EXPECT_EQ(c.params, w->params());
    const auto cw = w->cost_breakdown();  // the built workload says the same
    EXPECT_EQ(cw.to_json(), c.to_json());
  }
}

TEST(TransformerCost, LmShapesAgreeWithTheModel) {
  struct Shape {
    int context, dim, depth, heads;
  };
  for (const Shape& s : {Shape{4, 4, 1, 2}, Shape{16, 8, 2, 2}, Shape{32, 12, 1, 3}}) {
    const auto config = lm_config(s.context, s.dim, s.depth, s.heads);
    auto w = workload_make("lm", config);
    const auto c = workload_cost_breakdown("lm", config);
    // lm's macs_per_sample is one token of a full-context window; a sample here is the window.
    EXPECT_DOUBLE_EQ(fwd(c, "dense") + fwd(c, "attention"),
                     2.0 * double(w->macs_per_sample()) * s.context)
        << s.context << " " << s.dim;
    // Forward + backward of a window x batch is the bench's training step for the matmuls.
    const double fb = fwd(c, "dense") + fwd(c, "attention") + bwd(c, "dense") + bwd(c, "attention");
    EXPECT_NEAR(fb * 2, w->bench_train_flops(), 1e-9 * fb);  // batch 2; train = 3 x forward
    EXPECT_EQ(c.params, w->params());
    EXPECT_EQ(w->cost_breakdown().to_json(), c.to_json());
  }
}

TEST(TransformerCost, LmGenerationByHand) {
  // context 8, dim 4, 1 layer, 2 heads, MLP 16; 2 sequences, prompt 2, 3 generated bytes:
  // prefill over 2 tokens, then steps at lengths 3 and 4. Dense per token: qkv 2*4*12, proj
  // 2*4*4, fc1 2*4*16, fc2 2*16*4, head 2*4*256 = 2432.
  auto gen = [](bool kv) {
    auto config = lm_config(8, 4, 1, 2);
    config["prompt_tokens"] = 2, config["gen_tokens"] = 3, config["kv_cache"] = kv;
    return workload_cost_breakdown("lm", config);
  };
  const auto kv = gen(true), full = gen(false);
  // With the cache: 2 + 1 + 1 new tokens; queries x keys = 2*2 + 1*3 + 1*4 = 11.
  EXPECT_DOUBLE_EQ(kv.infer_pass_flops.at("dense"), 2.0 * 4 * 2432);
  EXPECT_DOUBLE_EQ(kv.infer_pass_flops.at("attention"), 2.0 * 2 * 2 * 4 * 11);
  EXPECT_DOUBLE_EQ(kv.infer_pass_flops.at("softmax"), 2.0 * 5 * 2 * 11);
  EXPECT_DOUBLE_EQ(kv.infer_pass_forwards, 3);
  // Without: forwards over 2, 3 and 4 tokens; 4 + 9 + 16 = 29 query-key pairs.
  EXPECT_DOUBLE_EQ(full.infer_pass_flops.at("dense"), 2.0 * 9 * 2432);
  EXPECT_DOUBLE_EQ(full.infer_pass_flops.at("attention"), 2.0 * 2 * 2 * 4 * 29);
  EXPECT_DOUBLE_EQ(full.infer_pass_flops.at("softmax"), 2.0 * 5 * 2 * 29);
  EXPECT_EQ(full.infer_pass_flops.count("loss"), 0u);  // generation takes the argmax
  // A forward over L tokens costs what the window's breakdown says at L = context, scaled.
  const auto window = workload_cost_breakdown("lm", lm_config(8, 4, 1, 2));
  EXPECT_DOUBLE_EQ(window.kinds.at("dense").fwd_flops, 8 * 2432.0);
  EXPECT_DOUBLE_EQ(window.kinds.at("attention").fwd_flops, 2.0 * 2 * 8 * 8 * 4);
}

TEST(TransformerCost, OptimizerStateBytes) {
  for (const char* workload : {"vit", "lm"}) {
    for (auto [opt, floats] : {std::pair{"sgd", 0}, {"momentum", 1}, {"adam", 2}, {"adamw", 2}}) {
      const auto c = workload_cost_breakdown(workload, std::string(workload) == "vit"
                                                           ? vit_config(4, 2, 4, 1, 2, 2.0, opt)
                                                           : lm_config(4, 4, 1, 2, opt));
      EXPECT_DOUBLE_EQ(c.optimizer_state_bytes, 4.0 * floats * double(c.params))
          << workload << " " << opt;
      EXPECT_DOUBLE_EQ(c.weight_bytes, 4.0 * double(c.params));
      EXPECT_DOUBLE_EQ(c.grad_bytes, c.weight_bytes);
    }
  }
}

}  // namespace
}  // namespace greenbench
