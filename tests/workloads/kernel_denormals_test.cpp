// kernels/denormals.hpp: after threads_set, the calling thread and the kernels' pool workers
// treat denormal inputs as zero and flush denormal results to zero; normal numbers are
// untouched. (Why: a denormal-heavy Adam run trained 40% slower; docs/workloads.md.)
#include <gtest/gtest.h>

#include <vector>

#include "kernels/parallel.hpp"
#include "kernels/threads.hpp"

namespace greenbench::kernels {
namespace {

// 1e-39 is denormal in fp32 (below 1.17549435e-38); volatile keeps the compiler from folding.
float product(float a, float b) {
  volatile float x = a, y = b;
  return x * y;
}

TEST(Denormals, FlushedOnTheCallerAndOnPoolWorkers) {
#if defined(__SSE__) || defined(__x86_64__)
  threads_set(1);
  EXPECT_EQ(product(1e-39f, 1.0f), 0.0f);            // denormal input read as zero (DAZ)
  EXPECT_EQ(product(1e-20f, 1e-20f), 0.0f);          // denormal result flushed (FTZ)
  EXPECT_FLOAT_EQ(product(1e-18f, 1e-18f), 1e-36f);  // still normal: untouched
  std::vector<float> got(6, -1.0f);
  parallel_for(3, 6, [&](int task, int) { got[std::size_t(task)] = product(1e-39f, 1.0f); });
  for (float g : got) EXPECT_EQ(g, 0.0f);
#else
  GTEST_SKIP() << "flushing is x86 only";
#endif
}

}  // namespace
}  // namespace greenbench::kernels
