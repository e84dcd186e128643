// The transformer of `vit` and `lm`: arena layout, PyTorch-style initialisation, forward,
// backward, optimizer step and KV-cache generation. See transformer.hpp.
//
// Initialisation (from `seed`, the same on every platform): dense weights and biases
// U(+-1/sqrt(fan_in)) (nn.Linear, and nn.Conv2d for the patch embedding); in_proj_weight
// xavier-uniform, in_proj_bias and out_proj.bias 0 (nn.MultiheadAttention); layer norms 1, 0;
// position tables and the byte embedding N(0, 0.02) (GPT-2, timm ViT).
#include "models/transformer.hpp"

#include <cmath>
#include <cstring>
#include <random>

#include "kernels/activation.hpp"
#include "kernels/attention.hpp"
#include "kernels/dense.hpp"
#include "kernels/embedding.hpp"
#include "kernels/layernorm.hpp"
#include "kernels/residual.hpp"

namespace greenbench::models {

namespace k = greenbench::kernels;

Transformer::Transformer(const TransformerShape& shape, int Bmax, int Bgen,
                         kernels::Optimizer optimizer, std::uint64_t seed)
    : s_(shape),
      Bmax_(Bmax),
      Bgen_(shape.lm ? Bgen : 0),
      Tmax_(shape.tokens()),
      optimizer_(optimizer) {
  const int D = s_.dim, Hd = s_.hidden, V = s_.outputs();
  const int CP = s_.IC * s_.patch * s_.patch;
  // Parameters, in the order of the PyTorch models (tests/workloads/golden/).
  if (!s_.lm) {
    w_patch_ = add_tensor("patch_embed.weight", std::int64_t(D) * CP, CP);
    b_patch_ = add_tensor("patch_embed.bias", D, CP);
    pos_ = add_tensor("pos_embed", std::int64_t(Tmax_) * D, 0);
  } else {
    wte_ = add_tensor("wte.weight", std::int64_t(s_.vocab) * D, 0);
    wpe_ = add_tensor("wpe.weight", std::int64_t(Tmax_) * D, 0);
  }
  layers_.resize(static_cast<std::size_t>(s_.depth));
  for (int l = 0; l < s_.depth; l++) {
    Layer& L = layers_[static_cast<std::size_t>(l)];
    const std::string p = "blocks." + std::to_string(l) + ".";
    L.w_qkv = add_tensor(p + "self_attn.in_proj_weight", 3LL * D * D, D);
    L.b_qkv = add_tensor(p + "self_attn.in_proj_bias", 3LL * D, D);
    L.w_o = add_tensor(p + "self_attn.out_proj.weight", std::int64_t(D) * D, D);
    L.b_o = add_tensor(p + "self_attn.out_proj.bias", D, D);
    L.w_fc1 = add_tensor(p + "linear1.weight", std::int64_t(Hd) * D, D);
    L.b_fc1 = add_tensor(p + "linear1.bias", Hd, D);
    L.w_fc2 = add_tensor(p + "linear2.weight", std::int64_t(D) * Hd, Hd);
    L.b_fc2 = add_tensor(p + "linear2.bias", D, Hd);
    L.ln1_w = add_tensor(p + "norm1.weight", D, 0);
    L.ln1_b = add_tensor(p + "norm1.bias", D, 0);
    L.ln2_w = add_tensor(p + "norm2.weight", D, 0);
    L.ln2_b = add_tensor(p + "norm2.bias", D, 0);
  }
  lnf_w_ = add_tensor("norm.weight", D, 0);
  lnf_b_ = add_tensor("norm.bias", D, 0);
  w_head_ = add_tensor("head.weight", std::int64_t(V) * D, D);
  b_head_ = add_tensor("head.bias", V, D);

  // Two passes over the same list of buffers: size, then carve.
  const std::int64_t N = std::int64_t(Bmax_) * Tmax_;
  const std::int64_t out_rows = s_.lm ? N : Bmax_;
  for (int pass = 0; pass < 2; pass++) {
    const bool a = pass == 1;
    std::size_t bytes = 0;
    auto take = [&](const std::string& name, std::int64_t count) -> float* {
      const auto n = static_cast<std::size_t>(std::max<std::int64_t>(count, 1));
      bytes += k::Arena::padded_bytes(n);
      return a ? arena_->alloc(name, n) : nullptr;
    };
    params_ = take("params", n_params_);
    grads_ = take("grads", n_params_);
    state_ = take("optim_state",
                  std::int64_t(k::optim_state_floats(optimizer_, std::size_t(n_params_))));
    if (!s_.lm) {
      images_ = take("images", std::int64_t(Bmax_) * s_.IC * s_.H * s_.W);
      patches_ = take("patches", N * CP);
      pooled_ = take("pooled", std::int64_t(Bmax_) * D);
      dpooled_ = take("dpooled", std::int64_t(Bmax_) * D);
    } else {
      tokens_ = reinterpret_cast<std::uint8_t*>(take("tokens", (N + 3) / 4));
    }
    targets_ = reinterpret_cast<int*>(take("targets", N));
    for (int l = 0; l < s_.depth; l++) {
      Layer& L = layers_[static_cast<std::size_t>(l)];
      const std::string p = "blocks." + std::to_string(l) + ".";
      L.x_in = take(p + "x_in", N * D);
      L.ln1 = take(p + "ln1", N * D);
      L.ln1_mean = take(p + "ln1_mean", N);
      L.ln1_rstd = take(p + "ln1_rstd", N);
      L.qkv = take(p + "qkv", N * 3 * D);
      L.att = take(p + "att", N * s_.heads * Tmax_);
      L.atty = take(p + "atty", N * D);
      L.x_mid = take(p + "x_mid", N * D);
      L.ln2 = take(p + "ln2", N * D);
      L.ln2_mean = take(p + "ln2_mean", N);
      L.ln2_rstd = take(p + "ln2_rstd", N);
      L.fc1 = take(p + "fc1", N * Hd);
      L.act = take(p + "gelu", N * Hd);
      if (s_.lm) {
        L.kcache = take(p + "kcache", std::int64_t(Bgen_) * Tmax_ * D);
        L.vcache = take(p + "vcache", std::int64_t(Bgen_) * Tmax_ * D);
      }
    }
    x_final_ = take("x_final", N * D);
    lnf_ = take("lnf", N * D);
    lnf_mean_ = take("lnf_mean", N);
    lnf_rstd_ = take("lnf_rstd", N);
    logits_ = take("logits", out_rows * V);
    probs_ = take("probs", out_rows * V);
    dlogits_ = take("dlogits", out_rows * V);
    dx_ = take("dx", N * D);
    dln_ = take("dln", N * D);
    datty_ = take("datty", N * D);
    dqkv_ = take("dqkv", N * 3 * D);
    dact_ = take("dgelu", N * Hd);
    dfc1_ = take("dfc1", N * Hd);
    att_scratch_ = take("att_scratch", std::int64_t(Tmax_) * Tmax_);
    ln_scratch_ = take("ln_scratch", D);
    if (!a) arena_ = std::make_unique<k::Arena>(bytes);
  }
  init(seed);
}

std::int64_t Transformer::add_tensor(const std::string& name, std::int64_t count, int fan_in) {
  tensors_.push_back({name, n_params_, count, fan_in});
  n_params_ += count;
  return tensors_.back().offset;
}

void Transformer::init(std::uint64_t seed) {
  std::mt19937_64 g(seed);
  auto u01 = [&g] { return double(g() >> 11) * 0x1.0p-53; };
  auto uniform = [&](float* p, std::int64_t n, double bound) {
    for (std::int64_t i = 0; i < n; i++) p[i] = float((2.0 * u01() - 1.0) * bound);
  };
  auto normal = [&](float* p, std::int64_t n, double std) {  // Box-Muller
    for (std::int64_t i = 0; i < n; i++) {
      const double u1 = 1.0 - u01(), u2 = u01();
      p[i] = float(std * std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2));
    }
  };
  const int D = s_.dim;
  for (const ParamTensor& t : tensors_) {
    float* p = params_ + t.offset;
    const std::string& n = t.name;
    auto ends = [&n](const char* suffix) {
      const std::size_t m = std::strlen(suffix);
      return n.size() >= m && n.compare(n.size() - m, m, suffix) == 0;
    };
    if (ends("in_proj_weight")) {
      uniform(p, t.count, std::sqrt(6.0 / (D + 3.0 * D)));
    } else if (ends("in_proj_bias") || ends("out_proj.bias")) {
      std::fill(p, p + t.count, 0.0f);
    } else if (n.rfind("norm", 0) == 0 || n.find(".norm") != std::string::npos) {
      std::fill(p, p + t.count, ends("weight") ? 1.0f : 0.0f);
    } else if (t.fan_in == 0) {
      normal(p, t.count, 0.02);  // pos_embed, wte, wpe
    } else {
      uniform(p, t.count, 1.0 / std::sqrt(double(t.fan_in)));
    }
  }
}

