// Every kernel registered as a KernelCase on awkward shapes (odd sizes, batch 1, C = 1 and 3,
// K = 1, 3, 5, stride 2, padding 0/1/2), each run through check_kernel_case(). A new op adds a
// case class and its shapes here, nothing else. Op-specific behaviour: kernels_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <numeric>
#include <ostream>

#include "kernel_case.hpp"
#include "kernels/activation.hpp"
#include "kernels/batchnorm.hpp"
#include "kernels/conv2d.hpp"
#include "kernels/dense.hpp"
#include "kernels/depthwise_conv2d.hpp"
#include "kernels/global_avg_pool.hpp"
#include "kernels/pool.hpp"
#include "kernels/residual.hpp"
#include "kernels/softmax_cross_entropy.hpp"

namespace greenbench::kernels::testing {
namespace {

std::string shape_name(const char* op, const Shape2d& s) {
  return std::string(op) + "_B" + std::to_string(s.B) + "C" + std::to_string(s.C) + "H" +
         std::to_string(s.H) + "W" + std::to_string(s.W) + "K" + std::to_string(s.K) + "s" +
         std::to_string(s.stride) + "p" + std::to_string(s.pad);
}

// Distinct values spaced 0.05 apart (> 2 * fd_eps), so max-pool arg-maxes stay put under
// finite differences.
void fill_distinct(std::vector<float>& v, std::mt19937& rng) {
  std::iota(v.begin(), v.end(), 0.0f);
  std::shuffle(v.begin(), v.end(), rng);
  for (float& x : v) x = 0.05f * (x - v.size() / 2.0f);
}

class DenseCase : public KernelCase {
 public:
  DenseCase(int B, int C, int OC, bool bias, int workers = 1)
      : B_(B), C_(C), OC_(OC), workers_(workers), bias_(bias) {
    in = {{"x", std::vector<float>(B * C)},
          {"w", std::vector<float>(OC * C)},
          {"b", std::vector<float>(OC), bias}};
    out_size = B * OC;
  }
  std::string name() const override {
    return "dense_B" + std::to_string(B_) + "C" + std::to_string(C_) + "OC" + std::to_string(OC_) +
           (bias_ ? "" : "_nobias") + (workers_ > 1 ? "_workers" + std::to_string(workers_) : "");
  }
  double flops() const override { return dense_flops(B_, C_, OC_); }
  void forward(bool naive, float* out) override {
    const float* b = bias_ ? in[2].data.data() : nullptr;
    if (naive)
      dense_forward_naive(out, in[0].data.data(), in[1].data.data(), b, B_, C_, OC_);
    else
      dense_forward(out, in[0].data.data(), in[1].data.data(), b, B_, C_, OC_, workers_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    if (naive)
      dense_backward_naive(din[0], din[1], din[2], dout, in[0].data.data(), in[1].data.data(), B_,
                           C_, OC_, mode);
    else
      dense_backward(din[0], din[1], din[2], dout, in[0].data.data(), in[1].data.data(), B_, C_,
                     OC_, mode, workers_);
  }

 private:
  int B_, C_, OC_, workers_;
  bool bias_;
};

class Conv2dCase : public KernelCase {
 public:
  // workers > 1: images split over that many workers (kernels/parallel.hpp), BLAS at one thread.
  Conv2dCase(Shape2d s, int OC, int workers = 1)
      : s_(s),
        OC_(OC),
        workers_(workers),
        slot_(conv2d_worker_floats(s, OC) + 1),
        scratch_(workers == 1 ? conv2d_scratch_floats(s) + 1 : slot_ * std::size_t(workers)) {
    in = {{"x", std::vector<float>(s.B * s.C * s.H * s.W)},
          {"w", std::vector<float>(OC * s.C * s.K * s.K)},
          {"b", std::vector<float>(OC)}};
    out_size = s.B * OC * s.OH() * s.OW();
  }
  std::string name() const override {
    return shape_name("conv2d", s_) + "OC" + std::to_string(OC_) +
           (workers_ > 1 ? "_workers" + std::to_string(workers_) : "");
  }
  double flops() const override { return conv2d_flops(s_, OC_); }
  void forward(bool naive, float* out) override {
    if (naive)
      conv2d_forward_naive(out, in[0].data.data(), in[1].data.data(), in[2].data.data(), s_, OC_);
    else
      conv2d_forward(out, scratch_.data(), in[0].data.data(), in[1].data.data(), in[2].data.data(),
                     s_, OC_, workers_, slot_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    if (naive)
      conv2d_backward_naive(din[0], din[1], din[2], dout, in[0].data.data(), in[1].data.data(), s_,
                            OC_, mode);
    else
      conv2d_backward(din[0], din[1], din[2], scratch_.data(), dout, in[0].data.data(),
                      in[1].data.data(), s_, OC_, mode, workers_, slot_);
  }

 private:
  Shape2d s_;
  int OC_, workers_;
  std::size_t slot_;
  std::vector<float> scratch_;
};

class DepthwiseConv2dCase : public KernelCase {
 public:
  explicit DepthwiseConv2dCase(Shape2d s, int workers = 1)
      : s_(s),
        workers_(workers),
        slot_(depthwise_conv2d_worker_floats(s) + 1),
        scratch_(slot_ * std::size_t(workers)) {
    in = {{"x", std::vector<float>(s.B * s.C * s.H * s.W)},
          {"w", std::vector<float>(s.C * s.K * s.K)},
          {"b", std::vector<float>(s.C)}};
    out_size = s.B * s.C * s.OH() * s.OW();
  }
  std::string name() const override {
    return shape_name("dwconv2d", s_) + (workers_ > 1 ? "_workers" + std::to_string(workers_) : "");
  }
  double flops() const override { return depthwise_conv2d_flops(s_); }
  void forward(bool naive, float* out) override {
    if (naive)
      depthwise_conv2d_forward_naive(out, in[0].data.data(), in[1].data.data(), in[2].data.data(),
                                     s_);
    else
      depthwise_conv2d_forward(out, in[0].data.data(), in[1].data.data(), in[2].data.data(), s_,
                               workers_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    if (naive)
      depthwise_conv2d_backward_naive(din[0], din[1], din[2], dout, in[0].data.data(),
                                      in[1].data.data(), s_, mode);
    else
      depthwise_conv2d_backward(din[0], din[1], din[2], dout, in[0].data.data(), in[1].data.data(),
                                s_, mode, workers_, scratch_.data(), slot_);
  }

 private:
  Shape2d s_;
  int workers_;
  std::size_t slot_;
  std::vector<float> scratch_;
};

class PoolCase : public KernelCase {
 public:
  explicit PoolCase(Shape2d s) : s_(s) {
    in = {{"x", std::vector<float>(s.B * s.C * s.H * s.W)}};
    out_size = s.B * s.C * s.OH() * s.OW();
  }
  std::string name() const override { return shape_name("maxpool", s_); }
  double flops() const override { return pool_flops(s_); }
  void init(std::mt19937& rng) override { fill_distinct(in[0].data, rng); }
  void forward(bool naive, float* out) override {
    (naive ? maxpool_forward_naive : maxpool_forward)(out, in[0].data.data(), s_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    (naive ? maxpool_backward_naive : maxpool_backward)(din[0], dout, in[0].data.data(), s_, mode);
  }

 private:
  Shape2d s_;
};

class GlobalAvgPoolCase : public KernelCase {
 public:
  GlobalAvgPoolCase(int B, int C, int H, int W) : B_(B), C_(C), H_(H), W_(W) {
    in = {{"x", std::vector<float>(B * C * H * W)}};
    out_size = B * C;
  }
  std::string name() const override {
    return "gap_B" + std::to_string(B_) + "C" + std::to_string(C_) + "H" + std::to_string(H_) +
           "W" + std::to_string(W_);
  }
  double flops() const override { return global_avg_pool_flops(B_, C_, H_, W_); }
  void forward(bool naive, float* out) override {
    (naive ? global_avg_pool_forward_naive : global_avg_pool_forward)(out, in[0].data.data(), B_,
                                                                      C_, H_, W_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    (naive ? global_avg_pool_backward_naive : global_avg_pool_backward)(din[0], dout, B_, C_, H_,
                                                                        W_, mode);
  }

 private:
  int B_, C_, H_, W_;
};

class BatchnormCase : public KernelCase {
 public:
  BatchnormCase(int B, int C, int H, int W)
      : B_(B), C_(C), H_(H), W_(W), mean_(C), rstd_(C), rmean_(C), rvar_(C, 1.0f) {
    in = {{"x", std::vector<float>(B * C * H * W)},
          {"gamma", std::vector<float>(C)},
          {"beta", std::vector<float>(C)}};
    out_size = B * C * H * W;
  }
  std::string name() const override {
    return "batchnorm_B" + std::to_string(B_) + "C" + std::to_string(C_) + "H" +
           std::to_string(H_) + "W" + std::to_string(W_);
  }
  double flops() const override { return batchnorm_flops(B_, C_, H_, W_); }
  void forward(bool naive, float* out) override {
    (naive ? batchnorm_forward_train_naive : batchnorm_forward_train)(
        out, mean_.data(), rstd_.data(), rmean_.data(), rvar_.data(), in[0].data.data(),
        in[1].data.data(), in[2].data.data(), B_, C_, H_, W_, 0.1f, 1e-5f);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    (naive ? batchnorm_backward_naive : batchnorm_backward)(
        din[0], din[1], din[2], dout, in[0].data.data(), mean_.data(), rstd_.data(),
        in[1].data.data(), B_, C_, H_, W_, mode);
  }

