// The estimator's sgemm list (CostBreakdown::gemms, read by analysis/gemm_times) against the
// sgemms the workloads really make: this binary defines cblas_sgemm itself, so the workloads'
// calls come here, are recorded while a test listens, and go on to OpenBLAS's (dlsym
// RTLD_NEXT). One training step and one inference step of each workload, at one thread, must
// make exactly the listed calls (vit and lm: the listed ones plus attention's, which the list
// leaves to the FLOP features). Also the table's cache and JSON round trip, and the timing
// against a formula.
#include <cblas.h>
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>

#include "estimate_features.hpp"
#include "gemm_times.hpp"
#include "greenbench/kernel_timing.hpp"
#include "workload_keys.hpp"

namespace {

using Sgemm = void (*)(CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint,
                       float, const float*, blasint, const float*, blasint, float, float*, blasint);

std::atomic<bool> g_listening{false};
std::mutex g_mutex;
std::map<std::string, int> g_heard;  // shape key -> calls

}  // namespace

extern "C" void cblas_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m,
                            blasint n, blasint k, float alpha, const float* a, blasint lda,
                            const float* b, blasint ldb, float beta, float* c, blasint ldc) {
  static const Sgemm real = reinterpret_cast<Sgemm>(dlsym(RTLD_NEXT, "cblas_sgemm"));
  if (g_listening.load()) {
    const greenbench::GemmShape g{ta == CblasTrans, tb == CblasTrans, m, n, k};
    std::lock_guard<std::mutex> lock(g_mutex);
    g_heard[g.key()]++;
  }
  real(order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

namespace greenbench::analysis {
namespace {

using greenbench::testing::cnn_scaled;

// What the list says a batch makes: shape key -> calls.
std::map<std::string, int> listed(const std::vector<GemmCall>& calls, std::int64_t batch,
                                  bool backward) {
  std::map<std::string, int> out;
  for (const auto& [shape, count] : gemm_calls_of_batch(calls, batch, backward))
    out[shape.key()] += int(count);
  return out;
}

std::map<std::string, int> heard_during(const std::function<void()>& step) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_heard.clear();
  }
  g_listening = true;
  step();
  g_listening = false;
  std::lock_guard<std::mutex> lock(g_mutex);
  return g_heard;
}

// Attention's sgemms (per batch and head): (T, T, head size) scores and (T, head size, T)
// products, so m is T and n or k is T too. Dense calls have m = rows or outputs.
bool attention_shape(const std::string& key, std::int64_t T) {
  long m = 0, n = 0, k = 0;
  std::sscanf(key.c_str() + 3, "%ldx%ldx%ld", &m, &n, &k);
  return m == T && (n == T || k == T);
}

struct Case {
  const char* name;  // the ctest name's suffix
  const char* workload;
  nlohmann::json keys;
  std::int64_t attention_T;  // 0: no attention
};

class GemmCalls : public ::testing::TestWithParam<Case> {};

TEST_P(GemmCalls, ListedCallsAreTheCallsMade) {
  const Case& k = GetParam();
  nlohmann::json in = k.keys;
  in["dataset"] = "synthetic", in["train_samples"] = 64, in["test_samples"] = 32;
  in["threads"] = 1;
  const int B = in.value("batch_size", 10), Bi = in.value("infer_batch_size", B);
  const auto config = workload_config_complete(k.workload, in);
  auto w = workload_make(k.workload, config);
  const CostBreakdown cost = w->cost_breakdown();
  ASSERT_TRUE(gemms_cover(cost)) << k.workload;
  w->bench_train_step();  // warm-up outside the listening window
  for (const bool train : {true, false}) {
    auto heard = heard_during([&] { train ? w->bench_train_step() : w->bench_infer_step(); });
    ASSERT_FALSE(heard.empty()) << "cblas_sgemm was not interposed: nothing heard";
    const auto want = listed(cost.gemms, train ? B : Bi, train);
    if (k.attention_T > 0)
      for (auto it = heard.begin(); it != heard.end();)
        it = !want.count(it->first) && attention_shape(it->first, k.attention_T) ? heard.erase(it)
                                                                                 : std::next(it);
    EXPECT_EQ(heard, want) << k.workload << " " << k.keys.dump() << (train ? " train" : " infer");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Workloads, GemmCalls,
    ::testing::Values(
        Case{"mlp", "mlp", {{"hidden", {32, 16}}, {"batch_size", 12}}, 0},
        Case{"cnn_custom",
             "cnn",
             {{"arch", "custom"}, {"conv", {4, 8}}, {"fc", {16}}, {"batch_size", 9}},
             0},
        // conv_pool chunks: a batch of 40 images of 28x28 is more than one chunk.
        Case{"cnn_custom_chunks",
             "cnn",
             {{"arch", "custom"},
              {"conv", {3}},
              {"fc", nlohmann::json::array()},
              {"batch_size", 40},
              {"infer_batch_size", 7}},
             0},
        Case{"cnn_lenet5", "cnn", {{"arch", "lenet5"}, {"batch_size", 6}}, 0},
        Case{"cnn_vgg", "cnn", cnn_scaled("vgg", 0.125, 1, {{"batch_size", 4}}), 0},
        Case{"cnn_resnet", "cnn", cnn_scaled("resnet", 0.125, 1, {{"batch_size", 4}}), 0},
        Case{"cnn_mobilenet", "cnn", cnn_scaled("mobilenet", 0.25, 1, {{"batch_size", 4}}), 0},
        Case{"vit",
             "vit",
             {{"dim", 16}, {"heads", 2}, {"depth", 1}, {"patch", 7}, {"batch_size", 5}},
             17},
        Case{"lm",
             "lm",
             {{"dim", 16}, {"heads", 2}, {"depth", 1}, {"context", 24}, {"batch_size", 3}},
             24}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(GemmTimes, MeasuresEachShapeOnceAndRoundTrips) {
  int measured = 0;
  GemmTimes t([&measured](const GemmShape& g) {
    measured++;
    return 1e-9 * double(g.m * g.n * g.k);
  });
  const GemmShape a{false, true, 16, 32, 784}, b{true, false, 32, 784, 16};
  EXPECT_DOUBLE_EQ(t.seconds(a), 1e-9 * 16 * 32 * 784);
  EXPECT_DOUBLE_EQ(t.seconds(a), 1e-9 * 16 * 32 * 784);
  t.seconds(b);
  EXPECT_EQ(measured, 2);
  EXPECT_EQ(a.key(), "NT 16x32x784");
  GemmTimes u([](const GemmShape&) -> double { throw std::runtime_error("not measured"); });
  u.merge_json(t.to_json());
  EXPECT_DOUBLE_EQ(u.seconds(b), t.seconds(b));
  EXPECT_EQ(u.size(), 2u);
  u.remeasure(3);  // merged entries have no shape to measure again: nothing is measured
}

TEST(GemmTimes, RemeasureKeepsEachShapesFastest) {
  // Measurements 5, 3, 4 s for shape a (first, then two sweeps): 3 is kept.
  std::vector<double> next = {5, 3, 4};
  std::size_t i = 0;
  GemmTimes t([&](const GemmShape&) { return next.at(i++); });
  const GemmShape a{false, false, 2, 2, 2};
  EXPECT_DOUBLE_EQ(t.seconds(a), 5);
  t.remeasure(2);
  EXPECT_EQ(i, 3u);
  EXPECT_DOUBLE_EQ(t.seconds(a), 3);
}

TEST(GemmTimes, PerBatchSecondsByHand) {
  // Per image 1 s a call; dense 'm' scaled; a chunk of up to 4 images 'n' scaled.
  GemmTimes t([](const GemmShape& g) { return double(g.m * g.n * g.k); });
  const std::vector<GemmCall> calls = {
      {false, false, false, 2, 3, 1, 0, 0},   // per image: 6 per image
      {false, false, true, 1, 5, 2, 'm', 0},  // dense rows: (B, 5, 2)
      {true, true, false, 1, 2, 1, 'n', 4},   // chunk: (1, 2 G, 1), G = min(4, B)
  };
  // Batch 10, forward only: 10 * 6 + 10 * 5 * 2 = 160.
  EXPECT_DOUBLE_EQ(gemm_seconds_per_batch(calls, 10, false, t), 160);
  // Backward too: chunks of 4, 4 and 2 images: 2 * (2 * 4) + 2 * 2 = 20.
  EXPECT_DOUBLE_EQ(gemm_seconds_per_batch(calls, 10, true, t), 180);
}

TEST(GemmTimes, MeasuredTimeGrowsWithTheWork) {
  // The real measurement: positive, and 64x more work takes longer (by at least 8x: a
  // 16^3 call is dominated by overhead, a 64^3 one is not).
  const double small = sgemm_seconds_measure(false, false, 16, 16, 16);
  const double big = sgemm_seconds_measure(false, false, 64, 64, 64);
  EXPECT_GT(small, 0);
  EXPECT_GT(big, small * 8) << small << " " << big;
}

}  // namespace
}  // namespace greenbench::analysis
