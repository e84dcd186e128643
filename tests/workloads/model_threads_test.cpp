// Workload::threads_set (include/greenbench/workload.hpp): the thread budget changes between
// steps and stays for the next epochs, OpenBLAS's share included and never above the budget; a
// value above what the workload was built for is refused. What in-run adaptation of `threads`
// (docs/grids.md, "adapt") stands on.
#include <cblas.h>
#include <gtest/gtest.h>

#include <stdexcept>

#include "model_test_util.hpp"

extern "C" int openblas_get_num_threads(void);

namespace greenbench {
namespace {

class ThreadsAtStep final : public testing::RecordingObserver {
 public:
  explicit ThreadsAtStep(Workload& w) : w_(w) {}
  bool step_end(std::int64_t step) override {
    if (step == 2) w_.threads_set(1);  // between two steps of the same phase
    blas_threads.push_back(openblas_get_num_threads());
    return RecordingObserver::step_end(step);
  }
  std::vector<int> blas_threads;  // OpenBLAS's threads after each step

 private:
  Workload& w_;
};

TEST(ModelThreads, MlpGivesOpenBlasTheBudgetAndKeepsAChangeForLaterEpochs) {
  const auto config = workload_config_complete("mlp", {{"dataset", "synthetic"},
                                                       {"hidden", nlohmann::json::array({16})},
                                                       {"train_samples", 128},
                                                       {"test_samples", 32},
                                                       {"batch_size", 32},
                                                       {"threads", 2}});
  auto w = workload_make("mlp", config);
  EXPECT_EQ(w->threads(), 2);
  ThreadsAtStep obs(*w);
  w->train_epoch(1, obs);
  ASSERT_EQ(obs.blas_threads.size(), 4u);
  EXPECT_EQ(obs.blas_threads[0], 2);  // a dense-only net gives OpenBLAS all of them
  EXPECT_EQ(obs.blas_threads[2], 1);  // changed after step 2
  EXPECT_EQ(w->threads(), 1);
  testing::RecordingObserver plain;
  w->train_epoch(2, plain);  // the next epoch keeps the change
  EXPECT_EQ(openblas_get_num_threads(), 1);
  w->threads_set(2);
  w->infer(plain);
  EXPECT_EQ(openblas_get_num_threads(), 2);
  EXPECT_THROW(w->threads_set(3), std::invalid_argument);  // above the budget it was built for
  EXPECT_THROW(w->threads_set(0), std::invalid_argument);
  EXPECT_EQ(w->threads(), 2);
}

TEST(ModelThreads, CnnKeepsOpenBlasAtOneWhileItsWorkersTakeTheBudget) {
  const auto config = workload_config_complete("cnn", {{"dataset", "synthetic"},
                                                       {"train_samples", 64},
                                                       {"test_samples", 16},
                                                       {"batch_size", 16},
                                                       {"threads", 2}});
  auto w = workload_make("cnn", config);
  testing::RecordingObserver obs;
  w->threads_set(1);
  w->train_epoch(1, obs);
  EXPECT_EQ(w->threads(), 1);
  EXPECT_EQ(openblas_get_num_threads(), 1);
  w->threads_set(2);
  w->train_epoch(2, obs);
  EXPECT_EQ(w->threads(), 2);
  EXPECT_EQ(openblas_get_num_threads(), 1);  // never 2 x 2 threads
}

}  // namespace
}  // namespace greenbench
