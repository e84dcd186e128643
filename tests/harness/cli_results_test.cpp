// End-to-end tests of the results folder through the real binary (results/README.md): two
// writers started together on one folder (one works, the other is exit 2 naming the holder,
// the folder reads cleanly); every malformed folder gets the same answer, exit 2 with
// file:line, from analyze, report, merge and estimate fit (the one reader) and nothing is
// written; links planted in a folder are refused; output paths are checked before the work;
// a full disk does not make analyze or report advise --resume.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "files.hpp"
#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::lines_of;
using testing::slurp;

std::vector<std::string> tiny_args(const std::string& out, const std::string& idle_s) {
  return testing::quick_run_args(
      out, {"mlp", idle_s, "0", "estimate", {"train_samples=200", "test_samples=100", "epochs=1"}});
}

// The "greenbench: error: ..." line of a command's stderr.
std::string error_line(const std::string& err) {
  const size_t at = err.find("greenbench: error: ");
  if (at == std::string::npos) return "(no error line) " + err;
  return err.substr(at, err.find('\n', at) - at);
}

class CliResults : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = testing::temp_dir_make("gb_results_cli");
    auto r = testing::cli_run(tiny_args(root_ + "/base", "0"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    run_id_ = testing::jsonl_of(root_ + "/base/runs.jsonl").at(0)["run_id"].get<std::string>();
  }
  static void TearDownTestSuite() { fs::remove_all(root_); }
  // A copy of the base folder.
  std::string copy(const std::string& name) {
    const std::string dir = root_ + "/" + name;
    fs::remove_all(dir);
    fs::copy(root_ + "/base", dir, fs::copy_options::recursive);
    return dir;
  }
  static std::string root_, run_id_;
};
std::string CliResults::root_, CliResults::run_id_;

