// Fast learning tests of `mlp` and every `cnn` arch: an epoch (two for batch-norm nets) on a
// 2000-sample subset must beat chance (10%) by a wide margin, in seconds. Not the full-data
// accuracy targets (model_accuracy_test.cpp, long) nor a gradient check.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "model_cases.hpp"
#include "model_test_util.hpp"
#include "workload_keys.hpp"

namespace greenbench::testing {
namespace {

// learning_config() on Fashion-MNIST, or on synthetic data.
nlohmann::json small(nlohmann::json extra, bool fashion = true) {
  if (!fashion) extra["dataset"] = "synthetic";
  return learning_config(extra);
}

struct LearnCase {
  const char* label;
  const char* workload;
  nlohmann::json extra;
  double min_accuracy;  // on the test subset after one epoch; chance is 0.10
};

class Learning : public ::testing::TestWithParam<LearnCase> {};

TEST_P(Learning, FashionSubsetBeatsChance) {
  const LearnCase& c = GetParam();
  if (!fashion_installed()) GTEST_SKIP() << "Fashion-MNIST not installed at " << kFashionDir;
  PhaseResult train;
  const PhaseResult r = train_and_infer(c.workload, small(c.extra), &train);
  EXPECT_EQ(train.samples, 2000);
  EXPECT_EQ(train.steps, 63);  // per epoch: 62 full batches of 32 and one of 16
  EXPECT_FALSE(train.diverged);
  EXPECT_EQ(r.phase, "infer");
  EXPECT_EQ(r.samples, 500);
  EXPECT_TRUE(std::isfinite(r.loss));
  EXPECT_LT(r.loss, std::log(10.0));
  EXPECT_GE(r.accuracy, c.min_accuracy) << c.label << " loss " << r.loss;
}

INSTANTIATE_TEST_SUITE_P(
    Models, Learning,
    ::testing::Values(
        LearnCase{"mlp", "mlp", {{"hidden", {64}}}, 0.60},
        LearnCase{"mlp_tanh", "mlp", {{"hidden", {64, 32}}, {"activation", "tanh"}}, 0.60},
        LearnCase{"mlp_gelu_adam",
                  "mlp",
                  {{"hidden", {64}},
                   {"activation", "gelu"},
                   {"optimizer", "adam"},
                   {"learning_rate", 0.001}},
                  0.60},
        LearnCase{"custom", "cnn", {{"arch", "custom"}, {"conv", {8, 16}}, {"fc", {32}}}, 0.55},
        LearnCase{"lenet5", "cnn", {{"arch", "lenet5"}}, 0.45},
        LearnCase{"vgg", "cnn", cnn_scaled("vgg", 0.25, 1), 0.45},
        // Batch-norm nets: 2 epochs, so eval-mode running statistics have settled.
        LearnCase{"resnet", "cnn", cnn_scaled("resnet", 0.5, 1, {{"epochs", 2}}), 0.45},
        LearnCase{"mobilenet", "cnn", cnn_scaled("mobilenet", 0.5, 1, {{"epochs", 2}}), 0.40}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Learning, SyntheticDataIsLearnable) {
  const PhaseResult r =
      train_and_infer("mlp", small({{"hidden", {64}}, {"input_shape", {1, 16, 16}}}, false));
  EXPECT_GE(r.accuracy, 0.5) << "loss " << r.loss;
}

TEST(Learning, DivergenceIsReportedAndStopsThePhase) {
  PhaseResult train;
  train_and_infer("mlp",
                  small({{"hidden", {64}},
                         {"learning_rate", 1e6},
                         {"optimizer", "sgd"},
                         {"input_shape", {1, 8, 8}}},
                        false),
                  &train);
  EXPECT_TRUE(train.diverged);
  EXPECT_LT(train.steps, 63);
}

TEST(Learning, ObserverCanStopAPhase) {
  const auto full =
      workload_config_complete("mlp", small({{"hidden", {16}}, {"input_shape", {1, 8, 8}}}, false));
  auto w = workload_make("mlp", full);
  RecordingObserver obs;
  obs.stop_after = 5;
  w->train_epoch(1, obs);
  ASSERT_EQ(obs.results.size(), 1u);
  EXPECT_EQ(obs.results[0].steps, 5);
  EXPECT_EQ(obs.results[0].samples, 5 * 32);
  EXPECT_EQ(obs.begun, std::vector<std::string>{"train"});
}

TEST(Learning, BatchOfOneThroughBatchNormOnOnePixelKeepsRunningStatsFinite) {
  // resnet on 4x4 images ends on 1x1 maps: a last training batch of 1 gives batch norm one
  // value per channel. The ReLUs after it would hide a NaN running variance, so every node's
  // eval output is checked.
  const ModelCase c{
      "resnet_4x4", "cnn", {{"arch", "resnet"}, {"width", 0.25}, {"depth", 1}}, 1, 4, 4};
  auto net = model_case_net(c, 1);
  model_case_input(*net, 1);
  net->forward(1, true);
  net->forward(1, false);
  for (std::size_t i = 1; i < net->nodes().size(); i++) {
    const auto& n = net->nodes()[i];
    for (int k = 0; k < n.C * n.H * n.W; k++)
      ASSERT_TRUE(std::isfinite(net->output(int(i))[k])) << n.name << "[" << k << "]";
  }
}

}  // namespace
}  // namespace greenbench::testing
