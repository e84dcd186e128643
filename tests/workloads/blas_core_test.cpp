// The choice of OpenBLAS kernels (workloads/blas_core.cpp) on faked cpuid flags and core names,
// so it is tested on any CPU; and the sgemm check (workloads/blas_core_check.cpp) against
// sgemms that are right and ones that are wrong.
#include "greenbench/blas_core.hpp"

#include <cblas.h>
#include <gtest/gtest.h>

#include "greenbench/errors.hpp"

namespace greenbench {
namespace {

CpuFeatures sse3_only() {
  CpuFeatures f;
  f.sse3 = true;
  return f;
}

CpuFeatures avx2_fma() {
  CpuFeatures f = sse3_only();
  f.avx = f.avx2 = f.fma = f.os_avx = true;
  return f;
}

// Skylake-SP, Ice Lake, Zen 4/5: F, CD, BW, DQ, VL, and an OS that saves ZMM state.
CpuFeatures avx512() {
  CpuFeatures f = avx2_fma();
  f.avx512f = f.avx512cd = f.avx512bw = f.avx512dq = f.avx512vl = f.os_avx512 = true;
  return f;
}

// Sapphire/Emerald Rapids: AVX-512 with BF16 and AMX (the CPU of the report in issue 12).
CpuFeatures amx() {
  CpuFeatures f = avx512();
  f.avx512_bf16 = f.amx_tile = f.amx_bf16 = f.os_amx = true;
  return f;
}

BlasCoreChoice choose(CpuFeatures cpu, std::string core, std::string user = "",
                      std::string mode = "", bool dynamic_arch = true) {
  return blas_core_choose({cpu, core, dynamic_arch, user, mode});
}

TEST(BlasCore, BestCoreFollowsTheFeatures) {
  EXPECT_EQ(blas_core_best(CpuFeatures{}), "");
  EXPECT_EQ(blas_core_best(sse3_only()), "Prescott");
  EXPECT_EQ(blas_core_best(avx2_fma()), "Haswell");
  EXPECT_EQ(blas_core_best(avx512()), "SkylakeX");
  EXPECT_EQ(blas_core_best(amx()), "SkylakeX");  // Cooperlake/SapphireRapids: same sgemm
  CpuFeatures no_fma = avx2_fma();
  no_fma.fma = false;
  EXPECT_EQ(blas_core_best(no_fma), "Sandybridge");
  CpuFeatures no_bw = avx512();  // Knights Landing: AVX-512 F/CD but no BW/DQ/VL
  no_bw.avx512bw = no_bw.avx512dq = no_bw.avx512vl = false;
  EXPECT_EQ(blas_core_best(no_bw), "Haswell");
  CpuFeatures os_off = avx512();  // the CPU has it, the OS does not save ZMM registers
  os_off.os_avx512 = false;
  EXPECT_EQ(blas_core_best(os_off), "Haswell");
  CpuFeatures no_ymm = avx512();  // nor YMM registers
  no_ymm.os_avx = no_ymm.os_avx512 = false;
  EXPECT_EQ(blas_core_best(no_ymm), "Prescott");
}

TEST(BlasCore, TiersOfOpenBlasNames) {
  EXPECT_EQ(blas_core_tier("Prescott"), 1);
  EXPECT_EQ(blas_core_tier("Nehalem"), 1);
  EXPECT_EQ(blas_core_tier("Sandybridge"), 2);
  EXPECT_EQ(blas_core_tier("Haswell"), 3);
  EXPECT_EQ(blas_core_tier("Zen"), 3);
  EXPECT_EQ(blas_core_tier("SkylakeX"), 4);
  EXPECT_EQ(blas_core_tier("skylakex"), 4);  // OpenBLAS compares without case
  EXPECT_EQ(blas_core_tier("Cooperlake"), 4);
  EXPECT_EQ(blas_core_tier("SapphireRapids"), 4);
  EXPECT_EQ(blas_core_tier("NeoverseN1"), 0);
  EXPECT_EQ(blas_core_tier(""), 0);
}

TEST(BlasCore, ChangesAnOlderDefaultToTheBestTheCpuRuns) {
  // Emerald Rapids on OpenBLAS 0.3.21: falls back to Prescott (issue 12).
  auto c = choose(amx(), "Prescott");
  EXPECT_EQ(c.action, BlasCoreAction::change);
  EXPECT_EQ(c.core, "SkylakeX");
  EXPECT_NE(c.why.find("OpenBLAS chose Prescott"), std::string::npos) << c.why;
  EXPECT_NE(c.why.find("AVX-512"), std::string::npos) << c.why;
  // Zen 4/5 taken for Zen, AMD or not.
  c = choose(avx512(), "Zen");
  EXPECT_EQ(c.action, BlasCoreAction::change);
  EXPECT_EQ(c.core, "SkylakeX");
  // An AVX2 machine left on SSE kernels.
  c = choose(avx2_fma(), "Nehalem");
  EXPECT_EQ(c.action, BlasCoreAction::change);
  EXPECT_EQ(c.core, "Haswell");
}

TEST(BlasCore, KeepsTheBestClassAndNeverDowngrades) {
  for (const char* core : {"SkylakeX", "Cooperlake", "SapphireRapids"}) {
    const auto c = choose(amx(), core);
    EXPECT_EQ(c.action, BlasCoreAction::keep) << core;
    EXPECT_EQ(c.core, core);
    EXPECT_EQ(c.why, "");
  }
  // Faked flags below what OpenBLAS chose: greenbench never moves down.
  EXPECT_EQ(choose(avx2_fma(), "SkylakeX").action, BlasCoreAction::keep);
  EXPECT_EQ(choose(sse3_only(), "Haswell").action, BlasCoreAction::keep);
  EXPECT_EQ(choose(avx2_fma(), "Zen").action, BlasCoreAction::keep);
  // Not x86-64 (no features): nothing to choose.
  EXPECT_EQ(choose(CpuFeatures{}, "NeoverseN1").action, BlasCoreAction::keep);
}

TEST(BlasCore, UnknownCoreIsKeptAndSaid) {
  const auto c = choose(avx512(), "Zen6");
  EXPECT_EQ(c.action, BlasCoreAction::keep);
  EXPECT_EQ(c.core, "Zen6");
  EXPECT_NE(c.why.find("does not know"), std::string::npos) << c.why;
}

TEST(BlasCore, RespectsTheUsersCoretypeButSaysWhatIsFaster) {
  auto c = choose(avx512(), "Haswell", "Haswell");
  EXPECT_EQ(c.action, BlasCoreAction::advise);
  EXPECT_EQ(c.core, "Haswell");
  EXPECT_NE(c.why.find("OPENBLAS_CORETYPE=Haswell is set"), std::string::npos) << c.why;
  EXPECT_NE(c.why.find("SkylakeX"), std::string::npos) << c.why;
  // The user's choice already the best: nothing to say.
  c = choose(avx512(), "SkylakeX", "SkylakeX");
  EXPECT_EQ(c.action, BlasCoreAction::keep);
  EXPECT_EQ(c.why, "");
  // GREENBENCH_BLAS_CORE=best overrides the user's OPENBLAS_CORETYPE.
  c = choose(avx512(), "Haswell", "Haswell", "best");
  EXPECT_EQ(c.action, BlasCoreAction::change);
  EXPECT_EQ(c.core, "SkylakeX");
  EXPECT_NE(c.why.find("was told to run Haswell"), std::string::npos) << c.why;
}

TEST(BlasCore, KeepModeAndStaticBuildsNeverChange) {
  auto c = choose(avx512(), "Prescott", "", "keep");
  EXPECT_EQ(c.action, BlasCoreAction::keep);
  EXPECT_EQ(c.core, "Prescott");
  // Without DYNAMIC_ARCH OpenBLAS ignores OPENBLAS_CORETYPE: re-executing would change nothing.
  c = choose(avx512(), "Haswell", "", "", false);
  EXPECT_EQ(c.action, BlasCoreAction::advise);
  EXPECT_EQ(c.core, "Haswell");
  EXPECT_NE(c.why.find("DYNAMIC_ARCH"), std::string::npos) << c.why;
}

TEST(BlasCore, BadModeIsAnInputError) {
  try {
    choose(avx512(), "Prescott", "", "fastest");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(
        std::string(e.what()).find("GREENBENCH_BLAS_CORE: expected best or keep, got 'fastest'"),
        std::string::npos)
        << e.what();
  }
}

TEST(BlasCore, FeaturesOfThisCpuAreConsistent) {
  const CpuFeatures f = cpu_features_read();
#if defined(__x86_64__)
  EXPECT_TRUE(f.sse3);  // every x86-64 CPU OpenBLAS runs on
  EXPECT_NE(blas_core_best(f), "");
#endif
  // The OS cannot save ZMM without YMM, and AVX-512 implies AVX2 on every CPU made.
  if (f.os_avx512) {
    EXPECT_TRUE(f.os_avx);
  }
  if (f.avx512f) {
    EXPECT_TRUE(f.avx2);
  }
  EXPECT_EQ(cpu_features_text(f).find("avx512f") != std::string::npos, f.avx512f);
}

TEST(BlasCoreCheck, OpenBlasPassesWithTheKernelsInForce) {
  EXPECT_EQ(blas_sgemm_check(), "");
}

void naive_sgemm(bool ta, bool tb, int m, int n, int k, const float* a, const float* b, float* c) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      float s = 0;
      for (int p = 0; p < k; p++)
        s += (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
      c[i * n + j] = s;
    }
}

TEST(BlasCoreCheck, ANaiveSgemmPassesAndBrokenOnesFail) {
  EXPECT_EQ(blas_sgemm_check(naive_sgemm), "");
  // One wrong element in one shape.
  auto one_off = [](bool ta, bool tb, int m, int n, int k, const float* a, const float* b,
                    float* c) {
    naive_sgemm(ta, tb, m, n, k, a, b, c);
    if (m == 5 && ta && !tb) c[3 * n + 7] += 0.01f;
  };
  const std::string why = blas_sgemm_check(one_off);
  EXPECT_NE(why.find("sgemm TN 5x33x17: C[3][7]"), std::string::npos) << why;
  // A kernel that ignores the transpose of B.
  auto no_tb = [](bool ta, bool, int m, int n, int k, const float* a, const float* b, float* c) {
    naive_sgemm(ta, false, m, n, k, a, b, c);
  };
  EXPECT_NE(blas_sgemm_check(no_tb), "");
  // A kernel that writes nothing (C stays NaN).
  EXPECT_NE(blas_sgemm_check([](bool, bool, int, int, int, const float*, const float*, float*) {}),
            "");
}

}  // namespace
}  // namespace greenbench