// Issue 13 item 6: two `greenbench run --out DIR` started together.
TEST_F(CliResults, TwoWritersStartedTogetherOneWorksTheOtherIsRefused) {
  const std::string out = root_ + "/together";
  // An idle baseline of 1 s keeps the first writer in the folder while the second starts.
  const int a = testing::cli_spawn(tiny_args(out, "1"), {}, root_ + "/a.out", root_ + "/a.err");
  const int b = testing::cli_spawn(tiny_args(out, "1"), {}, root_ + "/b.out", root_ + "/b.err");
  const int code_a = testing::cli_wait(a), code_b = testing::cli_wait(b);
  const std::string err_a = slurp(root_ + "/a.err"), err_b = slurp(root_ + "/b.err");
  ASSERT_EQ(std::min(code_a, code_b), 0) << err_a << err_b;
  ASSERT_EQ(std::max(code_a, code_b), 2) << err_a << err_b;
  const int winner = code_a == 0 ? a : b;
  const std::string& loser_err = code_a == 0 ? err_b : err_a;
  EXPECT_NE(loser_err.find("the results folder is in use by another writer: pid " +
                           std::to_string(winner) + " on host "),
            std::string::npos)
      << loser_err;
  EXPECT_EQ(loser_err.find("idle power"), std::string::npos) << "the loser did work: " << loser_err;
  // The folder reads cleanly: one header, one run.
  EXPECT_EQ(lines_of(out + "/runs.csv").size(), 2u);
  EXPECT_EQ(lines_of(out + "/epochs.csv").size(), 3u);  // header, train, infer
  auto r = testing::cli_run({"analyze", out});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// Issue 18's last "Done when": the same answer from the four readers, exit 2 with file:line.
TEST_F(CliResults, EveryMalformedFolderGetsTheSameAnswerFromTheFourReaders) {
  auto append = [](const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::app) << text;
  };
  auto meta_set = [](const std::string& dir, const nlohmann::json& v) {
    auto meta = nlohmann::json::parse(std::ifstream(dir + "/meta.json"));
    meta["schema_version"] = v;
    std::ofstream(dir + "/meta.json") << meta.dump(2) << "\n";
  };
  struct Case {
    std::string name, expect;  // `expect`: in the error line, after the folder's path
    std::function<void(const std::string&)> damage;
  };
  const std::string id = run_id_;
  const std::vector<Case> cases = {
      {"bad_json",
       "/runs.jsonl:2:", [&](auto d) { append(d + "/runs.jsonl", "{\"run_id\": oops}\n"); }},
      {"run_id_number", "/runs.jsonl:2:1: run_id 7 is not a valid run id",
       [&](auto d) {
         append(d + "/runs.jsonl", R"({"run_id":7,"status":"ok"})"
                                   "\n");
       }},
      {"status_list", "/runs.jsonl:2:1: field status is [1]; expected text",
       [&](auto d) {
         append(d + "/runs.jsonl", R"({"run_id":"z-r0","status":[1]})"
                                   "\n");
       }},
      {"traversal", "/runs.jsonl:2:1: run_id \"../../../../tmp/p/secret\" is not a valid run id",
       [&](auto d) {
         append(d + "/runs.jsonl",
                R"({"run_id":"../../../../tmp/p/secret","status":"ok","energy_j":1e9})"
                "\n");
       }},
      {"schema_999", "/meta.json:", [&](auto d) { meta_set(d, 999); }},
      {"schema_abc", "/meta.json:", [&](auto d) { meta_set(d, "abc"); }},
      {"schema_null", "/meta.json:", [&](auto d) { meta_set(d, nullptr); }},
      {"runs_jsonl_dir", "/runs.jsonl: is a folder, not a file",
       [&](auto d) {
         fs::remove(d + "/runs.jsonl");
         fs::create_directory(d + "/runs.jsonl");
       }},
      {"runs_csv_link", "/runs.csv: is a symbolic link",
       [&](auto d) {
         fs::rename(d + "/runs.csv", d + ".runs.csv");
         fs::create_symlink(d + ".runs.csv", d + "/runs.csv");
       }},
      {"trace_link", "/traces/x.csv: is a symbolic link",
       [&](auto d) { fs::create_symlink(d + "/meta.json", d + "/traces/x.csv"); }},
      {"epochs_number", "/epochs.csv:4:",
       [&](auto d) { append(d + "/epochs.csv", id + ",1,train,1,12x,10,0.5,0.5,0\n"); }},
      {"csv_quote", "/runs.csv:3:", [&](auto d) { append(d + "/runs.csv", id + ",\"a\"b\n"); }},
      {"short_row", "/runs.csv:3:1: 2 cells",
       [&](auto d) { append(d + "/runs.csv", id + ",ok\n"); }},
      {"no_meta", ": not a results folder: it has no meta.json",
       [&](auto d) { fs::remove(d + "/meta.json"); }},
  };
  const std::string scratch = root_ + "/scratch";
  fs::create_directories(scratch);
  for (const auto& c : cases) {
    const std::string dir = copy("bad_" + c.name);
    c.damage(dir);
    const std::string report = scratch + "/" + c.name + ".html",
                      merged = scratch + "/" + c.name + ".merged",
                      model = scratch + "/" + c.name + ".model.json";
    const std::vector<testing::CliResult> rs = {
        testing::cli_run({"analyze", dir}),
        testing::cli_run({"report", dir, "-o", report}),
        testing::cli_run({"merge", dir, "-o", merged}),
        testing::cli_run({"estimate", "fit", dir, "-o", model}),
    };
    const std::string first = error_line(rs[0].err);
    EXPECT_NE(first.find(dir + c.expect), std::string::npos) << c.name << ": " << first;
    for (const auto& r : rs) {
      EXPECT_EQ(r.exit_code, 2) << c.name << ": " << r.err;
      EXPECT_EQ(error_line(r.err), first) << c.name;
    }
    EXPECT_FALSE(fs::exists(report)) << c.name;
    EXPECT_FALSE(fs::exists(merged)) << c.name;
    EXPECT_FALSE(fs::exists(model)) << c.name;
    EXPECT_FALSE(fs::exists(dir + "/analysis.json")) << c.name;
  }
}

// A torn last line is what a crash leaves: every reader drops it with a note and goes on.
TEST_F(CliResults, ATornLastLineIsDroppedWithANoteByEveryReader) {
  const std::string dir = copy("torn");
  std::ofstream(dir + "/runs.jsonl", std::ios::app) << "{\"run_id\":\"half";
  const std::string note = dir + "/runs.jsonl:2: dropped a half-written last line";
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"analyze", dir},
                                             {"report", dir, "-o", root_ + "/torn.html"},
                                             {"merge", dir, "-o", root_ + "/torn.merged"}}) {
    auto r = testing::cli_run(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(note), std::string::npos) << args[0] << ": " << r.err;
  }
  // estimate fit reads it too (and then needs more runs than one).
  auto r = testing::cli_run({"estimate", "fit", dir, "-o", root_ + "/torn.json"});
  EXPECT_NE(r.err.find(note), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("found 1 finished runs"), std::string::npos) << r.err;
}

