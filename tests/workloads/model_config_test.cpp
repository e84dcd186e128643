// workload_config_complete for mlp and cnn: defaults filled in, and every kind of bad key
// rejected with an InputError naming the key and what was expected. Not the grid parser.
#include <gtest/gtest.h>

#include "greenbench/errors.hpp"
#include "greenbench/workload.hpp"

namespace greenbench {
namespace {

std::string error_of(const std::string& name, const nlohmann::json& config) {
  try {
    workload_config_complete(name, config);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ModelConfig, NamesIncludeMlpAndCnn) {
  const auto& names = workload_names();
  EXPECT_NE(std::find(names.begin(), names.end(), "mlp"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "cnn"), names.end());
}

TEST(ModelConfig, DefaultsAreFilledIn) {
  const auto mlp = workload_config_complete("mlp", nlohmann::json::object());
  EXPECT_EQ(mlp["hidden"], (nlohmann::json{256, 128}));
  EXPECT_EQ(mlp["activation"], "relu");
  EXPECT_EQ(mlp["batch_size"], 64);
  EXPECT_EQ(mlp["infer_batch_size"], 64);
  EXPECT_EQ(mlp["epochs"], 1);
  EXPECT_EQ(mlp["optimizer"], "momentum");
  EXPECT_EQ(mlp["dataset"], "fashion-mnist");
  EXPECT_EQ(mlp["threads"], 1);
  EXPECT_FALSE(mlp.contains("input_shape"));
  const auto ib = workload_config_complete("mlp", {{"batch_size", 32}});
  EXPECT_EQ(ib["infer_batch_size"], 32);
  const auto cnn = workload_config_complete("cnn", nlohmann::json::object());
  EXPECT_EQ(cnn["arch"], "custom");
  EXPECT_EQ(cnn["conv"], (nlohmann::json{32, 64}));
  EXPECT_EQ(cnn["kernel"], 3);
  EXPECT_EQ(cnn["fc"], (nlohmann::json{128}));
  EXPECT_FALSE(cnn.contains("depth"));
  const auto resnet = workload_config_complete("cnn", {{"arch", "resnet"}});
  EXPECT_EQ(resnet["depth"], 3);
  EXPECT_EQ(resnet["width"], 1.0);
  EXPECT_FALSE(resnet.contains("conv"));
  EXPECT_EQ(workload_config_complete("cnn", {{"arch", "vgg"}})["batch_norm"], true);
  const auto syn = workload_config_complete("mlp", {{"dataset", "synthetic"}});
  EXPECT_EQ(syn["input_shape"], (nlohmann::json{1, 28, 28}));
  // Completing twice changes nothing (the runner may hash either).
  EXPECT_EQ(workload_config_complete("cnn", resnet), resnet);
}

TEST(ModelConfig, BadValuesNameTheKey) {
  EXPECT_EQ(error_of("mlp", {{"hidden", {0}}}),
            "hidden: expected a non-empty list of positive integers, got [0]");
  EXPECT_EQ(error_of("mlp", {{"hidden", nlohmann::json::array()}}),
            "hidden: expected a non-empty list of positive integers, got []");
  EXPECT_EQ(error_of("mlp", {{"activation", "swish"}}),
            "activation: expected one of relu, gelu, tanh, got \"swish\"");
  EXPECT_EQ(error_of("mlp", {{"batch_size", 0}}),
            "batch_size: expected an integer in [1, 1048576], got 0");
  EXPECT_EQ(error_of("mlp", {{"batch_size", "64"}}),
            "batch_size: expected an integer in [1, 1048576], got \"64\"");
  EXPECT_EQ(error_of("mlp", {{"learning_rate", -1}}),
            "learning_rate: expected a number > 0 and <= 1000000, got -1");
  EXPECT_EQ(error_of("mlp", {{"optimizer", "lbfgs"}}),
            "optimizer: expected one of sgd, momentum, adam, adamw, got \"lbfgs\"");
  EXPECT_EQ(error_of("mlp", {{"dataset", "mnist"}}),
            "dataset: expected one of fashion-mnist, cifar10, synthetic, got \"mnist\"");
  EXPECT_NE(error_of("mlp", {{"hiden", {8}}}).find("hiden: unknown key for workload mlp"),
            std::string::npos);
  EXPECT_NE(error_of("mlp", {{"arch", "vgg"}}).find("arch: unknown key for workload mlp"),
            std::string::npos);
  EXPECT_NE(error_of("cnn", {{"arch", "resnet"}, {"conv", {8}}})
                .find("conv: does not apply to arch resnet"),
            std::string::npos);
  EXPECT_NE(error_of("cnn", {{"arch", "custom"}, {"depth", 2}})
                .find("depth: does not apply to arch custom"),
            std::string::npos);
  EXPECT_EQ(error_of("cnn", {{"kernel", 4}}),
            "kernel: expected an odd integer in [1, 15] (same padding), got 4");
  EXPECT_EQ(error_of("cnn", {{"arch", "resnet"}, {"width", 0}}),
            "width: expected a number > 0 and <= 64, got 0");
  EXPECT_NE(error_of("mlp", {{"input_shape", {1, 8, 8}}}).find("input_shape: applies only"),
            std::string::npos);
  EXPECT_NE(error_of("mlp", {{"dataset", "synthetic"}, {"data_dir", "/tmp"}})
                .find("data_dir: does not apply to dataset synthetic"),
            std::string::npos);
}

TEST(ModelConfig, ImagesTooSmallForTheArchitectureAreInputErrors) {
  const std::string e =
      error_of("cnn", {{"arch", "lenet5"}, {"dataset", "synthetic"}, {"input_shape", {1, 6, 6}}});
  EXPECT_NE(e.find("too small"), std::string::npos) << e;
  EXPECT_NE(error_of("cnn", {{"conv", {4, 4, 4, 4, 4, 4}}}).find("too small"), std::string::npos);
}

}  // namespace
}  // namespace greenbench