 private:
  int B_, C_, H_, W_;
  std::vector<float> mean_, rstd_, rmean_, rvar_;
};

class ResidualCase : public KernelCase {
 public:
  explicit ResidualCase(int N) : N_(N) {
    in = {{"a", std::vector<float>(N)}, {"b", std::vector<float>(N)}};
    out_size = N;
  }
  std::string name() const override { return "residual_N" + std::to_string(N_); }
  double flops() const override { return residual_flops(N_); }
  void forward(bool naive, float* out) override {
    (naive ? residual_forward_naive : residual_forward)(out, in[0].data.data(), in[1].data.data(),
                                                        N_);
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    (naive ? residual_backward_naive : residual_backward)(din[0], din[1], dout, N_, mode);
  }

 private:
  int N_;
};

// An activation's kernels (activation.hpp), each {fast, naive}; tanh's backward reads the
// forward's output, the others its input.
using ActivationForward = void (*)(float* out, const float* inp, std::int64_t N);
using ActivationBackward = void (*)(float* dinp, const float* dout, const float* inp_or_out,
                                    std::int64_t N, Grad mode);
struct Activation {
  ActivationForward forward[2];
  ActivationBackward backward[2];
  bool backward_reads_output;
  double (*flops)(std::int64_t N);
  const char* name;
};
// ACTIVATION(relu, ...): relu_forward and relu_forward_naive, relu_backward and its naive twin.
#define ACTIVATION(op, reads_output, flops)                                                        \
  Activation {                                                                                     \
    {op##_forward, op##_forward_naive}, {op##_backward, op##_backward_naive}, reads_output, flops, \
        #op                                                                                        \
  }
const Activation kRelu = ACTIVATION(relu, false, relu_flops);
const Activation kGelu = ACTIVATION(gelu, false, gelu_flops);
const Activation kGeluTanh = ACTIVATION(gelu_tanh, false, gelu_flops);
const Activation kTanh = ACTIVATION(tanh, true, gelu_flops);
#undef ACTIVATION

class ActivationCase : public KernelCase {
 public:
  ActivationCase(const Activation& act, int N) : act_(act), N_(N), out_(N) {
    in = {{"x", std::vector<float>(N)}};
    out_size = N;
  }
  std::string name() const override { return std::string(act_.name) + "_N" + std::to_string(N_); }
  double flops() const override { return act_.flops(N_); }
  void init(std::mt19937& rng) override {
    // Spread over [-4, 4] to reach both tails; ReLU's inputs stay >= 0.05 away from its kink.
    std::uniform_real_distribution<float> u(0.05f, 4.0f);
    std::bernoulli_distribution sign(0.5);
    for (float& v : in[0].data) v = sign(rng) ? u(rng) : -u(rng);
  }
  void forward(bool naive, float* out) override {
    act_.forward[naive](out, in[0].data.data(), N_);
    std::copy(out, out + N_, out_.begin());  // tanh's backward reads the output
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    const float* reads = act_.backward_reads_output ? out_.data() : in[0].data.data();
    act_.backward[naive](din[0], dout, reads, N_, mode);
  }

 private:
  Activation act_;
  int N_;
  std::vector<float> out_;
};

class SoftmaxCrossEntropyCase : public KernelCase {
 public:
  SoftmaxCrossEntropyCase(int B, int OC) : B_(B), OC_(OC), probs_(B * OC), targets_(B) {
    in = {{"logits", std::vector<float>(B * OC)}};
    out_size = 1;
    for (int b = 0; b < B; b++) targets_[b] = (b * 7 + 3) % OC;
  }
  std::string name() const override {
    return "softmax_ce_B" + std::to_string(B_) + "OC" + std::to_string(OC_);
  }
  double flops() const override { return softmax_cross_entropy_flops(B_, OC_); }
  void init(std::mt19937& rng) override {
    std::uniform_real_distribution<float> u(-3.0f, 3.0f);
    for (float& v : in[0].data) v = u(rng);
  }
  void forward(bool naive, float* out) override {
    auto r = (naive ? softmax_cross_entropy_forward_naive : softmax_cross_entropy_forward)(
        probs_.data(), in[0].data.data(), targets_.data(), B_, OC_);
    out[0] = r.loss;
  }
  void backward(bool naive, const float* dout, const std::vector<float*>& din, Grad mode) override {
    (naive ? softmax_cross_entropy_backward_naive : softmax_cross_entropy_backward)(
        din[0], probs_.data(), targets_.data(), B_, OC_, dout[0], mode);
  }

 private:
  int B_, OC_;
  std::vector<float> probs_;
  std::vector<int> targets_;
};

Shape2d S(int B, int C, int H, int W, int K, int stride, int pad) {
  return Shape2d{B, C, H, W, K, stride, pad};
}

std::vector<KernelCaseFactory> all_cases() {
  return {
      make<DenseCase>(1, 1, 1, true),
      make<DenseCase>(3, 7, 5, true),
      make<DenseCase>(5, 33, 17, true),
      make<DenseCase>(2, 9, 1, false),
      make<DenseCase>(7, 13, 5, true, 2),  // batch and output rows over workers
      make<DenseCase>(5, 6, 11, false, 3),
      make<DenseCase>(2, 4, 7, true, 3),  // more workers than batch rows
      make<Conv2dCase>(S(1, 1, 5, 5, 3, 1, 1), 4),
      make<Conv2dCase>(S(2, 3, 7, 9, 3, 1, 1), 5),
      make<Conv2dCase>(S(3, 3, 11, 8, 5, 2, 2), 2),
      make<Conv2dCase>(S(2, 4, 6, 7, 3, 2, 0), 3),
      make<Conv2dCase>(S(1, 2, 9, 7, 3, 1, 2), 3),
      make<Conv2dCase>(S(2, 5, 4, 3, 1, 1, 0), 6),     // 1x1 stride 1: no im2col
      make<Conv2dCase>(S(2, 3, 5, 6, 1, 2, 1), 4),     // 1x1 stride 2 padded: im2col
      make<Conv2dCase>(S(1, 3, 5, 5, 5, 1, 0), 2),     // output 1x1
      make<Conv2dCase>(S(2, 2, 6, 9, 5, 1, 2), 3),     // "same" K = 5: flat im2col path
      make<Conv2dCase>(S(1, 1, 1, 7, 3, 1, 1), 2),     // one row: every tap row but one is padding
      make<Conv2dCase>(S(2, 2, 6, 1, 5, 1, 2), 3),     // "same", one column narrower than pad
      make<Conv2dCase>(S(5, 3, 7, 9, 3, 1, 1), 5, 2),  // images over 2 and 3 workers
      make<Conv2dCase>(S(7, 3, 11, 8, 5, 2, 2), 2, 3),
      make<Conv2dCase>(S(4, 5, 4, 3, 1, 1, 0), 6, 3),  // 1x1: no im2col
      make<DepthwiseConv2dCase>(S(5, 3, 7, 9, 3, 1, 1), 2),
      make<DepthwiseConv2dCase>(S(7, 4, 6, 7, 3, 2, 0), 3),
      make<DepthwiseConv2dCase>(S(1, 1, 5, 5, 3, 1, 1)),
      make<DepthwiseConv2dCase>(S(2, 3, 7, 9, 3, 1, 1)),
      make<DepthwiseConv2dCase>(S(2, 3, 11, 8, 5, 2, 2)),
      make<DepthwiseConv2dCase>(S(3, 4, 6, 7, 3, 2, 0)),
      make<DepthwiseConv2dCase>(S(1, 2, 4, 5, 1, 1, 0)),
      make<PoolCase>(S(2, 3, 8, 6, 2, 2, 0)),  // 2x2 fast path
      make<PoolCase>(S(1, 1, 7, 9, 2, 2, 0)),  // odd sizes: last row/column dropped
      make<PoolCase>(S(2, 3, 7, 7, 3, 2, 1)),
      make<PoolCase>(S(1, 2, 9, 8, 5, 2, 2)),
      make<GlobalAvgPoolCase>(1, 1, 1, 1),
      make<GlobalAvgPoolCase>(3, 5, 7, 3),
      make<BatchnormCase>(1, 3, 5, 4),
      make<BatchnormCase>(4, 2, 3, 3),
      make<BatchnormCase>(7, 5, 1, 1),  // BatchNorm1d
      make<ResidualCase>(1),
      make<ResidualCase>(37),
      make<ActivationCase>(kRelu, 101),
      make<ActivationCase>(kGelu, 101),
      make<ActivationCase>(kGeluTanh, 101),
      make<ActivationCase>(kTanh, 101),
      make<SoftmaxCrossEntropyCase>(1, 1),
      make<SoftmaxCrossEntropyCase>(1, 10),
      make<SoftmaxCrossEntropyCase>(7, 13),
  };
}

INSTANTIATE_TEST_SUITE_P(Kernels, KernelCaseTest, ::testing::ValuesIn(all_cases()),
                         kernel_case_test_name);

}  // namespace
}  // namespace greenbench::kernels::testing