std::int64_t Transformer::macs_per_sample() const {
  const std::int64_t D = s_.dim, Hd = s_.hidden, T = Tmax_;
  const std::int64_t block_per_token = D * 3 * D + D * D + 2 * D * Hd;
  if (s_.lm) {
    // One token of a full-context forward: its dense layers, its row of q k^T and att v.
    return s_.depth * (block_per_token + k::attention_macs(int(T), int(D)) / T) + D * s_.vocab;
  }
  const std::int64_t CP = std::int64_t(s_.IC) * s_.patch * s_.patch;
  return T * CP * D + s_.depth * (T * block_per_token + k::attention_macs(int(T), int(D))) +
         D * s_.classes;
}

double Transformer::infer_flops(int B) const {
  return 2.0 * double(macs_per_sample()) * B * (s_.lm ? Tmax_ : 1);
}

void Transformer::block_forward(const Layer& L, float* x_out, int B, int T) {
  const int D = s_.dim, Hd = s_.hidden;
  const std::int64_t N = std::int64_t(B) * T;
  k::layernorm_forward(L.ln1, L.ln1_mean, L.ln1_rstd, L.x_in, P(L.ln1_w), P(L.ln1_b), N, D);
  k::dense_forward(L.qkv, L.ln1, P(L.w_qkv), P(L.b_qkv), int(N), D, 3 * D);
  k::attention_forward(L.atty, L.att, L.qkv, B, T, D, s_.heads, s_.lm);
  k::dense_forward(L.x_mid, L.atty, P(L.w_o), P(L.b_o), int(N), D, D);
  k::residual_forward(L.x_mid, L.x_mid, L.x_in, N * D);
  k::layernorm_forward(L.ln2, L.ln2_mean, L.ln2_rstd, L.x_mid, P(L.ln2_w), P(L.ln2_b), N, D);
  k::dense_forward(L.fc1, L.ln2, P(L.w_fc1), P(L.b_fc1), int(N), D, Hd);
  k::gelu_forward(L.act, L.fc1, N * Hd);
  k::dense_forward(x_out, L.act, P(L.w_fc2), P(L.b_fc2), int(N), Hd, D);
  k::residual_forward(x_out, x_out, L.x_mid, N * D);
}

