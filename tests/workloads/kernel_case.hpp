// The one test-case type every kernel implements (ggml test-backend-ops style): inputs with
// shapes, forward and backward in fast and naive form, FLOPs. check_kernel_case() runs the
// same checks on every case. Not a benchmark (bench/kernels_bench.cpp).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "kernels/common.hpp"

namespace greenbench::kernels::testing {

struct Tensor {
  std::string name;
  std::vector<float> data;
  bool differentiable = true;  // gets a gradient from backward() and a finite-difference check
};

class KernelCase {
 public:
  virtual ~KernelCase() = default;
  // Unique, [A-Za-z0-9_] only (it names the GoogleTest instance).
  virtual std::string name() const = 0;
  // FLOPs of one forward call (checked positive; printed with the case).
  virtual double flops() const = 0;
  // Fills the inputs from `rng`; default uniform in [-1, 1]. Ops with kinks override it to keep
  // every input at least 2 * fd_eps() away from a kink.
  virtual void init(std::mt19937& rng);
  // Runs the forward on `in`, writing out_size floats to `out`; keeps whatever the backward
  // needs. naive: the _naive reference, else the fast kernel.
  virtual void forward(bool naive, float* out) = 0;
  // After forward(naive, ...): writes the gradient of sum(dout * out) w.r.t. in[i] to din[i]
  // (nullptr for inputs that are not differentiable) in `mode`.
  virtual void backward(bool naive, const float* dout, const std::vector<float*>& din,
                        Grad mode) = 0;
  // Central-difference step on fp32 inputs.
  virtual double fd_eps() const { return 1e-2; }

  std::vector<Tensor> in;
  std::size_t out_size = 0;
};

// Fast vs naive forward and backward, the accumulate mode, and a finite-difference gradient
// check of every differentiable input. Reports failures through GoogleTest.
void check_kernel_case(KernelCase& k, unsigned seed = 1234);

// A case made when its test runs; named so GoogleTest prints the case, not the bytes of a
// std::function.
struct KernelCaseFactory {
  std::function<std::unique_ptr<KernelCase>()> make;
  std::unique_ptr<KernelCase> operator()() const { return make(); }
};
void PrintTo(const KernelCaseFactory& f, std::ostream* os);

// make<DenseCase>(B, C, OC, ...): the factory of one case, for a list of cases.
template <typename T, typename... Args>
KernelCaseFactory make(Args... args) {
  return {[=] { return std::make_unique<T>(args...); }};
}

// The one test of every case, check_kernel_case() (TEST_P in kernel_case.cpp). A list of cases is
// one INSTANTIATE_TEST_SUITE_P(Prefix, KernelCaseTest, ValuesIn(list), kernel_case_test_name),
// which names each test after its case.
class KernelCaseTest : public ::testing::TestWithParam<KernelCaseFactory> {};
std::string kernel_case_test_name(const ::testing::TestParamInfo<KernelCaseFactory>& info);

// Largest |a - b| over max(max |b|, 1): the error measure of the fast-vs-naive checks.
double max_rel_error(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace greenbench::kernels::testing
