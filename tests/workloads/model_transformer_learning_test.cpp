// Learning checks of vit and lm. Fast (CI): a vit epoch on a Fashion-MNIST subset beats chance
// by a wide margin, and a small lm trained for a few hundred steps predicts held-out bytes
// better than the corpus' unigram entropy (3.20 nats), in seconds. Long (the targets in
// docs/workloads.md, minutes; skipped unless GREENBENCH_LONG_TESTS=1): vit patch 7 / dim 64 / depth
// 2 / heads 4 / mlp_ratio 2, Adam 0.001, batch 64, 2 epochs >= 0.82; lm dim 128 / depth 2 / heads 4
// / context 128, AdamW 0.001, batch 32, 5 epochs: test loss well under 3.20.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "model_test_util.hpp"

namespace greenbench::testing {
namespace {

constexpr double kUnigramNats = 3.20;  // entropy of the default corpus' byte frequencies

// A transformer's size (docs/workloads.md): width, blocks, attention heads.
nlohmann::json transformer(int dim, int depth, int heads) {
  return {{"dim", dim}, {"depth", depth}, {"heads", heads}};
}

// The long runs of the targets in docs/workloads.md: learning rate 0.001, seed 0, one thread.
const nlohmann::json kTargetRun = {{"learning_rate", 0.001}, {"seed", 0}, {"threads", 1}};

TEST(TransformerLearning, VitFashionSubsetBeatsChance) {
  if (!fashion_installed()) GTEST_SKIP() << "Fashion-MNIST not installed at " << kFashionDir;
  PhaseResult train;
  const PhaseResult r = train_and_infer(
      "vit",
      learning_config(config_merge(
          {transformer(32, 1, 2), {{"patch", 7}, {"optimizer", "adam"}, {"learning_rate", 2e-3}}})),
      &train);
  EXPECT_EQ(train.samples, 2000);
  EXPECT_EQ(train.steps, 63);
  EXPECT_EQ(r.samples, 500);
  EXPECT_GE(r.accuracy, 0.55) << "loss " << r.loss;
}

TEST(TransformerLearning, LmBeatsUnigramEntropyOnHeldOutBytes) {
  PhaseResult train;
  const PhaseResult r = train_and_infer("lm",
                                        config_merge({transformer(32, 1, 2),
                                                      {{"context", 32},
                                                       {"epochs", 1},
                                                       {"batch_size", 16},
                                                       {"train_samples", 4800},
                                                       {"test_samples", 200},
                                                       {"infer_batch_size", 4},
                                                       {"prompt_tokens", 8},
                                                       {"gen_tokens", 8},
                                                       {"optimizer", "adamw"},
                                                       {"learning_rate", 3e-3},
                                                       {"seed", 2}}}),
                                        &train);
  EXPECT_EQ(train.steps, 300);
  EXPECT_EQ(r.samples, 200);
  std::printf("lm small: train loss %.4f, test loss %.4f, accuracy %.4f\n", train.loss, r.loss,
              r.accuracy);
  EXPECT_LT(r.loss, kUnigramNats - 0.3);
}

TEST(AccuracyLong, VitReaches82PercentIn2Epochs) {
  if (!long_tests_enabled()) GTEST_SKIP() << "set GREENBENCH_LONG_TESTS=1";
  PhaseResult train;
  const PhaseResult r = train_and_infer("vit",
                                        config_merge({transformer(64, 2, 4),
                                                      kTargetRun,
                                                      {{"patch", 7},
                                                       {"mlp_ratio", 2},
                                                       {"epochs", 2},
                                                       {"batch_size", 64},
                                                       {"optimizer", "adam"},
                                                       {"dataset", "fashion-mnist"}}}),
                                        &train);
  std::printf("vit p7 d64 x2 h4 r2: train loss %.4f acc %.4f; test loss %.4f acc %.4f\n",
              train.loss, train.accuracy, r.loss, r.accuracy);
  EXPECT_GE(r.accuracy, 0.82);
}

TEST(AccuracyLong, LmGoesWellUnderUnigramEntropyIn5Epochs) {
  if (!long_tests_enabled()) GTEST_SKIP() << "set GREENBENCH_LONG_TESTS=1";
  PhaseResult train;
  const PhaseResult r = train_and_infer(
      "lm",
      config_merge({transformer(128, 2, 4),
                    kTargetRun,
                    {{"context", 128}, {"epochs", 5}, {"batch_size", 32}, {"optimizer", "adamw"}}}),
      &train);
  std::printf("lm c128 d128 x2 h4: train loss %.4f; test loss %.4f acc %.4f\n", train.loss, r.loss,
              r.accuracy);
  EXPECT_LT(r.loss, kUnigramNats - 0.4);
}

}  // namespace
}  // namespace greenbench::testing