kernels::CrossEntropyResult Transformer::forward(int B, int T, bool with_loss) {
  const int D = s_.dim;
  const std::int64_t N = std::int64_t(B) * T;
  float* x0 = s_.depth > 0 ? layers_[0].x_in : x_final_;
  if (!s_.lm) {
    const int CP = s_.IC * s_.patch * s_.patch;
    k::patchify_forward(patches_, images_, B, s_.IC, s_.H, s_.W, s_.patch);
    k::dense_forward(x0, patches_, P(w_patch_), P(b_patch_), int(N), CP, D);
    k::position_add_forward(x0, x0, P(pos_), B, T, D);
  } else {
    k::token_embedding_forward(x0, tokens_, P(wte_), P(wpe_), B, T, D, 0);
  }
  for (int l = 0; l < s_.depth; l++) {
    float* x_out = l + 1 < s_.depth ? layers_[std::size_t(l) + 1].x_in : x_final_;
    block_forward(layers_[std::size_t(l)], x_out, B, T);
  }
  k::layernorm_forward(lnf_, lnf_mean_, lnf_rstd_, x_final_, P(lnf_w_), P(lnf_b_), N, D);
  int rows = B;
  if (!s_.lm) {
    k::token_mean_forward(pooled_, lnf_, B, T, D);
    k::dense_forward(logits_, pooled_, P(w_head_), P(b_head_), B, D, s_.classes);
  } else {
    rows = int(N);
    k::dense_forward(logits_, lnf_, P(w_head_), P(b_head_), rows, D, s_.vocab);
  }
  last_B_ = B;
  last_T_ = T;
  if (!with_loss) return {0.0f, 0};
  return k::softmax_cross_entropy_forward(probs_, logits_, targets_, rows, s_.outputs());
}

