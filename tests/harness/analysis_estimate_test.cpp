// Tests of the estimator's parts (harness/estimate/estimate_*): NNLS against brute force over
// every active set and a hand-solved case, ridge against ordinary least squares, the
// architecture folds (no architecture on both sides), the op cost counts against hand counts
// and against the workload's own MAC and FLOP figures, and cache sizes from a fake sysfs.
// GCC 12 reports false -Wmaybe-uninitialized inside Eigen's AVX-512 packet code under
// -march=native (GCC bug 105593); the whole translation unit instantiates Eigen, so it is off here.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "estimate_model.hpp"
#include "gemm_times.hpp"
#include "run_cli.hpp"

namespace greenbench::analysis {
namespace {

// min ||Ax - b|| over x >= 0 by trying every support set (least squares on it, kept if >= 0).
Eigen::VectorXd nnls_brute(const Eigen::MatrixXd& A, const Eigen::VectorXd& b) {
  const int n = int(A.cols());
  Eigen::VectorXd best = Eigen::VectorXd::Zero(n);
  double best_r = b.squaredNorm();
  for (int mask = 1; mask < (1 << n); mask++) {
    std::vector<int> idx;
    for (int j = 0; j < n; j++)
      if (mask & (1 << j)) idx.push_back(j);
    Eigen::MatrixXd As(A.rows(), Eigen::Index(idx.size()));
    for (std::size_t k = 0; k < idx.size(); k++) As.col(Eigen::Index(k)) = A.col(idx[k]);
    const Eigen::VectorXd z = As.colPivHouseholderQr().solve(b);
    if ((z.array() < 0).any()) continue;
    Eigen::VectorXd x = Eigen::VectorXd::Zero(n);
    for (std::size_t k = 0; k < idx.size(); k++) x(idx[k]) = z(Eigen::Index(k));
    const double r = (A * x - b).squaredNorm();
    if (r < best_r - 1e-12) best_r = r, best = x;
  }
  return best;
}

TEST(Nnls, HandSolvedCase) {
  // A = I, b = (1, -2, 3): the unconstrained solution's negative entry is clamped to 0.
  const Eigen::MatrixXd A = Eigen::MatrixXd::Identity(3, 3);
  const Eigen::VectorXd x = nnls(A, Eigen::Vector3d(1, -2, 3));
  EXPECT_NEAR(x(0), 1, 1e-12);
  EXPECT_NEAR(x(1), 0, 1e-12);
  EXPECT_NEAR(x(2), 3, 1e-12);
  // Two collinear-ish columns, b = (2, 1): min over x >= 0 of (x1 + x2 - 2)^2 + (x1 - 1)^2 with
  // A = [[1, 1], [1, 0]]: exact solution x = (1, 1).
  Eigen::MatrixXd B(2, 2);
  B << 1, 1, 1, 0;
  const Eigen::VectorXd y = nnls(B, Eigen::Vector2d(2, 1));
  EXPECT_NEAR(y(0), 1, 1e-12);
  EXPECT_NEAR(y(1), 1, 1e-12);
}

TEST(Nnls, MatchesBruteForceOnRandomProblems) {
  std::mt19937_64 g(3);
  std::normal_distribution<double> z(0, 1);
  for (int rep = 0; rep < 200; rep++) {
    const int m = 8, n = 5;
    Eigen::MatrixXd A(m, n);
    Eigen::VectorXd b(m);
    for (int i = 0; i < m; i++) {
      b(i) = z(g);
      for (int j = 0; j < n; j++) A(i, j) = z(g);
    }
    const Eigen::VectorXd x = nnls(A, b), xb = nnls_brute(A, b);
    EXPECT_TRUE((x.array() >= 0).all());
    EXPECT_NEAR((A * x - b).squaredNorm(), (A * xb - b).squaredNorm(), 1e-9) << "rep " << rep;
  }
}

TEST(Ridge, ZeroPenaltyIsLeastSquares) {
  // y = 1 + 2 x1 - 3 x2 exactly: recovered with lambda ~ 0 whatever the column scales.
  std::vector<std::vector<double>> X = {{0, 1}, {1, 5}, {2, 2}, {3, 7}, {4, 1}};
  std::vector<double> y;
  for (const auto& x : X) y.push_back(1 + 2 * x[0] - 3 * x[1]);
  const Ridge r = ridge_fit(X, y, 1e-12);
  EXPECT_NEAR(r.predict({10, 10}), 1 + 20 - 30, 1e-6);
  // A large penalty shrinks toward the mean.
  const Ridge big = ridge_fit(X, y, 1e9);
  double ym = 0;
  for (double v : y) ym += v / double(y.size());
  EXPECT_NEAR(big.predict({10, 10}), ym, 1e-3);
}

WorkloadConfig mlp_config(const std::string& hidden, int batch, int epochs) {
  return workload_config_complete("mlp", {{"dataset", "synthetic"},
                                          {"hidden", nlohmann::json::parse(hidden)},
                                          {"batch_size", batch},
                                          {"epochs", epochs},
                                          {"train_samples", 256},
                                          {"test_samples", 64}});
}

// cnn custom: conv 3x3 pad 1 (1 -> 4 channels, 28x28) + relu + pool -> 14x14, fc -> 10.
WorkloadConfig tiny_cnn_config() {
  return workload_config_complete("cnn", {{"dataset", "synthetic"},
                                          {"arch", "custom"},
                                          {"conv", {4}},
                                          {"fc", nlohmann::json::array()},
                                          {"train_samples", 32},
                                          {"test_samples", 16},
                                          {"batch_size", 8}});
}

TEST(Folds, NoArchitectureOnBothSides) {
  const CacheSizes caches{48e3, 1e6, 32e6, "test"};
  std::vector<RunFeatures> runs;
  for (const char* h : {"[32]", "[64]", "[32, 32]"})
    for (int b : {16, 64})
      for (int e : {1, 2}) runs.push_back(features_of("mlp", mlp_config(h, b, e), caches));
  // Batch size and epochs do not make an architecture; widths do.
  EXPECT_EQ(runs[0].arch_id, runs[3].arch_id);
  EXPECT_NE(runs[0].arch_id, runs[4].arch_id);
  const auto folds = folds_by_arch(runs);
  ASSERT_EQ(folds.size(), 3u);
  std::set<std::size_t> seen;
  for (const auto& fold : folds) {
    EXPECT_EQ(fold.size(), 4u);
    std::set<std::string> archs;
    for (auto i : fold) {
      EXPECT_TRUE(seen.insert(i).second) << "run " << i << " in two folds";
      archs.insert(runs[i].arch_id);
    }
    EXPECT_EQ(archs.size(), 1u);
    // Training side of this fold holds no run of the held-out architecture.
    for (std::size_t i = 0; i < runs.size(); i++)
      if (std::find(fold.begin(), fold.end(), i) == fold.end()) {
        EXPECT_NE(runs[i].arch_id, *archs.begin());
      }
  }
  EXPECT_EQ(seen.size(), runs.size());
}

TEST(Cost, MlpCountsByHand) {
  // 784 -> 32 (relu) -> 10, momentum: dense fwd 2(784*32 + 32*10); bwd: first layer only the
  // weight gradient (no input gradient into the data), the second both.
  const auto c = workload_cost_breakdown("mlp", mlp_config("[32]", 16, 1));
  EXPECT_EQ(c.params, 784 * 32 + 32 + 32 * 10 + 10);
  EXPECT_DOUBLE_EQ(c.kinds.at("dense").fwd_flops, 2.0 * (784 * 32 + 32 * 10));
  EXPECT_DOUBLE_EQ(c.kinds.at("dense").bwd_flops, 2.0 * 784 * 32 + 4.0 * 32 * 10);
  EXPECT_DOUBLE_EQ(c.kinds.at("elementwise").fwd_flops, 32);
  EXPECT_EQ(c.kinds.at("dense").calls, 2);
  EXPECT_DOUBLE_EQ(c.kinds.at("dense").act_bytes, 4.0 * (32 + 10));
  EXPECT_DOUBLE_EQ(c.optimizer_state_bytes, 4.0 * double(c.params));  // momentum: one per param
  EXPECT_DOUBLE_EQ(c.input_bytes_per_sample, 4.0 * 784);
}

TEST(Cost, CnnCountsByHandAndAgreeWithTheWorkload) {
  // custom: conv 3x3 pad 1 (1 -> 4 channels, 28x28) + relu + pool -> 14x14, fc 4*14*14 -> 10.
  const auto config = tiny_cnn_config();
  const auto c = workload_cost_breakdown("cnn", config);
  const double conv_f = 2.0 * 28 * 28 * 4 * 9;
  ASSERT_TRUE(c.kinds.count("conv"));
  EXPECT_DOUBLE_EQ(c.kinds.at("conv").fwd_flops, conv_f);
  EXPECT_DOUBLE_EQ(c.kinds.at("conv").bwd_flops, conv_f);  // first layer: weight gradient only
  EXPECT_DOUBLE_EQ(c.kinds.at("pooling").fwd_flops, 4.0 * 4 * 14 * 14);
  EXPECT_DOUBLE_EQ(c.kinds.at("conv").scratch_bytes, 4.0 * 9 * 28 * 28);  // im2col (C K K, OH OW)
  EXPECT_DOUBLE_EQ(c.kinds.at("dense").fwd_flops, 2.0 * 4 * 14 * 14 * 10);
  // The workload built with data says the same, and its MACs and training FLOPs agree.
  auto w = workload_make("cnn", config);
  const auto cw = w->cost_breakdown();
  EXPECT_EQ(cw.params, w->params());
  EXPECT_EQ(cw.params, c.params);
  double fwd = 0, bwd = 0;
  for (const char* k : {"conv", "dense", "depthwise"})
    if (cw.kinds.count(k)) fwd += cw.kinds.at(k).fwd_flops, bwd += cw.kinds.at(k).bwd_flops;
  EXPECT_DOUBLE_EQ(fwd, 2.0 * double(w->macs_per_sample()));
  EXPECT_DOUBLE_EQ((fwd + bwd) * 8, w->bench_train_flops());  // batch_size 8
}

TEST(Cost, EveryCnnArchHasConsistentCounts) {
  for (const char* arch : {"lenet5", "vgg", "resnet", "mobilenet"}) {
    const auto config = workload_config_complete("cnn", {{"dataset", "synthetic"},
                                                         {"arch", arch},
                                                         {"width", 0.25},
                                                         {"train_samples", 8},
                                                         {"test_samples", 8},
                                                         {"batch_size", 4}});
    auto w = workload_make("cnn", config);
    const auto c = workload_cost_breakdown("cnn", config);
    double fwd = 0;
    for (const char* k : {"conv", "dense", "depthwise"})
      if (c.kinds.count(k)) fwd += c.kinds.at(k).fwd_flops;
    EXPECT_EQ(c.params, w->params()) << arch;
    EXPECT_DOUBLE_EQ(fwd, 2.0 * double(w->macs_per_sample())) << arch;
  }
}

TEST(Cost, TransformerKindsWithoutAFeatureGoToFlopsOther) {
  // vit and lm give a breakdown; attention, softmax and embedding have no feature of their
  // own, so their FLOPs (E (N_tr (fwd + bwd) + N_te fwd), plus lm's generation in each of
  // the E inference passes) are flops_other.
  const CacheSizes caches{48e3, 1e6, 32e6, "test"};
  const auto& names = base_feature_names();
  const auto col = [&](const char* n) {
    return std::size_t(std::find(names.begin(), names.end(), n) - names.begin());
  };
  for (const char* workload : {"vit", "lm"}) {
    nlohmann::json in = {
        {"dataset", "synthetic"}, {"train_samples", 40}, {"test_samples", 10}, {"epochs", 2},
        {"batch_size", 8},        {"dim", 16},           {"heads", 2}};
    if (std::string(workload) == "vit")
      in["input_shape"] = {1, 8, 8}, in["patch"] = 4;
    else
      in["context"] = 8;
    const auto config = workload_config_complete(workload, in);
    const auto c = workload_cost_breakdown(workload, config);
    double other = 0, gen_dense = 0;
    for (const char* k : {"attention", "softmax", "embedding"})
      if (c.kinds.count(k))
        other += 2 * (40 * (c.kinds.at(k).fwd_flops + c.kinds.at(k).bwd_flops) +
                      10 * c.kinds.at(k).fwd_flops);
    for (const auto& [k, v] : c.infer_pass_flops) {
      if (k == "dense") gen_dense += 2 * v;
      if (k == "attention" || k == "softmax" || k == "embedding") other += 2 * v;
    }
    EXPECT_EQ(c.infer_pass_flops.empty(), std::string(workload) == "vit");
    // The passes' dense layers are timed sgemms (gemm_s, by a table of 1 ns per m n k here);
    // flops_dense keeps only the generation's, which the list does not cover.
    ASSERT_TRUE(gemms_cover(c)) << workload;
    GemmTimes ns([](const GemmShape& g) { return 1e-9 * double(g.m * g.n * g.k); });
    const RunFeatures f = features_of(workload, config, caches, {}, ns);
    const double pass_dense = 40 * (c.kinds.at("dense").fwd_flops + c.kinds.at("dense").bwd_flops) +
                              10 * c.kinds.at("dense").fwd_flops;  // per epoch
    EXPECT_GT(other, 0) << workload;
    EXPECT_DOUBLE_EQ(f.base.at(col("flops_other")), other) << workload;
    EXPECT_DOUBLE_EQ(f.base.at(col("flops_dense")), gen_dense) << workload;
    EXPECT_NEAR(f.base.at(col("gemm_s")), 2 * pass_dense / 2 * 1e-9,
                1e-9 * f.base.at(col("gemm_s")))
        << workload;  // 2 epochs, FLOPs = 2 m n k
    EXPECT_EQ(f.params, c.params);
  }
}

TEST(Features, PhasesCountTheirPassesOnly) {
  // Training: E passes over N_tr (forward + backward), each followed by an inference pass over
  // N_te; inference alone: one pass. Differences of flops_total isolate each term.
  const CacheSizes caches{48e3, 1e6, 32e6, "test"};
  const auto config = mlp_config("[32]", 16, 3);
  const auto c = workload_cost_breakdown("mlp", config);
  double fwd = 0, bwd = 0;
  for (const auto& [k, v] : c.kinds) fwd += v.fwd_flops, bwd += v.bwd_flops;
  const double n_tr = config.at("train_samples").get<double>();
  const double n_te = config.at("test_samples").get<double>();
  const auto both = features_of("mlp", config, caches, {true, true});
  const auto train = features_of("mlp", config, caches, {true, false});
  const auto infer = features_of("mlp", config, caches, {false, true});
  EXPECT_NEAR(train.flops_total, 3 * n_tr * (fwd + bwd), 1e-9 * train.flops_total);
  EXPECT_NEAR(infer.flops_total, n_te * fwd, 1e-9 * infer.flops_total);
  EXPECT_NEAR(both.flops_total, 3 * n_tr * (fwd + bwd) + 3 * n_te * fwd, 1e-9 * both.flops_total);
  EXPECT_DOUBLE_EQ(infer.samples_seen, n_te);
  EXPECT_EQ(run_phases_of({"infer"}).train, false);
  EXPECT_EQ(run_phases_of({"train", "infer"}).infer, true);
}

TEST(Caches, ReadFromSysfs) {
  const std::string root = testing::temp_dir_make("gb_cache");
  auto put = [&](int i, const char* level, const char* type, const char* size) {
    const std::string d = root + "/devices/system/cpu/cpu0/cache/index" + std::to_string(i);
    std::filesystem::create_directories(d);
    std::ofstream(d + "/level") << level << "\n";
    std::ofstream(d + "/type") << type << "\n";
    std::ofstream(d + "/size") << size << "\n";
  };
  put(0, "1", "Data", "32K");
  put(1, "1", "Instruction", "64K");
  put(2, "2", "Unified", "2048K");
  put(3, "3", "Unified", "16M");
  const CacheSizes c = cache_sizes_read(root);
  EXPECT_EQ(c.l1d, 32 * 1024.0);
  EXPECT_EQ(c.l2, 2048 * 1024.0);
  EXPECT_EQ(c.l3, 16 * 1024.0 * 1024);
  EXPECT_NE(c.source.find("sysfs"), std::string::npos);
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace greenbench::analysis

namespace greenbench::analysis {
namespace {

TEST(Estimator, NamesWorkItNeverSawInFitting) {
  // Fitted on MLPs only: a CNN's pooling and im2col work has no fitted cost, so unseen() names
  // them (and the saved model says the same); an MLP has nothing unseen.
  const CacheSizes caches{48e3, 1e6, 32e6, "test"};
  GemmTimes ns([](const GemmShape& g) { return 1e-9 * double(g.m * g.n * g.k); });
  std::vector<RunFeatures> runs;
  for (const char* h : {"[32]", "[64]", "[32, 32]"})
    for (int b : {16, 64}) {
      RunFeatures f = features_of("mlp", mlp_config(h, b, 1), caches, {}, ns);
      f.measured_s = 1e-9 * f.flops_total + 0.01 * b;
      f.measured_j = 10 * f.measured_s;
      runs.push_back(f);
    }
  const EstimatorModel m = estimator_fit(runs, caches);
  EXPECT_TRUE(m.unseen(runs[0]).empty());
  const auto cnn = tiny_cnn_config();
  const RunFeatures f = features_of("cnn", cnn, caches, {}, ns);
  const auto unseen = m.unseen(f);
  for (const char* name : {"flops_pooling", "im2col_bytes"})
    EXPECT_NE(std::find(unseen.begin(), unseen.end(), name), unseen.end()) << name;
  EXPECT_EQ(std::find(unseen.begin(), unseen.end(), "gemm_s"), unseen.end());
  EXPECT_EQ(EstimatorModel::from_json(m.to_json()).unseen(f), unseen);
}

}  // namespace
}  // namespace greenbench::analysis
