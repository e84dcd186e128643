// The models against PyTorch float64 (golden/make_model_golden.py): a train forward and backward
// of each tiny model, fused and unfused (loss, logits, every parameter gradient), the eval logits
// after it, and params/MACs of full-size models. Not a finite-difference check.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <tuple>
#include <vector>

#include "golden_util.hpp"
#include "model_cases.hpp"

namespace greenbench::testing {
namespace {

class ModelGolden : public ::testing::TestWithParam<std::tuple<ModelCase, bool>> {};

TEST_P(ModelGolden, ForwardAndBackwardMatchPyTorch) {
  const ModelCase& c = std::get<0>(GetParam());
  const bool fuse = std::get<1>(GetParam());
  const nlohmann::json g = golden_load("model_" + c.label + ".json", "make_model_golden.py");
  ASSERT_FALSE(g.is_null());
  const int B = g.at("B").get<int>();
  ASSERT_EQ(g.at("input_shape"), (nlohmann::json{c.C, c.H, c.W}));
  auto net = model_case_net(c, B, fuse);
  EXPECT_EQ(net->params(), g.at("params").get<std::int64_t>());
  EXPECT_EQ(net->macs_per_sample(), g.at("macs_per_sample").get<std::int64_t>());
  const auto& tensors = net->param_tensors();
  ASSERT_EQ(tensors.size(), g.at("tensors").size());
  for (std::size_t t = 0; t < tensors.size(); t++)
    ASSERT_EQ(tensors[t].count, g["tensors"][t].at("count").get<std::int64_t>()) << tensors[t].name;

  model_case_input(*net, B);
  model_case_params(*net);
  const auto ce = net->forward(B, true);
  EXPECT_NEAR(ce.loss, g.at("loss").get<double>(),
              2e-5 * std::fabs(g["loss"].get<double>()) + 1e-6);
  expect_close(net->logits(), g.at("logits").get<std::vector<double>>(), 1e-5, 1e-6,
               c.label + " logits");
  net->backward(B);
  for (std::size_t t = 0; t < tensors.size(); t++)
    expect_close(net->grad_data() + tensors[t].offset,
                 g["tensors"][t].at("grad").get<std::vector<double>>(), 1e-4, 1e-7,
                 c.label + " " + tensors[t].name + ".grad");
  net->forward(B, false);
  expect_close(net->logits(), g.at("eval_logits").get<std::vector<double>>(), 1e-5, 1e-6,
               c.label + " eval logits");
}

INSTANTIATE_TEST_SUITE_P(Models, ModelGolden,
                         ::testing::Combine(::testing::ValuesIn(model_cases()), ::testing::Bool()),
                         [](const auto& info) {
                           return std::get<0>(info.param).label +
                                  (std::get<1>(info.param) ? "_fused" : "_unfused");
                         });

// backward_update against backward then update, four steps on every model case (batch norm,
// residuals, depthwise, conv_pool, dense) with weight decay: momentum (fused: per-layer steps,
// a pre-scaled velocity that dense GEMMs add into) agrees to float rounding; the other
// optimizers run unfused and agree bit for bit. Net b fuses every step; net c mixes (update,
// backward_update twice, update: the state changes convention and back).
TEST(ModelBackwardUpdate, SameParametersAsBackwardThenUpdate) {
  const kernels::Optimizer optimizers[] = {kernels::Optimizer::sgd, kernels::Optimizer::momentum,
                                           kernels::Optimizer::adam, kernels::Optimizer::adamw};
  for (const ModelCase& c : model_cases())
    for (kernels::Optimizer o : optimizers) {
      SCOPED_TRACE(c.label + " " + std::string(kernels::optimizer_name(o)));
      const int B = 3;
      auto a = model_case_net(c, B, true, 1, o), b = model_case_net(c, B, true, 1, o),
           m = model_case_net(c, B, true, 1, o);
      kernels::OptimConfig cfg;
      cfg.kind = o;
      cfg.lr = 0.05f;
      cfg.weight_decay = 0.01f;
      for (auto* net : {a.get(), b.get(), m.get()}) {
        model_case_input(*net, B);
        model_case_params(*net);
      }
      const std::vector<float> before(a->param_data(), a->param_data() + a->params());
      for (int step = 1; step <= 4; step++) {
        a->forward(B, true);
        a->backward(B);
        a->update(cfg, step);
        b->forward(B, true);
        b->backward_update(B, cfg, step);
        m->forward(B, true);
        if (step == 2 || step == 3) {
          m->backward_update(B, cfg, step);
        } else {
          m->backward(B);
          m->update(cfg, step);
        }
      }
      ASSERT_EQ(a->params(), b->params());
      const bool exact = o != kernels::Optimizer::momentum;
      std::int64_t differ = 0, differ_mixed = 0, moved = 0;
      auto differs = [&](float pa, float pb) {
        return exact ? std::memcmp(&pa, &pb, sizeof(float)) != 0
                     : std::fabs(pa - pb) > 1e-6f * std::max(1.0f, std::fabs(pa));
      };
      for (std::int64_t i = 0; i < a->params(); i++) {
        const float pa = a->param_data()[i];
        differ += differs(pa, b->param_data()[i]);
        differ_mixed += differs(pa, m->param_data()[i]);
        moved += pa != before[std::size_t(i)];
      }
      EXPECT_EQ(differ, 0) << "of " << a->params();
      EXPECT_EQ(differ_mixed, 0) << "of " << a->params() << ", mixing the two";
      EXPECT_GT(moved, a->params() * 9 / 10) << "the steps must have moved the parameters";
    }
}

TEST(ModelCounts, ParamsAndMacsMatchPyTorch) {
  const nlohmann::json counts = golden_load("model_counts.json", "make_model_golden.py");
  ASSERT_TRUE(counts.is_array());
  ASSERT_FALSE(counts.empty());
  for (const auto& c : counts) {
    const auto shape = c.at("input_shape").get<std::vector<int>>();
    nlohmann::json cfg = c.at("keys");
    cfg["dataset"] = "synthetic";
    cfg["input_shape"] = shape;
    const std::string workload = c.at("workload").get<std::string>();
    const auto full = workload_config_complete(workload, cfg);
    auto nodes = workload == "mlp" ? models::mlp_build(full, shape[0], shape[1], shape[2], 10)
                                   : models::cnn_build(full, shape[0], shape[1], shape[2], 10);
    models::Net net(std::move(nodes), 1, kernels::Optimizer::sgd, 0);
    EXPECT_EQ(net.params(), c.at("params").get<std::int64_t>()) << c.dump();
    EXPECT_EQ(net.macs_per_sample(), c.at("macs_per_sample").get<std::int64_t>()) << c.dump();
  }
}

}  // namespace
}  // namespace greenbench::testing
