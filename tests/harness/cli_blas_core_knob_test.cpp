// The blas_core knob end to end (docs/knobs.md, "blas_core"): a grid asking for two OpenBLAS
// kernel sets runs each run under the kernel set it asked for — the one in force in the process
// started, the other in a child greenbench — in one results folder, and each row records the
// kernel set OpenBLAS reported while it ran. A name greenbench does not know is exit 2 before
// any work.
#include <gtest/gtest.h>
#include <strings.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "files.hpp"
#include "greenbench/blas_core.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

std::string grid_text(const std::string& cores) {
  return "name: blas\nmeter: estimate\nidle_baseline_s: 0\npause_s: 0\nexperiments:\n"
         "  - workload: mlp\n    set: {dataset: synthetic, hidden: [16], train_samples: 500, "
         "test_samples: 100, epochs: 1}\n    grid:\n      blas_core: " +
         cores + "\n";
}

TEST(CliBlasCoreKnob, EachRunRunsTheKernelSetItAskedFor) {
  if (blas_config().find("DYNAMIC_ARCH") == std::string::npos ||
      blas_core_best(cpu_features_read()).empty())
    GTEST_SKIP() << "needs an x86-64 OpenBLAS built with DYNAMIC_ARCH";
  testing::TempFolder f("gb_blas_knob");
  const std::string out = f.dir + "/res";
  // GREENBENCH_BLAS_CORE=keep and no OPENBLAS_CORETYPE: the first process keeps OpenBLAS's own
  // choice, so at least one of Prescott and Sandybridge runs in a child.
  auto r = testing::cli_run(
      {"run", f.write("g.yaml", grid_text("[Prescott, Sandybridge]")), "--out", out},
      {{"GREENBENCH_BLAS_CORE", "keep"},
       {"OPENBLAS_CORETYPE", ""},
       {"GREENBENCH_STATE_DIR", f.dir}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("in a child greenbench"), std::string::npos) << r.err;
  const auto rows = testing::jsonl_of(out + "/runs.jsonl");
  ASSERT_EQ(rows.size(), 2u);
  for (const auto& row : rows) {
    EXPECT_EQ(row["status"], "ok");
    const std::string asked = row["blas_core"], ran = row["knobs"]["blas_core"];
    EXPECT_EQ(strcasecmp(asked.c_str(), ran.c_str()), 0) << row.dump();
  }
}

TEST(CliBlasCoreKnob, UnknownKernelSetIsExitTwoBeforeAnyWork) {
  testing::TempFolder f("gb_blas_knob");
  auto r =
      testing::cli_run({"run", f.write("g.yaml", grid_text("[Nehalem2]")), "--out", f.dir + "/res"},
                       {{"GREENBENCH_STATE_DIR", f.dir}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("Nehalem2"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(f.dir + "/res"));
}

}  // namespace
}  // namespace greenbench
