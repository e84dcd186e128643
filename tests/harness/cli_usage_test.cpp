// Mistyped commands, flags and choices name the nearest known one and are exit 2 before any work
// (docs/commands.md, "Exit codes", "Help, examples and did you mean"); -q and -v on every
// command ("Quiet and verbose"); bash completion from `greenbench completion bash` completes
// commands, flags, choices and paths ("Shell completion and the man page").
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::cli_run;
using testing::CliResult;

void expect_usage_error(const std::vector<std::string>& args, const std::string& said) {
  const CliResult r = cli_run(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(said), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(CliUsage, MistypedCommandsNameTheNearest) {
  expect_usage_error({"rnu", "configs/quick.yaml"},
                     "greenbench: error: 'rnu' is not a greenbench command; did you mean 'run'?");
  expect_usage_error({"anlyze", "results/x"}, "did you mean 'analyze'?");
  expect_usage_error({"estimate", "fitt", "results/x", "-o", "m.json"},
                     "'fitt' is not a greenbench estimate command; did you mean 'fit'?");
  expect_usage_error({"-q", "Report", "x"}, "did you mean 'report'?");
  // Nothing near: the commands are listed by --help, and no guess is made.
  const CliResult r = cli_run({"frobnicate"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'frobnicate' is not a greenbench command"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("greenbench --help lists the commands"), std::string::npos) << r.err;
}

TEST(CliUsage, MistypedFlagsNameTheNearestOfThatCommand) {
  expect_usage_error({"run", "configs/quick.yaml", "--dryrun"},
                     "unknown flag '--dryrun' for greenbench run; did you mean '--dry-run'?");
  expect_usage_error({"run", "--workload", "mlp", "--set", "a=1", "b=2", "--ot", "x"},
                     "unknown flag '--ot' for greenbench run; did you mean '--out'?");
  expect_usage_error({"analyze", "results/x", "--jsno"}, "did you mean '--json'?");
  expect_usage_error({"meter", "probe", "--jsn"},
                     "unknown flag '--jsn' for greenbench meter probe; did you mean '--json'?");
  expect_usage_error({"bench", "--workload=mlp", "--step", "3"}, "did you mean '--steps'?");
  // A flag of another command is not suggested here; one-letter flags get no guess.
  const CliResult r = cli_run({"bench", "--workload", "mlp", "-x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown flag '-x' for greenbench bench"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << r.err;
}

TEST(CliUsage, MistypedChoicesNameTheNearest) {
  expect_usage_error({"run", "--workload", "mlp", "--meter", "rapll"},
                     "greenbench run --meter: 'rapll' is not one of auto, rapl, perf, msr, nvml, "
                     "estimate; did you mean 'rapl'?");
  expect_usage_error({"meter", "--source=nvlm", "--", "true"}, "did you mean 'nvml'?");
}

TEST(CliUsage, AMistypedFlagWritesNothing) {
  testing::TempFolder tmp("greenbench-usage");
  const std::string out = tmp.dir + "/never";
  auto args = testing::quick_run_args(out, {});
  args.push_back("--resme");
  expect_usage_error(args, "did you mean '--resume'?");
  EXPECT_FALSE(fs::exists(out));
}

TEST(CliUsage, QuietSaysOnlyTheResultAndVerboseSaysMore) {
  testing::TempFolder tmp("greenbench-quiet");
  const testing::QuickRun tiny{"mlp",
                               "0",
                               "0",
                               "estimate",
                               {"train_samples=64", "test_samples=32", "epochs=1", "hidden=[8]"}};
  auto quiet = testing::quick_run_args(tmp.dir + "/q", tiny);
  quiet.push_back("-q");
  std::replace(quiet.begin(), quiet.end(), std::string("--out"), std::string("-o"));  // -o too
  const CliResult q = cli_run(quiet);
  ASSERT_EQ(q.exit_code, 0) << q.err;
  // The estimate meter's note and the per-run line are gone; the final line stays.
  std::istringstream lines(q.err);
  std::vector<std::string> said;
  for (std::string l; std::getline(lines, l);) said.push_back(l);
  ASSERT_EQ(said.size(), 1u) << q.err;
  EXPECT_EQ(said[0].rfind("greenbench run: 1 of 1 runs done, ", 0), 0u) << q.err;
  EXPECT_NE(said[0].find("results in " + tmp.dir + "/q"), std::string::npos) << q.err;
  EXPECT_EQ(testing::lines_of(tmp.dir + "/q/runs.csv").size(), 2u);  // the run still ran

  auto normal = testing::quick_run_args(tmp.dir + "/n", tiny);
  const CliResult n = cli_run(normal);
  ASSERT_EQ(n.exit_code, 0) << n.err;
  EXPECT_NE(n.err.find("[1/1] "), std::string::npos) << n.err;
  EXPECT_EQ(n.err.find("starting"), std::string::npos) << n.err;
  EXPECT_GT(n.err.size(), q.err.size());

  auto verbose = testing::quick_run_args(tmp.dir + "/v", tiny);
  verbose.insert(verbose.begin() + 1, "--verbose");
  const CliResult v = cli_run(verbose);
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.err.find("greenbench run: 1 runs into " + tmp.dir + "/v, meter estimate"),
            std::string::npos)
      << v.err;
  EXPECT_NE(v.err.find("[1/1] "), std::string::npos) << v.err;
  EXPECT_NE(v.err.find(": starting (expected "), std::string::npos) << v.err;
  EXPECT_NE(v.err.find("greenbench: blas: "), std::string::npos) << v.err;  // what was chosen

  // Both at once is bad usage, before any work.
  auto both = testing::quick_run_args(tmp.dir + "/b", tiny);
  both.insert(both.end(), {"-q", "-v"});
  expect_usage_error(both, "-q/--quiet and -v/--verbose: choose one");
  EXPECT_FALSE(fs::exists(tmp.dir + "/b"));
}

TEST(CliUsage, MeterTakesDashDashOut) {
  testing::TempFolder tmp("greenbench-meter-out");
  for (const char* flag : {"-o", "--out", "--output"}) {
    const std::string path = tmp.dir + "/m" + flag + ".json";
    const CliResult r = cli_run({"meter", "--source", "estimate", flag, path, "--", "true"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(testing::slurp(path))["source"], "estimate") << flag;
  }
}

TEST(CliUsage, QuietMeterKeepsItsResult) {
  const CliResult q = cli_run({"meter", "--source", "estimate", "-q", "--", "true"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.err.find("note:"), std::string::npos) << q.err;
  EXPECT_NE(q.err.find("greenbench meter: source estimate"), std::string::npos) << q.err;
  EXPECT_NE(q.err.find(" J "), std::string::npos) << q.err;
}

// Completion: sources the script in bash and asks it what completes the words given, as bash
// does on TAB; returns COMPREPLY sorted and space-joined.
class CliCompletion : public ::testing::Test {
 protected:
  void SetUp() override {
    const CliResult c = cli_run({"completion", "bash"});
    ASSERT_EQ(c.exit_code, 0) << c.err;
    script_ = dir_.write("greenbench.bash", c.out);
    dir_.write("quick.yaml", "x");
    dir_.write("other.yml", "x");
    dir_.write("notes.txt", "x");
    dir_.write("model.json", "x");
    fs::create_directory(dir_.dir + "/results");
  }
  std::string complete(const std::string& words) {
    const std::string sh = dir_.write(
        "t.sh", "export LC_ALL=C\nsource " + script_ + " || exit 9\ncd " + dir_.dir +
                    "\nCOMP_WORDS=(" + words +
                    ")\nCOMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                    "_greenbench\nprintf '%s\\n' \"${COMPREPLY[@]}\" | sort | paste -sd' '\n");
    std::string out;
    FILE* p = popen(("bash " + sh + " 2>&1").c_str(), "r");
    if (!p) return "popen failed";
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    EXPECT_EQ(pclose(p), 0) << out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }
  testing::TempFolder dir_{"greenbench-completion"};
  std::string script_;
};

TEST_F(CliCompletion, DashOWritesTheScriptMakingItsFolder) {
  const std::string path = dir_.dir + "/share/bash-completion/completions/greenbench";
  const CliResult r = cli_run({"completion", "bash", "-o", path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::slurp(path), testing::slurp(script_));
  const CliResult bad = cli_run({"completion", "bash", "-o", dir_.dir});  // a folder
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
}

// What TAB completes after the words typed (the cursor on the last word; '' an empty word),
// in the folder that CliCompletion::SetUp made.
struct Completion {
  const char* name;  // names the test
  const char* words;
  const char* want;  // COMPREPLY sorted and space-joined
};

const Completion kCompletions[] = {
    // Commands and subcommands.
    {"CommandPrefix", "greenbench r", "report run"},
    {"EstimateSubcommands", "greenbench estimate ''", "fit predict"},
    {"MeterSubcommand", "greenbench meter pr", "probe"},
    {"CommandAfterAGlobalFlag", "greenbench -q ana", "analyze"},
    // Flags of the command typed.
    {"RunFlag", "greenbench run --dr", "--dry-run"},
    {"RunFlagsAfterTheGrid", "greenbench run configs/quick.yaml --re", "--repeats --resume"},
    {"BenchFlagNotRuns", "greenbench bench --st", "--steps"},
    {"RunHasNoStepsFlag", "greenbench run --st", ""},
    {"EstimateFitFlags", "greenbench estimate fit -",
     "--features-csv --help --holdout --json --out --quiet --verbose -h -o -q -v"},
    // Choices of a flag.
    {"MeterChoices", "greenbench run --meter ''", "auto estimate msr nvml perf rapl"},
    {"SourceChoices", "greenbench meter --source r", "rapl"},
    {"WorkloadChoices", "greenbench bench --workload m", "mlp"},
    // Paths where a value is a path. A grid file: .yaml/.yml files and folders, not other files.
    {"GridFileOfRun", "greenbench run ''", "other.yml quick.yaml results"},
    {"GridFileOfProfile", "greenbench profile q", "quick.yaml"},
    // A folder: folders only.
    {"OutFolderOfRun", "greenbench run configs/quick.yaml -o ''", "results"},
    {"FolderOfAnalyze", "greenbench analyze ''", "results"},
    // The second positional of predict is the grid; the first the model.
    {"ModelOfPredict", "greenbench estimate predict ''", "model.json results"},
    {"GridOfPredict", "greenbench estimate predict model.json ''", "other.yml quick.yaml results"},
    // A value that is not a path completes nothing (the flag's value is skipped as a word).
    {"FilterValueIsNotAPath", "greenbench run --filter ''", ""},
    {"GridAfterTheFilterValue", "greenbench run --filter run ''", "other.yml quick.yaml results"},
};

class CliCompletes : public CliCompletion, public ::testing::WithParamInterface<Completion> {};

TEST_P(CliCompletes, WhatBashShowsOnTab) {
  EXPECT_EQ(complete(GetParam().words), GetParam().want) << GetParam().words;
}

INSTANTIATE_TEST_SUITE_P(Completion, CliCompletes, ::testing::ValuesIn(kCompletions),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(CliCompletion, TheMeteredCommandAfterDashes) {
  EXPECT_NE(complete("greenbench meter -- bas").find("bash"), std::string::npos);
}

}  // namespace
}  // namespace greenbench
