// Net's conv + ReLU + max-pool fusion (models/conv_pool.cpp) against the unfused kernels on
// inputs full of exact ties (small integers), where the first-maximum rule and the ReLU at 0
// decide the gradients; odd sizes (floor pooling), batches not a multiple of the chunk. And
// the chunks split over 2 and 3 workers against one worker, in the net and in the kernel
// (both gradient modes). Not a PyTorch comparison (model_golden_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/parallel.hpp"
#include "kernels/threads.hpp"
#include "model_cases.hpp"
#include "models/conv_pool.hpp"

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

TEST_P(ConvPoolFusion, WorkersGiveTheOneWorkerResult) {
  // Each chunk's arithmetic does not depend on its worker: outputs and input gradients are
  // bitwise equal; weight gradients are summed per worker, then across workers (a different
  // order), so they agree to rounding.
  const TieCase& c = GetParam();
  const ModelCase mc{c.label, "cnn", c.keys, c.C, c.H, c.W};
  auto one = model_case_net(mc, c.B, true, 1);
  integer_fill(*one, c.B);
  const auto r1 = one->forward(c.B, true);
  one->backward(c.B);
  for (int threads : {2, 3}) {
    auto many = model_case_net(mc, c.B, true, threads);
    integer_fill(*many, c.B);
    const auto rn = many->forward(c.B, true);
    EXPECT_EQ(rn.loss, r1.loss) << threads;
    EXPECT_EQ(rn.correct, r1.correct) << threads;
    many->backward(c.B);
    for (const auto& t : many->param_tensors())
      for (std::int64_t k = 0; k < t.count; k++) {
        const float gn = many->grad_data()[t.offset + k], g1 = one->grad_data()[t.offset + k];
        ASSERT_NEAR(gn, g1, 1e-5f + 1e-4f * std::fabs(g1))
            << threads << " threads, " << t.name << "[" << k << "]";
      }
  }
  kernels::threads_set(1);
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
        // Rows of 10 pooled windows: the 8-float vector loops with an overlapping last vector.
        TieCase{"custom_wide",
                {{"arch", "custom"}, {"conv", {3, 2}}, {"fc", nlohmann::json::array()}},
                1,
                19,
                37,
                3},
        TieCase{"lenet5", {{"arch", "lenet5"}, {"width", 0.5}}, 3, 14, 13, 3},
        TieCase{"vgg_nobn",
                {{"arch", "vgg"}, {"width", 0.125}, {"depth", 1}, {"batch_norm", false}},
                1,
                9,
                8,
                4}),
    [](const auto& info) { return info.param.label; });

// The kernel alone on random data: 1, 2 and 3 workers, overwrite and accumulate modes, a
// batch that leaves the last chunk short.
TEST(ConvPoolWorkers, KernelMatchesOneWorkerInBothModes) {
  kernels::threads_set(1);
  models::ConvPool p;
  p.s = kernels::Shape2d{1, 3, 10, 9, 3, 1, 1};
  p.OC = 5;
  p.G = 2;
  const int B = 7, CKK = 3 * 3 * 3;
  const std::size_t in_n = std::size_t(B) * 3 * 10 * 9,
                    out_n = std::size_t(B) * p.OC * p.PH() * p.PW();
  std::mt19937 rng(7);
  std::normal_distribution<float> nd;
  auto randv = [&](std::size_t n) {
    std::vector<float> v(n);
    for (auto& x : v) x = nd(rng);
    return v;
  };
  const auto inp = randv(in_n), weight = randv(std::size_t(p.OC) * CKK), bias = randv(p.OC),
             dout = randv(out_n), start = randv(std::size_t(p.OC) * CKK + p.OC + in_n);
  const std::size_t slot = (p.worker_floats() + 15) / 16 * 16;
  struct Result {
    std::vector<float> out, dinp, dw, db;
    std::vector<std::uint8_t> arg;
  };
  auto run = [&](int workers, kernels::Grad mode) {
    Result r{std::vector<float>(out_n), std::vector<float>(in_n),
             std::vector<float>(start.begin(), start.begin() + p.OC * CKK),
             std::vector<float>(start.begin() + p.OC * CKK, start.begin() + p.OC * CKK + p.OC),
             std::vector<std::uint8_t>(out_n)};
    std::copy(start.end() - std::ptrdiff_t(in_n), start.end(), r.dinp.begin());
    std::vector<float> scratch(slot * std::size_t(workers));
    models::conv_pool_forward(r.out.data(), r.arg.data(), scratch.data(), inp.data(), weight.data(),
                              bias.data(), p, B, workers, slot);
    models::conv_pool_backward(r.dinp.data(), r.dw.data(), r.db.data(), scratch.data(), dout.data(),
                               r.arg.data(), inp.data(), weight.data(), p, B, mode, workers, slot);
    return r;
  };
  for (auto mode : {kernels::Grad::overwrite, kernels::Grad::accumulate}) {
    const Result one = run(1, mode);
    for (int workers : {2, 3}) {
      const Result r = run(workers, mode);
      EXPECT_EQ(r.out, one.out);
      EXPECT_EQ(r.arg, one.arg);
      EXPECT_EQ(r.dinp, one.dinp);
      for (std::size_t i = 0; i < one.dw.size(); i++)
        ASSERT_NEAR(r.dw[i], one.dw[i], 1e-5f * (1 + std::fabs(one.dw[i]))) << workers << " " << i;
      for (std::size_t i = 0; i < one.db.size(); i++)
        ASSERT_NEAR(r.db[i], one.db[i], 1e-5f * (1 + std::fabs(one.db[i]))) << workers << " " << i;
    }
  }
}

// Every task runs once, on worker task % W, in rising order per worker; W > n and W = 1.
TEST(ParallelFor, EachTaskOnceOnItsWorkerInOrder) {
  for (int workers : {1, 2, 3, 8}) {
    for (int n : {0, 1, 5, 64}) {
      std::vector<int> who(std::size_t(n), -1), order;
      std::vector<std::vector<int>> per(static_cast<std::size_t>(workers));
      kernels::parallel_for(workers, n, [&](int task, int w) {
        who[std::size_t(task)] = w;           // distinct tasks: no two writers of one cell
        per[std::size_t(w)].push_back(task);  // one worker per vector
      });
      const int used = std::max(1, std::min(workers, n));
      for (int t = 0; t < n; t++) EXPECT_EQ(who[std::size_t(t)], t % used) << workers << " " << n;
      for (const auto& v : per) EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    }
  }
}

}  // namespace
}  // namespace greenbench::testing
