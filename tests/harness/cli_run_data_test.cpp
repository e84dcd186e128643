// Bad data is found before any work (docs/workloads.md): a truncated
// train-images-idx3-ubyte.gz is exit 2 naming the file, before the idle baseline, and no
// results folder is written. The files are built here: small IDX files, gzipped, one cut short.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "run_cli.hpp"

namespace greenbench {
namespace {

namespace fs = std::filesystem;

void be32(std::ofstream& out, uint32_t v) {
  const char b[4] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
  out.write(b, 4);
}

// <dir>/<prefix>-images-idx3-ubyte.gz and -labels-idx1-ubyte.gz with n 28x28 images.
void idx_split_write(const std::string& dir, const std::string& prefix, uint32_t n) {
  const std::string images = dir + "/" + prefix + "-images-idx3-ubyte";
  const std::string labels = dir + "/" + prefix + "-labels-idx1-ubyte";
  {
    std::ofstream out(images, std::ios::binary);
    be32(out, 0x803);
    be32(out, n);
    be32(out, 28);
    be32(out, 28);
    for (uint32_t i = 0; i < n * 28 * 28; ++i) out.put(char((i * 7919u) >> 3));
  }
  {
    std::ofstream out(labels, std::ios::binary);
    be32(out, 0x801);
    be32(out, n);
    for (uint32_t i = 0; i < n; ++i) out.put(char(i % 10));
  }
  ASSERT_EQ(std::system(("gzip -f " + images + " " + labels).c_str()), 0);
}

TEST(CliRunData, TruncatedGzipImagesAreExit2BeforeTheIdleBaseline) {
  const std::string dir = testing::temp_dir_make("gb_idx_trunc");
  idx_split_write(dir, "train", 600);
  idx_split_write(dir, "t10k", 100);
  const std::string gz = dir + "/train-images-idx3-ubyte.gz";
  const auto full = fs::file_size(gz);
  fs::resize_file(gz, full / 2);  // cut mid-stream: the gzip trailer is gone
  const std::string out = dir + "/res";
  const auto t0 = std::chrono::steady_clock::now();
  auto r = testing::cli_run({"run", "--workload", "mlp", "--out", out, "--idle-baseline-s", "5",
                             "--meter", "estimate", "--set", "dataset=fashion-mnist", "--set",
                             "data_dir=" + dir, "--set", "hidden=[16]", "--set", "epochs=1"});
  const double took_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("train-images-idx3-ubyte.gz"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("idle power"), std::string::npos) << r.err;  // no baseline measured
  EXPECT_LT(took_s, 4.0);                                           // the 5 s baseline never ran
  EXPECT_FALSE(fs::exists(out + "/runs.jsonl"));
  // The same files whole: the run goes through (so the failure above is the truncation).
  idx_split_write(dir, "train", 600);
  auto whole =
      testing::cli_run({"run", "--workload", "mlp", "--out", out, "--idle-baseline-s", "0",
                        "--pause-s", "0", "--meter", "estimate", "--set", "dataset=fashion-mnist",
                        "--set", "data_dir=" + dir, "--set", "hidden=[16]", "--set", "epochs=1"});
  EXPECT_EQ(whole.exit_code, 0) << whole.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace greenbench
