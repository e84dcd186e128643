// Long accuracy checks on the whole Fashion-MNIST (the targets in docs/workloads.md): mlp [256,
// 128] and cnn custom [32, 64]/[128], momentum 0.9, lr 0.01, batch 64, 2 epochs, seed 0. Minutes of
// CPU: skipped unless GREENBENCH_LONG_TESTS=1 (CI runs the fast model_learning_test.cpp instead).
#include <gtest/gtest.h>

#include <cstdio>

#include "model_test_util.hpp"

namespace greenbench::testing {
namespace {

nlohmann::json full_run(nlohmann::json extra) {
  nlohmann::json c = {{"epochs", 2},
                      {"batch_size", 64},
                      {"learning_rate", 0.01},
                      {"optimizer", "momentum"},
                      {"momentum", 0.9},
                      {"seed", 0},
                      {"dataset", "fashion-mnist"},
                      {"threads", 1}};
  for (auto& [k, v] : extra.items()) c[k] = v;
  return c;
}

TEST(AccuracyLong, MlpReaches85PercentIn2Epochs) {
  if (!long_tests_enabled()) GTEST_SKIP() << "set GREENBENCH_LONG_TESTS=1";
  PhaseResult train;
  const PhaseResult r = train_and_infer("mlp", full_run({{"hidden", {256, 128}}}), &train);
  std::printf("mlp [256,128]: train loss %.4f acc %.4f; test loss %.4f acc %.4f\n", train.loss,
              train.accuracy, r.loss, r.accuracy);
  EXPECT_GE(r.accuracy, 0.85);
}

TEST(AccuracyLong, CnnCustomReaches88PercentIn2Epochs) {
  if (!long_tests_enabled()) GTEST_SKIP() << "set GREENBENCH_LONG_TESTS=1";
  PhaseResult train;
  const PhaseResult r = train_and_infer(
      "cnn", full_run({{"arch", "custom"}, {"conv", {32, 64}}, {"fc", {128}}}), &train);
  std::printf("cnn custom [32,64]/[128]: train loss %.4f acc %.4f; test loss %.4f acc %.4f\n",
              train.loss, train.accuracy, r.loss, r.accuracy);
  EXPECT_GE(r.accuracy, 0.88);
}

}  // namespace
}  // namespace greenbench::testing
