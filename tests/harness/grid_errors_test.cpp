// Golden error texts of bad grid files: each tests/harness/grids/bad_*.yaml must fail with
// exactly the message in the .expected file beside it (FILE:LINE:COL: what; expected ...),
// in-process and through the CLI (exit 2, nothing written). Also did_you_mean itself.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "files.hpp"
#include "greenbench/errors.hpp"
#include "grid_expand.hpp"
#include "grid_file.hpp"
#include "run_cli.hpp"
#include "set_args.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;
using testing::slurp;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<fs::path> bad_grids() {
  std::vector<fs::path> out;
  for (const auto& e :
       fs::directory_iterator(std::string(GREENBENCH_SOURCE_DIR) + "/tests/harness/grids"))
    if (e.path().extension() == ".yaml" && e.path().filename().string().rfind("bad_", 0) == 0)
      out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(GridErrors, EachBadFileGivesItsGoldenMessage) {
  const auto files = bad_grids();
  ASSERT_GE(files.size(), 15u);
  for (const auto& path : files) {
    SCOPED_TRACE(path.filename().string());
    fs::path expected_path = path;
    expected_path.replace_extension(".expected");
    ASSERT_TRUE(fs::exists(expected_path));
    const std::string expected = trimmed(slurp(expected_path));
    try {
      GridExpandOptions o;
      o.check_memory = false;
      grid_expand(grid_file_parse(slurp(path), path.filename().string()), o);
      ADD_FAILURE() << "no error";
    } catch (const InputError& e) {
      EXPECT_EQ(std::string(e.what()), expected);
    }
  }
}

TEST(GridErrors, CliExitsTwoWithTheMessageAndWritesNothing) {
  const std::string dir = testing::temp_dir_make("gb_grid_err");
  for (const auto& path : bad_grids()) {
    SCOPED_TRACE(path.filename().string());
    auto r = testing::cli_run({"run", path.string(), "--out", dir + "/res", "--meter", "estimate"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    const std::string line = trimmed(slurp(fs::path(path).replace_extension(".expected")));
    // The CLI names the file as given: the full path here.
    const std::string want = path.string() + line.substr(path.filename().string().size());
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err << "\nwant: " << want;
    EXPECT_FALSE(fs::exists(dir + "/res"));
  }
  fs::remove_all(dir);
}

TEST(GridErrors, DidYouMeanPicksTheClosestKey) {
  const std::vector<std::string> keys = {"batch_size", "epochs", "hidden", "learning_rate",
                                         "repeats"};
  EXPECT_EQ(did_you_mean("hiden", keys), "hidden");
  EXPECT_EQ(did_you_mean("repeat", keys), "repeats");
  EXPECT_EQ(did_you_mean("batchsize", keys), "batch_size");
  EXPECT_EQ(did_you_mean("Epochs", keys), "epochs");
  EXPECT_EQ(did_you_mean("learning_rat", keys), "learning_rate");
  EXPECT_EQ(did_you_mean("colour", keys), "");
  EXPECT_EQ(did_you_mean("mpl", {"mlp", "cnn"}), "mlp");  // a transposition is one edit
  EXPECT_EQ(did_you_mean("rnn", {"mlp", "cnn"}), "cnn");
  EXPECT_EQ(did_you_mean("vgg", {"mlp", "cnn"}), "");
  EXPECT_EQ(did_you_mean("", keys), "");
}

TEST(GridErrors, Utf8IsCheckedByteByByte) {
  EXPECT_EQ(utf8_invalid_at("plain ascii"), std::string::npos);
  EXPECT_EQ(utf8_invalid_at("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            std::string::npos);                        // é € 😀
  EXPECT_EQ(utf8_invalid_at("ab\xfe"), 2u);            // never valid
  EXPECT_EQ(utf8_invalid_at("a\xc3"), 1u);             // truncated
  EXPECT_EQ(utf8_invalid_at("a\xc0\xaf"), 1u);         // overlong '/'
  EXPECT_EQ(utf8_invalid_at("\xed\xa0\x80"), 0u);      // a surrogate
  EXPECT_EQ(utf8_invalid_at("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(utf8_invalid_at("\xe2\x28\xa1"), 0u);      // bad continuation
}

}  // namespace
}  // namespace greenbench