void Transformer::backward(int B, int T) {
  const int D = s_.dim, Hd = s_.hidden;
  const std::int64_t N = std::int64_t(B) * T;
  const k::Grad ow = k::Grad::overwrite, acc = k::Grad::accumulate;
  std::memset(grads_, 0, sizeof(float) * std::size_t(n_params_));
  if (!s_.lm) {
    k::softmax_cross_entropy_backward(dlogits_, probs_, targets_, B, s_.classes, 1.0f, ow);
    k::dense_backward(dpooled_, G(w_head_), G(b_head_), dlogits_, pooled_, P(w_head_), B, D,
                      s_.classes, ow);
    k::token_mean_backward(dln_, dpooled_, B, T, D, ow);
  } else {
    k::softmax_cross_entropy_backward(dlogits_, probs_, targets_, int(N), s_.vocab, 1.0f, ow);
    k::dense_backward(dln_, G(w_head_), G(b_head_), dlogits_, lnf_, P(w_head_), int(N), D, s_.vocab,
                      ow);
  }
  k::layernorm_backward(dx_, G(lnf_w_), G(lnf_b_), ln_scratch_, dln_, x_final_, P(lnf_w_),
                        lnf_mean_, lnf_rstd_, N, D, ow);
  // dx_ holds the gradient of the residual stream; each block adds its branches into it.
  for (int l = s_.depth - 1; l >= 0; l--) {
    const Layer& L = layers_[std::size_t(l)];
    k::dense_backward(dact_, G(L.w_fc2), G(L.b_fc2), dx_, L.act, P(L.w_fc2), int(N), Hd, D, ow);
    k::gelu_backward(dfc1_, dact_, L.fc1, N * Hd, ow);
    k::dense_backward(dln_, G(L.w_fc1), G(L.b_fc1), dfc1_, L.ln2, P(L.w_fc1), int(N), D, Hd, ow);
    k::layernorm_backward(dx_, G(L.ln2_w), G(L.ln2_b), ln_scratch_, dln_, L.x_mid, P(L.ln2_w),
                          L.ln2_mean, L.ln2_rstd, N, D, acc);
    k::dense_backward(datty_, G(L.w_o), G(L.b_o), dx_, L.atty, P(L.w_o), int(N), D, D, ow);
    k::attention_backward(dqkv_, att_scratch_, datty_, L.qkv, L.att, B, T, D, s_.heads, ow);
    k::dense_backward(dln_, G(L.w_qkv), G(L.b_qkv), dqkv_, L.ln1, P(L.w_qkv), int(N), D, 3 * D, ow);
    k::layernorm_backward(dx_, G(L.ln1_w), G(L.ln1_b), ln_scratch_, dln_, L.x_in, P(L.ln1_w),
                          L.ln1_mean, L.ln1_rstd, N, D, acc);
  }
  if (!s_.lm) {
    const int CP = s_.IC * s_.patch * s_.patch;
    k::position_add_backward(nullptr, G(pos_), dx_, B, T, D, ow);
    k::dense_backward(nullptr, G(w_patch_), G(b_patch_), dx_, patches_, P(w_patch_), int(N), CP, D,
                      ow);
  } else {
    k::token_embedding_backward(G(wte_), G(wpe_), dx_, tokens_, B, T, D, s_.vocab, 0, ow);
  }
}

