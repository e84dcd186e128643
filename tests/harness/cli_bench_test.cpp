// `greenbench bench` end to end: the JSON keys of docs/commands.md on a tiny model, YAML --set
// values, and exit 2 for bad keys. Not a performance test (bench/compare.sh).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace greenbench::testing {
namespace {

TEST(CliBench, JsonHasTheSpecKeys) {
  const CliResult r =
      cli_run({"bench", "--workload", "mlp", "--set", "hidden=[16, 8]", "--set", "batch_size=8",
               "--set", "input_shape=[1,8,8]", "--steps", "3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"workload", "params", "macs_per_sample", "batch_size", "threads",
                          "train_step_ms", "infer_step_ms", "train_gflops", "infer_gflops"})
    EXPECT_TRUE(j.contains(key)) << key << " in " << r.out;
  EXPECT_EQ(j["workload"], "mlp");
  EXPECT_EQ(j["params"], 64 * 16 + 16 + 16 * 8 + 8 + 8 * 10 + 10);
  EXPECT_EQ(j["macs_per_sample"], 64 * 16 + 16 * 8 + 8 * 10);
  EXPECT_EQ(j["batch_size"], 8);
  EXPECT_EQ(j["threads"], 1);
  EXPECT_GT(j["train_step_ms"].get<double>(), 0);
  EXPECT_GT(j["infer_gflops"].get<double>(), 0);
  // Peak RSS covers at least the model arena it reports.
  EXPECT_GE(j["peak_rss_bytes"].get<int64_t>(), j["memory_bytes"].get<int64_t>());
}

TEST(CliBench, BadKeysExitTwoNamingTheKey) {
  CliResult r = cli_run({"bench", "--workload", "mlp", "--set", "hidden=[0]"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("hidden: expected a non-empty list of positive integers, got [0]"),
            std::string::npos)
      << r.err;
  r = cli_run({"bench", "--workload", "cnn", "--set", "arch=resnet", "--set", "conv=[8]"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("conv: does not apply to arch resnet"), std::string::npos) << r.err;
  r = cli_run({"bench", "--workload", "transformer"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown name 'transformer'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace greenbench::testing
