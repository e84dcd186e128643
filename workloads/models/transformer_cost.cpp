// transformer_cost: the vit / lm transformer's forward and backward FLOPs, activation bytes
// and calls per op kind, walked in the order of Transformer::forward. See transformer_cost.hpp;
// the conventions are in docs/estimate.md. Not the Transformer itself (transformer.cpp).
#include "models/transformer_cost.hpp"

#include "kernels/attention.hpp"
#include "kernels/dense.hpp"
#include "models/cost.hpp"

namespace greenbench::models {

using namespace cost_flops;

namespace {

// Softmax of the attention scores, per score: scale, max, subtract, exp, sum, divide forward
// (as kernels::attention_flops counts, 5); backward dS = P (dP - sum(dP P)), 4.
constexpr double kSoftmaxFwd = 5, kSoftmaxBwd = 4;
// Byte + position embedding lookup, per output element: one add forward; backward adds the
// gradient into both tables.
constexpr double kEmbedFwd = 1, kEmbedBwd = 2;

}  // namespace

CostBreakdown transformer_cost(const TransformerShape& s, kernels::Optimizer optimizer) {
  CostBreakdown cost;
  // act_elems: floats the op writes per sample and keeps for backward (in-place ops: 0).
  auto add = [&cost](const char* kind, double fwd, double bwd, double act_elems) {
    cost_add(cost, kind, fwd, bwd, act_elems);
  };
  // A dense layer of `rows` rows I -> O: backward computes the weight gradient and, unless
  // `first` (nothing upstream needs it), the input gradient.
  auto dense = [&add, &cost](double rows, int I, int O, bool first) {
    const double f = 2.0 * rows * double(kernels::dense_macs(I, O));
    add("dense", f, first ? f : 2 * f, rows * O);
    dense_gemms_add(cost, std::int64_t(rows), I, O, first);
  };
  const double T = s.tokens(), D = s.dim, Hd = s.hidden, V = s.outputs();
  const double ND = T * D;  // one sample's residual stream
  std::int64_t params = 0;

  // Embedding.
  if (!s.lm) {
    const int CP = s.IC * s.patch * s.patch;
    cost.input_bytes_per_sample = double(s.IC) * s.H * s.W * kFloatBytes;
    dense(T, CP, s.dim, /*first=*/true);
    // The patches (T, CP) are an im2col copy of the image, read again by the weight gradient.
    cost.kinds["dense"].scratch_bytes += T * CP * kFloatBytes;
    add("elementwise", kAddFwd * ND, kAddBwd * ND, 0);  // + position table, in place
    params += std::int64_t(s.dim) * CP + s.dim + std::int64_t(s.tokens()) * s.dim;
  } else {
    cost.input_bytes_per_sample = T;  // one byte per token
    add("embedding", kEmbedFwd * ND, kEmbedBwd * ND, ND);
    params += (std::int64_t(s.vocab) + s.tokens()) * s.dim;
  }

  // Blocks: x += proj(attn(ln1(x))); x += fc2(gelu(fc1(ln2(x)))).
  const double scores = double(s.heads) * T * T;  // attention probabilities per sample
  const double att_f = 2.0 * double(kernels::attention_macs(s.tokens(), s.dim));
  for (int l = 0; l < s.depth; l++) {
    add("norm", kNormFwd * ND, kNormBwd * ND, ND + 2 * T);  // output, mean, rstd
    dense(T, s.dim, 3 * s.dim, false);
    // q k^T and att v; backward: dq, dk from the score gradient, dv and the score gradient.
    add("attention", att_f, 2 * att_f, ND);
    cost.kinds["softmax"].fwd_flops += kSoftmaxFwd * scores;  // inside the attention kernel
    cost.kinds["softmax"].bwd_flops += kSoftmaxBwd * scores;
    cost.kinds["softmax"].act_bytes += scores * kFloatBytes;
    dense(T, s.dim, s.dim, false);
    add("elementwise", kAddFwd * ND, kAddBwd * ND, 0);  // residual, in place
    add("norm", kNormFwd * ND, kNormBwd * ND, ND + 2 * T);
    dense(T, s.dim, s.hidden, false);
    add("transcendental", kGeluFwd * T * Hd, kGeluBwd * T * Hd, T * Hd);
    dense(T, s.hidden, s.dim, false);
    add("elementwise", kAddFwd * ND, kAddBwd * ND, 0);
    params += 4LL * s.dim * s.dim + 3LL * s.dim + s.dim + 2LL * s.dim * s.hidden + s.hidden +
              s.dim + 4LL * s.dim;  // qkv, out proj, fc1, fc2 weights and biases; 2 norms
  }

  // Final norm, head and loss.
  add("norm", kNormFwd * ND, kNormBwd * ND, ND + 2 * T);
  params += 2LL * s.dim;
  double logits = V;
  if (!s.lm) {
    add("pooling", ND, ND, D);  // mean over tokens
    dense(1, s.dim, s.classes, false);
  } else {
    dense(T, s.dim, s.vocab, false);
    logits = T * V;  // every position predicts its next byte
  }
  params += std::int64_t(s.outputs()) * s.dim + s.outputs();
  add("loss", kLossFwd * logits, kLossBwd * logits, logits);

  cost.params = params;
  cost.weight_bytes = double(params) * kFloatBytes;
  cost.grad_bytes = cost.weight_bytes;
  cost.optimizer_state_bytes =
      double(kernels::optim_state_floats(optimizer, std::size_t(params))) * kFloatBytes;
  return cost;
}

CostBreakdown lm_cost(const TransformerShape& s, kernels::Optimizer optimizer, int B, int prompt,
                      int gen, bool kv_cache) {
  CostBreakdown cost = transformer_cost(s, optimizer);
  // Per-token forward FLOPs of every kind but attention, softmax and loss, from the window's
  // breakdown (those kinds cost the same at every position).
  std::map<std::string, double> per_token;
  for (const auto& [kind, k] : cost.kinds)
    if (kind != "attention" && kind != "softmax" && kind != "loss")
      per_token[kind] = k.fwd_flops / s.tokens();
  // A forward of `n` new tokens of B sequences whose queries see `keys` keys each (the full
  // T x T products of a forward over `keys` tokens when n == keys).
  auto forward = [&](double n, double keys) {
    for (const auto& [kind, f] : per_token) cost.infer_pass_flops[kind] += B * n * f;
    cost.infer_pass_flops["attention"] += B * s.depth * 2.0 * 2.0 * n * keys * s.dim;
    cost.infer_pass_flops["softmax"] += B * s.depth * kSoftmaxFwd * s.heads * n * keys;
    cost.infer_pass_forwards += 1;
  };
  forward(prompt, prompt);  // prefill
  for (int i = 1; i < gen; i++) {
    const double L = prompt + i;
    kv_cache ? forward(1, L) : forward(L, L);
  }
  return cost;
}

}  // namespace greenbench::models
