// One meter choice everywhere (docs/grids.md): `profile GRID.yaml` honours the grid's `meter:`
// unless --meter overrides it, as `run GRID.yaml` does. Against empty fake roots, where `rapl`
// cannot be read, so the choice shows in the exit code.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

TEST(CliMeterChoice, ProfileHonoursTheGridsMeterUnlessOverridden) {
  const std::string dir = testing::temp_dir_make("gb_meter_choice");
  const std::map<std::string, std::string> env = {{"GREENBENCH_SYSFS_ROOT", dir},
                                                  {"GREENBENCH_DEV_ROOT", dir},
                                                  {"GREENBENCH_NVML_LIBRARY", dir + "/none.so"}};
  const std::string grid = dir + "/tiny.yaml";
  std::ofstream(grid) << "name: tiny\nmeter: rapl\nidle_baseline_s: 0\npause_s: 0\n"
                         "defaults: {dataset: synthetic, epochs: 1, train_samples: 256,"
                         " test_samples: 64, batch_size: 32}\n"
                         "experiments:\n  - workload: mlp\n    grid:\n      hidden: [[16]]\n";
  // The grid says rapl, which cannot be read here: exit 2 naming it, as `run` does.
  auto profiled = testing::cli_run({"profile", grid, "--json"}, env);
  EXPECT_EQ(profiled.exit_code, 2) << profiled.err;
  EXPECT_NE(profiled.err.find("rapl"), std::string::npos) << profiled.err;
  auto ran = testing::cli_run({"run", grid, "--out", dir + "/res"}, env);
  EXPECT_EQ(ran.exit_code, 2) << ran.err;
  EXPECT_NE(ran.err.find("rapl"), std::string::npos) << ran.err;
  // --meter overrides the grid.
  auto overridden = testing::cli_run({"profile", grid, "--meter", "estimate", "--json"}, env);
  ASSERT_EQ(overridden.exit_code, 0) << overridden.err;
  EXPECT_EQ(nlohmann::json::parse(overridden.out)["meter_source"], "estimate");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace greenbench