// Issue 18 item 2: `run` never writes through a link planted in its folder.
TEST_F(CliResults, RunRefusesALinkPlantedInItsFolder) {
  const std::string out = root_ + "/planted", target = root_ + "/victim";
  std::ofstream(target) << "precious\n";
  fs::create_directories(out + "/traces");
  fs::create_symlink(target, out + "/traces/0000000000000000-r0.csv");
  auto r = testing::cli_run(tiny_args(out, "0"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(out + "/traces/0000000000000000-r0.csv: is a symbolic link"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(slurp(target), "precious\n");
  fs::remove_all(out);
  fs::create_directories(out);
  fs::create_symlink(target, out + "/epochs.csv");
  r = testing::cli_run(tiny_args(out, "0"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(out + "/epochs.csv: is a symbolic link"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(target), "precious\n");
}

// Issue 18 item 5: a stray runs.csv (no runs.jsonl) is refused, not appended to.
TEST_F(CliResults, RunRefusesAFolderWhoseFilesAreNotTheWriters) {
  const std::string out = root_ + "/stray";
  fs::create_directories(out);
  std::ofstream(out + "/runs.csv") << "X\n";
  for (bool resume : {false, true}) {
    auto args = tiny_args(out, "0");
    if (resume) args.push_back("--resume");
    auto r = testing::cli_run(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("holds runs.csv but no runs.jsonl"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("choose another --out folder"), std::string::npos) << r.err;
  }
  EXPECT_EQ(slurp(out + "/runs.csv"), "X\n");
}

// Issue 18 item 8: `run --resume` over a row of the wrong type is exit 2 with file:line.
TEST_F(CliResults, ResumeRefusesANonStringRunId) {
  const std::string dir = copy("resume_bad");
  std::ofstream(dir + "/runs.jsonl", std::ios::app) << R"({"run_id":{"a":1},"status":"ok"})"
                                                    << "\n";
  auto args = tiny_args(dir, "0");
  args.push_back("--resume");
  auto r = testing::cli_run(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(dir + "/runs.jsonl:2:1: run_id {\"a\":1} is not a valid run id"),
            std::string::npos)
      << r.err;
}

// Issue 18 item 9: output paths are checked before the work.
TEST_F(CliResults, OutputPathsAreCheckedBeforeTheWork) {
  const std::string taken = root_ + "/taken";
  fs::create_directories(taken);
  auto r = testing::cli_run({"report", root_ + "/base", "-o", taken});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("-o names a folder"), std::string::npos) << r.err;
  r = testing::cli_run({"estimate", "fit", root_ + "/base", "-o", taken});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("-o names a folder"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("timing"), std::string::npos) << "estimate fit did work first: " << r.err;
  EXPECT_FALSE(fs::exists(taken + ".tmp"));
  EXPECT_TRUE(fs::is_empty(taken));
  // merge -o a link to an empty folder: the merged folder goes there.
  const std::string empty = root_ + "/empty_target", link = root_ + "/link_to_empty";
  fs::create_directories(empty);
  fs::create_symlink(empty, link);
  r = testing::cli_run({"merge", root_ + "/base", "-o", link});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(slurp(empty + "/runs.jsonl"), slurp(root_ + "/base/runs.jsonl"));
  // ... and a link to a folder that is not empty is refused.
  r = testing::cli_run({"merge", root_ + "/base", "-o", link});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

// Issue 18 item 9: analyze and report have no --resume to advise on a full disk.
TEST_F(CliResults, AFullDiskDoesNotMakeAnalyzeOrReportAdviseResume) {
  const std::string dir = copy("full");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"analyze", dir}, {"report", dir, "-o", root_ + "/full.html"}}) {
    const int code = testing::cli_run_file_limit(args, 200, root_ + "/full.err");
    const std::string err = slurp(root_ + "/full.err");
    EXPECT_EQ(code, 1) << args[0] << ": " << err;
    EXPECT_NE(err.find("File too large"), std::string::npos) << args[0] << ": " << err;
    EXPECT_EQ(err.find("--resume"), std::string::npos) << args[0] << ": " << err;
  }
  EXPECT_FALSE(fs::exists(dir + "/analysis.json.tmp"));
  EXPECT_FALSE(fs::exists(root_ + "/full.html"));
}

}  // namespace
}  // namespace greenbench
