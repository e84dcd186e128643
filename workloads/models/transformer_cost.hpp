// Per-op cost of the vit / lm transformer from its shape alone (FLOPs by op kind, activation
// bytes, parameter and optimizer bytes), for Workload::cost_breakdown and the estimator.
// Counting conventions: docs/estimate.md. Not a timing model, and not Transformer's own
// macs_per_sample (which this agrees with: dense + attention forward = 2 x its MACs per image
// for vit, 2 x its MACs per token x context for lm).
#pragma once

#include "greenbench/workload.hpp"
#include "kernels/optim.hpp"
#include "models/transformer.hpp"

namespace greenbench::models {

// One sample is one image (vit) or one training window of `context` tokens (lm: the unit of
// lm's train_samples / test_samples and of its `samples` column). Kinds: "dense" (patch
// embedding, qkv, out projection, fc1, fc2, head), "attention" (q k^T and att v), "softmax"
// (the attention probabilities), "norm" (layer norms), "transcendental" (GELU),
// "elementwise" (residual adds, vit's position add), "embedding" (lm's byte + position
// lookup), "pooling" (vit's token mean), "loss".
CostBreakdown transformer_cost(const TransformerShape& shape, kernels::Optimizer optimizer);

// lm: transformer_cost of one training window, plus in `infer_pass_*` the generation of one
// inference pass (lm.cpp, generate): B sequences, a prefill forward over `prompt` tokens, then
// gen - 1 decode steps at lengths L = prompt + 1 .. prompt + gen - 1: with the KV cache one new
// token attending to L keys, without it a forward over all L tokens (no loss: argmax of logits).
CostBreakdown lm_cost(const TransformerShape& shape, kernels::Optimizer optimizer, int B,
                      int prompt, int gen, bool kv_cache);

}  // namespace greenbench::models