void Transformer::update(const kernels::OptimConfig& config, int step) {
  k::optim_step(config, params_, grads_, state_, n_params_, step);
}

void Transformer::cache_prefill(int B, int T) {
  forward(B, T, false);
  const int D = s_.dim;
  for (const Layer& L : layers_)
    for (int b = 0; b < B; b++)
      for (int t = 0; t < T; t++) {
        const float* row = L.qkv + (std::int64_t(b) * T + t) * 3 * D;
        std::memcpy(L.kcache + (std::int64_t(b) * Tmax_ + t) * D, row + D, sizeof(float) * D);
        std::memcpy(L.vcache + (std::int64_t(b) * Tmax_ + t) * D, row + 2 * D, sizeof(float) * D);
      }
}

const float* Transformer::cache_step(int B, int pos, const std::uint8_t* token) {
  const int D = s_.dim, Hd = s_.hidden;
  float* x0 = s_.depth > 0 ? layers_[0].x_in : x_final_;
  k::token_embedding_forward(x0, token, P(wte_), P(wpe_), B, 1, D, pos);
  for (int l = 0; l < s_.depth; l++) {
    const Layer& L = layers_[std::size_t(l)];
    float* x_out = l + 1 < s_.depth ? layers_[std::size_t(l) + 1].x_in : x_final_;
    k::layernorm_forward(L.ln1, nullptr, nullptr, L.x_in, P(L.ln1_w), P(L.ln1_b), B, D);
    k::dense_forward(L.qkv, L.ln1, P(L.w_qkv), P(L.b_qkv), B, D, 3 * D);
    for (int b = 0; b < B; b++) {
      const float* row = L.qkv + std::int64_t(b) * 3 * D;
      std::memcpy(L.kcache + (std::int64_t(b) * Tmax_ + pos) * D, row + D, sizeof(float) * D);
      std::memcpy(L.vcache + (std::int64_t(b) * Tmax_ + pos) * D, row + 2 * D, sizeof(float) * D);
    }
    k::attention_decode(L.atty, L.qkv, 3 * D, L.kcache, L.vcache, B, pos + 1, Tmax_, D, s_.heads,
                        att_scratch_);
    k::dense_forward(L.x_mid, L.atty, P(L.w_o), P(L.b_o), B, D, D);
    k::residual_forward(L.x_mid, L.x_mid, L.x_in, std::int64_t(B) * D);
    k::layernorm_forward(L.ln2, nullptr, nullptr, L.x_mid, P(L.ln2_w), P(L.ln2_b), B, D);
    k::dense_forward(L.fc1, L.ln2, P(L.w_fc1), P(L.b_fc1), B, D, Hd);
    k::gelu_forward(L.act, L.fc1, std::int64_t(B) * Hd);
    k::dense_forward(x_out, L.act, P(L.w_fc2), P(L.b_fc2), B, Hd, D);
    k::residual_forward(x_out, x_out, L.x_mid, std::int64_t(B) * D);
  }
  k::layernorm_forward(lnf_, nullptr, nullptr, x_final_, P(lnf_w_), P(lnf_b_), B, D);
  k::dense_forward(logits_, lnf_, P(w_head_), P(b_head_), B, D, s_.vocab);
  return logits_;
}

}  // namespace greenbench::models
