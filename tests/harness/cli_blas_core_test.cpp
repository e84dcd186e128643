// The choice of OpenBLAS kernels end to end (harness/cli/main.cpp): the real binary, started with
// an old core forced, re-executes itself onto the core the decision names for this CPU, shows
// it in `meter probe` and `bench --json`, and gives commands it starts the user's environment.
// Expectations come from the decision function on this CPU's real flags, so the tests hold on
// any x86-64 CPU (on an SSE3-only one there is nothing to change, and that is checked too).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "greenbench/blas_core.hpp"
#include "run_cli.hpp"

namespace greenbench::testing {
namespace {

bool dynamic_arch() {
  return blas_config().find("DYNAMIC_ARCH") != std::string::npos;
}

// What greenbench should run when OpenBLAS was told `user` and the mode is `mode`.
BlasCoreChoice expected(const std::string& user, const std::string& mode) {
  return blas_core_choose({cpu_features_read(), user, dynamic_arch(), user, mode});
}

nlohmann::json probe_blas(const std::map<std::string, std::string>& env) {
  const CliResult r = cli_run({"meter", "probe", "--json"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return nlohmann::json::parse(r.out).at("blas");
}

TEST(CliBlasCore, BestModeReexecutesOntoTheChosenCore) {
  const auto want = expected("Prescott", "best");
  const auto blas =
      probe_blas({{"OPENBLAS_CORETYPE", "Prescott"}, {"GREENBENCH_BLAS_CORE", "best"}});
  EXPECT_EQ(blas["core"], want.core) << blas.dump();
  if (want.action == BlasCoreAction::change) {
    EXPECT_EQ(blas["chosen_by"], "greenbench");
    EXPECT_NE(blas["note"].get<std::string>().find("checked against a reference sgemm"),
              std::string::npos)
        << blas.dump();
    EXPECT_NE(blas["note"].get<std::string>().find("was told to run Prescott"), std::string::npos);
  } else {
    EXPECT_EQ(blas["chosen_by"], "user");
  }
}

TEST(CliBlasCore, UsersCoretypeIsRespectedAndTheFasterCoreNamed) {
  const auto want = expected("Prescott", "");
  const auto blas = probe_blas({{"OPENBLAS_CORETYPE", "Prescott"}, {"GREENBENCH_BLAS_CORE", ""}});
  EXPECT_EQ(blas["core"], "Prescott");
  EXPECT_EQ(blas["chosen_by"], "user");
  EXPECT_EQ(blas["note"], want.why);
  // Commands that run BLAS say it on stderr, once.
  const CliResult r =
      cli_run({"bench", "--workload", "mlp", "--set", "hidden=[8]", "--set", "batch_size=4",
               "--set", "input_shape=[1,4,4]", "--steps", "1", "--json"},
              {{"OPENBLAS_CORETYPE", "Prescott"}, {"GREENBENCH_BLAS_CORE", ""}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["blas_core"], "Prescott");
  if (want.action == BlasCoreAction::advise)
    EXPECT_EQ(r.err, "greenbench: blas: " + want.why + "\n");
  else
    EXPECT_EQ(r.err, "");
  // --help runs nothing, so it says nothing about the kernels.
  const CliResult help = cli_run({"bench", "--help"},
                                 {{"OPENBLAS_CORETYPE", "Prescott"}, {"GREENBENCH_BLAS_CORE", ""}});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_EQ(help.err.find("greenbench: blas:"), std::string::npos) << help.err;
}

TEST(CliBlasCore, KeepModeKeepsOpenBlasOwnChoice) {
  const auto blas =
      probe_blas({{"OPENBLAS_CORETYPE", "Prescott"}, {"GREENBENCH_BLAS_CORE", "keep"}});
  EXPECT_EQ(blas["core"], "Prescott");
  EXPECT_EQ(blas["note"], "");
}

TEST(CliBlasCore, CommandsStartedGetTheUsersEnvironment) {
  // Whatever greenbench did with the kernels, a metered command sees OPENBLAS_CORETYPE as the
  // user left it and none of greenbench's guard variables.
  const std::string show =
      "echo "
      "\"[${OPENBLAS_CORETYPE-unset}][${GREENBENCH_BLAS_FROM-}${GREENBENCH_BLAS_USER_CORETYPE-}"
      "${GREENBENCH_BLAS_FAILED-}]\"";
  CliResult r = cli_run({"meter", "--source", "estimate", "--", "sh", "-c", show},
                        {{"OPENBLAS_CORETYPE", "Prescott"}, {"GREENBENCH_BLAS_CORE", "best"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[Prescott][]\n");
  r = cli_run({"meter", "--source", "estimate", "--", "sh", "-c", show},
              {{"OPENBLAS_CORETYPE", ""}, {"GREENBENCH_BLAS_CORE", ""}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[unset][]\n");
}

TEST(CliBlasCore, FallsBackWhenTheChangedCoreIsNotWhatOpenBlasRuns) {
  // The state of a re-execution (harness/cli/main.cpp's guard variables) onto a core OpenBLAS does
  // not know: it loads its own choice instead, so greenbench falls back to what it would have
  // run before the change (here the user's Prescott) and says why.
  const auto blas = probe_blas({{"GREENBENCH_BLAS_FROM", "Prescott"},
                                {"GREENBENCH_BLAS_USER_CORETYPE", "Prescott"},
                                {"OPENBLAS_CORETYPE", "NoSuchCore"},
                                {"GREENBENCH_BLAS_CORE", "best"}});
  EXPECT_EQ(blas["core"], "Prescott") << blas.dump();
  EXPECT_EQ(blas["chosen_by"], "user");
  const std::string note = blas["note"];
  EXPECT_NE(note.find("NoSuchCore kernels failed their check (OpenBLAS ran "), std::string::npos)
      << note;
  EXPECT_NE(note.find("greenbench runs Prescott"), std::string::npos) << note;
}

TEST(CliBlasCore, MetaJsonRecordsTheCoreInForce) {
  const std::string dir = temp_dir_make("gb_blas_meta"), out = dir + "/res";
  const CliResult r = cli_run(
      quick_run_args(out, {"mlp",
                           "0.1",
                           "0",
                           "estimate",
                           {"hidden=[8]", "train_samples=64", "test_samples=32", "epochs=1"}}),
      {{"OPENBLAS_CORETYPE", "Prescott"}, {"GREENBENCH_BLAS_CORE", "best"}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto meta = nlohmann::json::parse(std::ifstream(out + "/meta.json"));
  std::filesystem::remove_all(dir);
  const auto want = expected("Prescott", "best");
  EXPECT_EQ(meta.at("blas_core"), want.core);
  EXPECT_EQ(meta.at("openblas_coretype_env"), "Prescott");  // the user's, not greenbench's
  if (want.action == BlasCoreAction::change) {
    EXPECT_EQ(meta.at("blas_core_note"), want.why + " (checked against a reference sgemm)");
    const std::string line = "greenbench: blas: " + want.why;
    const auto at = r.err.find(line);
    EXPECT_NE(at, std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(line, at + 1), std::string::npos) << r.err;  // said once
  }
}

TEST(CliBlasCore, BadModeExitsTwo) {
  const CliResult r = cli_run({"bench", "--workload", "mlp"}, {{"GREENBENCH_BLAS_CORE", "fast"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("GREENBENCH_BLAS_CORE: expected best or keep, got 'fast'"),
            std::string::npos)
      << r.err;
}

TEST(CliBlasCore, BenchReportsTheRoof) {
  const CliResult r = cli_run({"bench", "--workload", "mlp", "--set", "hidden=[64]", "--set",
                               "batch_size=32", "--steps", "3", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const double roof = j.at("roof_gflops").get<double>();
  EXPECT_GT(roof, 1.0);  // even SSE kernels on one thread do several GFLOP/s at n = 1024
  EXPECT_NEAR(j.at("train_roof_fraction").get<double>(), j.at("train_gflops").get<double>() / roof,
              1e-12);
  EXPECT_NEAR(j.at("infer_roof_fraction").get<double>(), j.at("infer_gflops").get<double>() / roof,
              1e-12);
  EXPECT_EQ(j.at("blas_core").get<std::string>().empty(), false);
  // The text form says the same fractions.
  const CliResult t = cli_run({"bench", "--workload", "mlp", "--set", "hidden=[64]", "--set",
                               "batch_size=32", "--steps", "3"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("% of roof"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("roof: "), std::string::npos) << t.out;
}

}  // namespace
}  // namespace greenbench::testing
