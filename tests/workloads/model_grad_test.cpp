// Finite-difference check of every model's backward: the gradient of the whole model's mean
// cross-entropy w.r.t. a sample of parameters of every tensor, and along one direction over all
// parameters. Not the per-kernel checks (kernel_cases_test.cpp).
//
// Tolerances, for fp32: the loss (~2.3) is computed in fp32 through a few layers, so two
// evaluations at nearby points carry rounding noise of about 1e-6 relative, ~3e-6 absolute.
// A central difference with step h turns that into ~3e-6 / h of gradient noise: 6e-4 at
// h = 5e-3, while the truncation error (h^2/6 * f''') stays below 1e-5 for these smooth-ish
// losses. Hence |fd - g| <= 2e-3 + 5e-2 * |g| per element. ReLU and max-pool kinks crossed by
// the step can still break single elements, so 90% of the sampled elements must pass, and the
// directional derivative along the gradient plus noise (a sum of thousands of terms, large and
// smooth on average) must agree within 1% -- a wiring bug fails one or the other by far more. That
// last step is 1e-3: batch norm over 4 samples and ReLU make these losses strongly curved (at
// 1e-2 curvature alone moves the estimate by 10-20%), and along a unit direction close to the
// gradient the derivative is O(1), so fp32 noise (~3e-6 / 1e-3 at worst) stays inside 1%.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "model_cases.hpp"

namespace greenbench::testing {
namespace {

constexpr int kB = 4;

double loss_at(models::Net& net) {
  return net.forward(kB, true).loss;
}

class ModelGrad : public ::testing::TestWithParam<ModelCase> {};

TEST_P(ModelGrad, MatchesFiniteDifferences) {
  const ModelCase& c = GetParam();
  auto net = model_case_net(c, kB);
  model_case_input(*net, kB);
  model_case_params(*net);
  net->forward(kB, true);
  net->backward(kB);
  const std::vector<float> grad(net->grad_data(), net->grad_data() + net->params());
  float* p = net->param_data();
  const double h = 5e-3;

  std::mt19937 rng(7);
  int checked = 0, passed = 0;
  std::string report;
  for (const auto& t : net->param_tensors()) {
    const int samples = static_cast<int>(std::min<std::int64_t>(t.count, 6));
    for (int s = 0; s < samples; s++) {
      const std::int64_t i =
          t.offset + std::uniform_int_distribution<std::int64_t>(0, t.count - 1)(rng);
      const float saved = p[i];
      p[i] = saved + float(h);
      const double up = loss_at(*net);
      p[i] = saved - float(h);
      const double down = loss_at(*net);
      p[i] = saved;
      const double fd = (up - down) / (2 * h), g = grad[static_cast<std::size_t>(i)];
      checked++;
      if (std::fabs(fd - g) <= 2e-3 + 5e-2 * std::fabs(g)) {
        passed++;
      } else {
        report += t.name + "[" + std::to_string(i - t.offset) + "]: fd " + std::to_string(fd) +
                  " analytic " + std::to_string(g) + "\n";
      }
    }
  }
  EXPECT_GE(passed, 0.9 * checked) << c.label << ":\n" << report;

  // Directional derivative along v = g + noise of the same RMS (so it is large, and still
  // weighs every tensor), normalised.
  std::vector<float> v(grad.size());
  double norm = 0, dot = 0, g2 = 0;
  for (float g : grad) g2 += double(g) * g;
  const float rms = float(std::sqrt(g2 / double(grad.size())));
  std::normal_distribution<float> normal;
  for (std::size_t i = 0; i < v.size(); i++) {
    v[i] = grad[i] + rms * normal(rng);
    norm += double(v[i]) * v[i];
  }
  norm = std::sqrt(norm);
  for (std::size_t i = 0; i < v.size(); i++) dot += grad[i] * v[i] / norm;
  const std::vector<float> base(p, p + net->params());
  auto shifted = [&](double step) {
    for (std::size_t i = 0; i < v.size(); i++) p[i] = float(base[i] + step * v[i] / norm);
    return loss_at(*net);
  };
  const double hd = 1e-3;
  const double fd = (shifted(hd) - shifted(-hd)) / (2 * hd);
  EXPECT_NEAR(fd, dot, 1e-3 + 1e-2 * std::fabs(dot)) << c.label;
  EXPECT_GT(std::fabs(dot), 0.05) << c.label << ": gradient too small to check";
}

INSTANTIATE_TEST_SUITE_P(Models, ModelGrad, ::testing::ValuesIn(model_cases()),
                         [](const auto& info) { return info.param.label; });

}  // namespace
}  // namespace greenbench::testing
