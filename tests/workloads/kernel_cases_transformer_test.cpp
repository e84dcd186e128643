// The transformer kernels as KernelCases (kernel_case.hpp): layer norm, multi-head attention
// (bidirectional and causal), token embedding, position add, token mean; each through
// check_kernel_case() (fast vs naive, accumulate mode, finite differences). Plus the checks a
// KernelCase cannot express: patchify against hand-indexed pixels, and the KV-cache attention
// step against the last row of a causal forward.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <random>

#include "kernel_case.hpp"
#include "kernels/attention.hpp"
#include "kernels/embedding.hpp"
#include "kernels/layernorm.hpp"

namespace greenbench::kernels::testing {
namespace {

std::string dims(std::initializer_list<std::pair<const char*, int>> d) {
  std::string s;
  for (const auto& [k, v] : d) s += k + std::to_string(v);
  return s;
}

class LayerNormCase : public KernelCase {
 public:
  LayerNormCase(int N, int C) : N_(N), C_(C), mean_(N), rstd_(N), scratch_(C) {
    in = {{"x", std::vector<float>(N * C)},
          {"w", std::vector<float>(C)},
          {"b", std::vector<float>(C)}};
    out_size = N * C;
  }
  std::string name() const override { return "layernorm_" + dims({{"N", N_}, {"C", C_}}); }
  double flops() const override { return layernorm_flops(N_, C_); }
  double fd_eps() const override { return 1e-3; }  // rstd is steep for few, close values
  void forward(bool naive, float* out) override {
    (naive ? layernorm_forward_naive : layernorm_forward)(out, mean_.data(), rstd_.data(),
                                                          in[0].data.data(), in[1].data.data(),
                                                          in[2].data.data(), N_, C_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    if (naive)
      layernorm_backward_naive(din[0], din[1], din[2], dout, in[0].data.data(), in[1].data.data(),
                               mean_.data(), rstd_.data(), N_, C_, mode);
    else
      layernorm_backward(din[0], din[1], din[2], scratch_.data(), dout, in[0].data.data(),
                         in[1].data.data(), mean_.data(), rstd_.data(), N_, C_, mode);
  }

 private:
  int N_, C_;
  std::vector<float> mean_, rstd_, scratch_;
};

class AttentionCase : public KernelCase {
 public:
  AttentionCase(int B, int T, int C, int NH, bool causal)
      : B_(B), T_(T), C_(C), NH_(NH), causal_(causal), att_(B * NH * T * T), scratch_(T * T) {
    in = {{"qkv", std::vector<float>(B * T * 3 * C)}};
    out_size = B * T * C;
  }
  std::string name() const override {
    return std::string("attention_") + (causal_ ? "causal_" : "") +
           dims({{"B", B_}, {"T", T_}, {"C", C_}, {"NH", NH_}});
  }
  double flops() const override { return attention_flops(B_, T_, C_, NH_); }
  void init(std::mt19937& rng) override {
    std::uniform_real_distribution<float> u(-1.5f, 1.5f);  // peaked enough to test the softmax
    for (float& v : in[0].data) v = u(rng);
  }
  void forward(bool naive, float* out) override {
    (naive ? attention_forward_naive : attention_forward)(out, att_.data(), in[0].data.data(), B_,
                                                          T_, C_, NH_, causal_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    if (naive)
      attention_backward_naive(din[0], dout, in[0].data.data(), att_.data(), B_, T_, C_, NH_, mode);
    else
      attention_backward(din[0], scratch_.data(), dout, in[0].data.data(), att_.data(), B_, T_, C_,
                         NH_, mode);
  }

 private:
  int B_, T_, C_, NH_;
  bool causal_;
  std::vector<float> att_, scratch_;
};

class TokenEmbeddingCase : public KernelCase {
 public:
  TokenEmbeddingCase(int B, int T, int C, int V, int pos0)
      : B_(B), T_(T), C_(C), V_(V), pos0_(pos0), tokens_(B * T) {
    in = {{"wte", std::vector<float>(V * C)}, {"wpe", std::vector<float>((pos0 + T + 2) * C)}};
    out_size = B * T * C;
  }
  std::string name() const override {
    return "token_embedding_" + dims({{"B", B_}, {"T", T_}, {"C", C_}, {"V", V_}, {"pos", pos0_}});
  }
  double flops() const override { return double(B_) * T_ * C_; }
  void init(std::mt19937& rng) override {
    KernelCase::init(rng);
    for (auto& t : tokens_) t = std::uint8_t(rng() % V_);  // repeats likely: scatter-add matters
  }
  void forward(bool naive, float* out) override {
    (naive ? token_embedding_forward_naive : token_embedding_forward)(
        out, tokens_.data(), in[0].data.data(), in[1].data.data(), B_, T_, C_, pos0_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    // Rows of wpe outside [pos0, pos0 + T) get no gradient: set them as the fd check sees them.
    if (mode == Grad::overwrite)
      for (std::size_t i = 0; i < in[1].data.size(); i++) din[1][i] = 0.0f;
    (naive ? token_embedding_backward_naive : token_embedding_backward)(
        din[0], din[1], dout, tokens_.data(), B_, T_, C_, V_, pos0_, mode);
  }

 private:
  int B_, T_, C_, V_, pos0_;
  std::vector<std::uint8_t> tokens_;
};

class PositionAddCase : public KernelCase {
 public:
  PositionAddCase(int B, int T, int C) : B_(B), T_(T), C_(C) {
    in = {{"x", std::vector<float>(B * T * C)}, {"pos", std::vector<float>(T * C)}};
    out_size = B * T * C;
  }
  std::string name() const override {
    return "position_add_" + dims({{"B", B_}, {"T", T_}, {"C", C_}});
  }
  double flops() const override { return double(B_) * T_ * C_; }
  void forward(bool naive, float* out) override {
    (naive ? position_add_forward_naive : position_add_forward)(out, in[0].data.data(),
                                                                in[1].data.data(), B_, T_, C_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    (naive ? position_add_backward_naive : position_add_backward)(din[0], din[1], dout, B_, T_, C_,
                                                                  mode);
  }

 private:
  int B_, T_, C_;
};

class TokenMeanCase : public KernelCase {
 public:
  TokenMeanCase(int B, int T, int C) : B_(B), T_(T), C_(C) {
    in = {{"x", std::vector<float>(B * T * C)}};
    out_size = B * C;
  }
  std::string name() const override {
    return "token_mean_" + dims({{"B", B_}, {"T", T_}, {"C", C_}});
  }
  double flops() const override { return double(B_) * T_ * C_; }
  void forward(bool naive, float* out) override {
    (naive ? token_mean_forward_naive : token_mean_forward)(out, in[0].data.data(), B_, T_, C_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    (naive ? token_mean_backward_naive : token_mean_backward)(din[0], dout, B_, T_, C_, mode);
  }

 private:
  int B_, T_, C_;
};

std::vector<KernelCaseFactory> transformer_cases() {
  return {
      make<LayerNormCase>(1, 1),  // one feature: output is the bias, gradients 0 through x
      make<LayerNormCase>(3, 7),
      make<LayerNormCase>(5, 40),
      make<AttentionCase>(1, 1, 4, 1, false),
      make<AttentionCase>(2, 5, 6, 2, false),
      make<AttentionCase>(2, 7, 12, 3, true),
      make<AttentionCase>(1, 37, 8, 2, true),    // loop path (T <= 48)
      make<AttentionCase>(3, 4, 8, 4, false),    // head size 2
      make<AttentionCase>(2, 16, 32, 2, false),  // loop path unrolled for head size 16
      make<AttentionCase>(2, 20, 32, 2, false),  // ... two query blocks of 16 lanes, 12 padded
      make<AttentionCase>(1, 33, 16, 1, true),   // ... causal over three blocks
      make<AttentionCase>(2, 9, 32, 4, true),    // ... 8
      make<AttentionCase>(1, 5, 64, 2, true),    // ... 32
      make<AttentionCase>(1, 3, 64, 1, false),   // ... 64
      make<AttentionCase>(2, 49, 8, 2, false),   // sgemm path (T > 48)
      make<AttentionCase>(1, 70, 6, 3, true),    // sgemm path, causal over three 32-row blocks
      make<TokenEmbeddingCase>(2, 5, 3, 4, 0),
      make<TokenEmbeddingCase>(3, 4, 6, 11, 3),
      make<PositionAddCase>(1, 1, 1),
      make<PositionAddCase>(3, 5, 4),
      make<TokenMeanCase>(1, 1, 3),
      make<TokenMeanCase>(3, 7, 5),
  };
}

INSTANTIATE_TEST_SUITE_P(TransformerKernels, KernelCaseTest,
                         ::testing::ValuesIn(transformer_cases()), kernel_case_test_name);

TEST(Patchify, GathersEachPatchInConvWeightOrder) {
  const int B = 2, IC = 3, H = 7, W = 9, P = 3;  // 2 x 3 patches; the last row is dropped
  std::vector<float> img(B * IC * H * W);
  for (std::size_t i = 0; i < img.size(); i++) img[i] = float(i);
  const int NP = (H / P) * (W / P), CP = IC * P * P;
  std::vector<float> fast(B * NP * CP, -1.0f), naive(B * NP * CP, -2.0f);
  patchify_forward(fast.data(), img.data(), B, IC, H, W, P);
  patchify_forward_naive(naive.data(), img.data(), B, IC, H, W, P);
  EXPECT_EQ(fast, naive);
  // Hand-indexed: batch 1, patch (row 1, column 2), channel 2, ky 1, kx 0 is pixel
  // (b 1, c 2, y 4, x 6).
  const int n = 1 * 3 + 2, k = 2 * 9 + 1 * 3 + 0;
  EXPECT_EQ(fast[(1 * NP + n) * CP + k], img[((1 * IC + 2) * H + 4) * W + 6]);
}

TEST(AttentionDecode, EqualsTheLastRowOfCausalAttention) {
  for (int L : {1, 2, 9, 40}) {
    const int B = 2, C = 12, NH = 3, Tmax = 48;
    std::mt19937 rng(L);
    std::uniform_real_distribution<float> u(-1.5f, 1.5f);
    std::vector<float> qkv(B * L * 3 * C);
    for (float& v : qkv) v = u(rng);
    std::vector<float> full(B * L * C), att(B * NH * L * L);
    attention_forward_naive(full.data(), att.data(), qkv.data(), B, L, C, NH, true);
    // The cache holds k and v of all L positions; the query is position L-1's q.
    std::vector<float> kc(B * Tmax * C, 99.0f), vc(B * Tmax * C, 99.0f), q(B * 3 * C);
    for (int b = 0; b < B; b++) {
      for (int t = 0; t < L; t++)
        for (int c = 0; c < C; c++) {
          kc[(b * Tmax + t) * C + c] = qkv[(b * L + t) * 3 * C + C + c];
          vc[(b * Tmax + t) * C + c] = qkv[(b * L + t) * 3 * C + 2 * C + c];
        }
      for (int c = 0; c < 3 * C; c++) q[b * 3 * C + c] = qkv[(b * L + L - 1) * 3 * C + c];
    }
    std::vector<float> out(B * C), scratch(L);
    attention_decode(out.data(), q.data(), 3 * C, kc.data(), vc.data(), B, L, Tmax, C, NH,
                     scratch.data());
    for (int b = 0; b < B; b++)
      for (int c = 0; c < C; c++)
        EXPECT_NEAR(out[b * C + c], full[(b * L + L - 1) * C + c], 1e-5) << "L " << L;
  }
}

}  // namespace
}  // namespace greenbench::kernels::testing
