// The transformer shared by `vit` and `lm`: pre-norm encoder blocks (x += proj(attn(ln1(x)));
// x += fc2(gelu(fc1(ln2(x))))), each laid out as PyTorch's nn.TransformerEncoderLayer
// (norm_first, GELU, no dropout), over one arena: params, grads, optimizer state, activations
// for Bmax sequences of up to Tmax tokens, and the KV cache of generation.
//   vit: image -> patches -> dense + position table -> blocks -> layer norm -> token mean ->
//        dense head (classes); bidirectional attention.
//   lm:  bytes -> token + position embedding -> blocks -> layer norm -> dense head (256) per
//        position; causal attention.
// Chains kernels/ ops only. Not the training loops or data (vit.cpp, lm.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/arena.hpp"
#include "kernels/optim.hpp"
#include "kernels/softmax_cross_entropy.hpp"
#include "models/net.hpp"  // ParamTensor

namespace greenbench::models {

struct TransformerShape {
  bool lm = false;                                   // false: vit
  int dim = 64, depth = 2, heads = 4, hidden = 128;  // hidden: the MLP width (dim * mlp_ratio)
  // vit: images (IC, H, W) cut into P x P patches; classes outputs.
  int IC = 1, H = 28, W = 28, patch = 7, classes = 10;
  // lm: context (the longest sequence), vocabulary 256.
  int context = 128, vocab = 256;

  int tokens() const { return lm ? context : (H / patch) * (W / patch); }  // Tmax
  int outputs() const { return lm ? vocab : classes; }
};

class Transformer {
 public:
  // Sizes the arena for Bmax sequences (and a KV cache for Bgen sequences; lm only) and
  // initialises the parameters from `seed` (see transformer.cpp for the scheme).
  Transformer(const TransformerShape& shape, int Bmax, int Bgen, kernels::Optimizer optimizer,
              std::uint64_t seed);

  const TransformerShape& shape() const { return s_; }
  std::int64_t params() const { return n_params_; }
  // Dense and attention-product MACs of one sample: an image (vit), or one token of a
  // full-context sequence (lm). Layer norms, GELU, softmax and lookups are not counted.
  std::int64_t macs_per_sample() const;
  std::int64_t memory_bytes() const { return std::int64_t(arena_->capacity_bytes()); }
  const std::vector<ParamTensor>& param_tensors() const { return tensors_; }
  float* param_data() { return params_; }
  float* grad_data() { return grads_; }

  float* images() { return images_; }              // vit: (Bmax, IC, H, W)
  std::uint8_t* tokens() { return tokens_; }       // lm: (Bmax, Tmax)
  int* targets() { return targets_; }              // vit: (Bmax); lm: (Bmax, T) next bytes
  const float* logits() const { return logits_; }  // vit: (B, classes); lm: (B, T, 256)

  // Forward of B sequences (lm: of T <= Tmax tokens each, rows of tokens() with stride T;
  // vit: T is the patch count) and the mean cross-entropy against targets() (per sample for
  // vit, per token for lm). targets may be skipped (with_loss false) for generation.
  kernels::CrossEntropyResult forward(int B, int T, bool with_loss = true);
  // Gradients of the last forward's mean loss into grad_data(). REQUIRES: forward with loss.
  void backward(int B, int T);
  void update(const kernels::OptimConfig& config, int step);

  // lm generation with the KV cache (B <= Bgen): prefill runs forward(B, T) over tokens()
  // and stores every layer's keys and values; step feeds one token per sequence at position
  // `pos` (= tokens already cached) and returns logits (B, 256). REQUIRES: pos < Tmax.
  void cache_prefill(int B, int T);
  const float* cache_step(int B, int pos, const std::uint8_t* token);

  // FLOPs of a train / infer step on B sequences (2 * MACs forward; backward twice that).
  double infer_flops(int B) const;
  double train_flops(int B) const { return 3.0 * infer_flops(B); }

 private:
  struct Layer {
    // Parameter offsets, nn.TransformerEncoderLayer order.
    std::int64_t w_qkv, b_qkv, w_o, b_o, w_fc1, b_fc1, w_fc2, b_fc2, ln1_w, ln1_b, ln2_w, ln2_b;
    // Activations, rows N = Bmax * Tmax.
    float *x_in, *ln1, *ln1_mean, *ln1_rstd, *qkv, *att, *atty, *x_mid;
    float *ln2, *ln2_mean, *ln2_rstd, *fc1, *act;
    float *kcache, *vcache;  // lm: (Bgen, Tmax, D)
  };

  std::int64_t add_tensor(const std::string& name, std::int64_t count, int fan_in);
  void init(std::uint64_t seed);
  void block_forward(const Layer& L, float* x_out, int B, int T);
  float* P(std::int64_t off) { return params_ + off; }
  float* G(std::int64_t off) { return grads_ + off; }

  TransformerShape s_;
  int Bmax_, Bgen_, Tmax_;
  kernels::Optimizer optimizer_;
  std::unique_ptr<kernels::Arena> arena_;
  std::int64_t n_params_ = 0;
  std::vector<ParamTensor> tensors_;
  std::vector<Layer> layers_;
  // Embedding and head parameter offsets.
  std::int64_t w_patch_ = -1, b_patch_ = -1, pos_ = -1, wte_ = -1, wpe_ = -1;
  std::int64_t lnf_w_ = -1, lnf_b_ = -1, w_head_ = -1, b_head_ = -1;
  float *params_ = nullptr, *grads_ = nullptr, *state_ = nullptr;
  float* images_ = nullptr;         // (Bmax, IC, H, W)
  float* patches_ = nullptr;        // (Bmax, Tmax, IC*P*P)
  std::uint8_t* tokens_ = nullptr;  // (Bmax, Tmax)
  int* targets_ = nullptr;          // (Bmax * Tmax)
  float* x_final_ = nullptr;        // (N, D): the last block's output
  float *lnf_ = nullptr, *lnf_mean_ = nullptr, *lnf_rstd_ = nullptr;  // (N, D), (N), (N)
  float* pooled_ = nullptr;                                           // vit: (Bmax, D)
  float* logits_ = nullptr;                                           // (Bmax, classes) or (N, 256)
  float* probs_ = nullptr;                                            // same shape
  // Backward scratch.
  float *dx_ = nullptr, *dln_ = nullptr, *datty_ = nullptr, *dqkv_ = nullptr;  // (N, D|D|D|3D)
  float *dact_ = nullptr, *dfc1_ = nullptr;                                    // (N, hidden)
  float *dlogits_ = nullptr, *dpooled_ = nullptr, *att_scratch_ = nullptr;
  float* ln_scratch_ = nullptr;  // (D)
  int last_B_ = 0, last_T_ = 0;
};

}  // namespace greenbench::models
