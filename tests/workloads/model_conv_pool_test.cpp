// Net's conv + ReLU + max-pool fusion (models/conv_pool.cpp) against the unfused kernels on
// inputs full of exact ties (small integers), where the first-maximum rule and the ReLU at 0
// decide the gradients; odd sizes (floor pooling), batches not a multiple of the chunk.
// Not a PyTorch comparison (model_golden_test.cpp).
#include <gtest/gtest.h>

#include <cmath>

#include "model_cases.hpp"

namespace greenbench::testing {
namespace {

struct TieCase {
  std::string label;
  nlohmann::json keys;
  int C, H, W, B;
};

void PrintTo(const TieCase& c, std::ostream* os) {
  *os << c.label;
}

void integer_fill(models::Net& net, int B) {
  const auto& in = net.nodes()[0];
  const int n = B * in.C * in.H * in.W;
  for (int i = 0; i < n; i++) net.input()[i] = float((i * 7 % 5) - 2);  // -2..2, many ties
  for (int b = 0; b < B; b++) net.targets()[b] = b % 10;
  for (const auto& t : net.param_tensors())
    for (std::int64_t k = 0; k < t.count; k++)  // multiples of 1/4: exact sums, more ties
      net.param_data()[t.offset + k] = float(((k * 3 + t.offset) % 5) - 2) * 0.25f;
}

class ConvPoolFusion : public ::testing::TestWithParam<TieCase> {};

TEST_P(ConvPoolFusion, MatchesUnfusedKernelsOnTies) {
  const TieCase& c = GetParam();
  const ModelCase mc{c.label, "cnn", c.keys, c.C, c.H, c.W};
  auto fused = model_case_net(mc, c.B, true);
  auto plain = model_case_net(mc, c.B, false);
  ASSERT_LT(fused->nodes().size(), plain->nodes().size()) << "nothing was fused";
  ASSERT_EQ(fused->params(), plain->params());
  integer_fill(*fused, c.B);
  integer_fill(*plain, c.B);
  const auto rf = fused->forward(c.B, true), rp = plain->forward(c.B, true);
  EXPECT_NEAR(rf.loss, rp.loss, 1e-5 * std::fabs(rp.loss));
  EXPECT_EQ(rf.correct, rp.correct);
  fused->backward(c.B);
  plain->backward(c.B);
  for (const auto& t : fused->param_tensors())
    for (std::int64_t k = 0; k < t.count; k++) {
      const float gf = fused->grad_data()[t.offset + k], gp = plain->grad_data()[t.offset + k];
      ASSERT_NEAR(gf, gp, 1e-5f + 1e-4f * std::fabs(gp)) << t.name << "[" << k << "]";
    }
}

INSTANTIATE_TEST_SUITE_P(
    Models, ConvPoolFusion,
    ::testing::Values(
        TieCase{"custom", {{"arch", "custom"}, {"conv", {4, 6}}, {"fc", {8}}}, 1, 12, 12, 5},
        TieCase{"custom_odd",
                {{"arch", "custom"}, {"conv", {3, 5}}, {"fc", nlohmann::json::array()}},
                2,
                11,
                9,
                7},
        TieCase{"custom_k5_big_batch",
                {{"arch", "custom"}, {"conv", {2}}, {"kernel", 5}, {"fc", {4}}},
                1,
                9,
                9,
                67},
        TieCase{"lenet5", {{"arch", "lenet5"}, {"width", 0.5}}, 3, 14, 13, 3},
        TieCase{"vgg_nobn",
                {{"arch", "vgg"}, {"width", 0.125}, {"depth", 1}, {"batch_norm", false}},
                1,
                9,
                8,
                4}),
    [](const auto& info) { return info.param.label; });

}  // namespace
}  // namespace greenbench::testing
