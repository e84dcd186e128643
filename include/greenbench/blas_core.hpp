// Which OpenBLAS kernel set ("core") greenbench runs: what the CPU supports (cpuid), what
// OpenBLAS chose, and the best core of the two that greenbench may ask for. The re-execution
// that applies a choice lives in harness/cli/main.cpp; docs/workloads.md#blas-kernels says why.
#pragma once

#include <functional>
#include <string>

namespace greenbench {

// What the CPU and the OS support, from cpuid and xgetbv. All false off x86-64.
struct CpuFeatures {
  bool sse3 = false, avx = false, avx2 = false, fma = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false, avx512cd = false;
  bool avx512_bf16 = false, amx_tile = false, amx_bf16 = false;
  bool os_avx = false;     // XCR0 saves YMM state
  bool os_avx512 = false;  // XCR0 saves opmask and ZMM state
  bool os_amx = false;     // XCR0 saves tile state
};

// Reads this CPU's features (cpuid leaves 1 and 7, xgetbv 0).
CpuFeatures cpu_features_read();
// The features as words, "avx2 fma avx512f ..." (for messages and meta.json).
std::string cpu_features_text(const CpuFeatures& f);

// Rank of an OpenBLAS core's sgemm kernels: 1 SSE2/SSE3 (Prescott, Nehalem, ...), 2 AVX
// (Sandybridge, Bulldozer family), 3 AVX2+FMA (Haswell, Zen), 4 AVX-512 (SkylakeX, Cooperlake,
// SapphireRapids: the latter two add only bf16/AMX kernels, greenbench's float sgemm is
// SkylakeX's). 0 for a name greenbench does not know. Case-insensitive, as OpenBLAS reads it.
int blas_core_tier(const std::string& core);
// The best core the CPU supports that OPENBLAS_CORETYPE can select in every OpenBLAS with
// DYNAMIC_ARCH since 0.3.x: SkylakeX (AVX-512 F/BW/DQ/VL/CD with OS support), Haswell
// (AVX2+FMA), Sandybridge (AVX), Prescott (SSE3); "" when none (not x86-64).
// (Debian 12's OpenBLAS 0.3.21 answers "Core not found" to OPENBLAS_CORETYPE=Cooperlake and
// SapphireRapids, though it picks Cooperlake itself on some CPUs.)
std::string blas_core_best(const CpuFeatures& f);

struct BlasCoreFacts {
  CpuFeatures cpu;
  std::string core;           // openblas_get_corename() in this process
  bool dynamic_arch = true;   // openblas_get_config() says DYNAMIC_ARCH (else the env is ignored)
  std::string user_coretype;  // OPENBLAS_CORETYPE as the user set it; "" when unset
  std::string mode;           // GREENBENCH_BLAS_CORE: "" (choose), "best" or "keep"
};

enum class BlasCoreAction {
  keep,    // run the core in force; nothing worth saying
  change,  // re-execute with OPENBLAS_CORETYPE = core
  advise,  // keep the core in force, but say on stderr that a faster one exists
};

struct BlasCoreChoice {
  BlasCoreAction action = BlasCoreAction::keep;
  std::string core;  // the core to run
  std::string why;   // one line, for stderr, meta.json and `meter probe`
};

// The decision, a pure function of the facts: change only to a core of a higher tier that the
// CPU supports, never when the user set OPENBLAS_CORETYPE (unless mode is "best") or mode is
// "keep", never from a core greenbench does not know. Throws InputError for a bad mode.
BlasCoreChoice blas_core_choose(const BlasCoreFacts& facts);

// Row-major C (m, n) = op(A) op(B), as cblas_sgemm with alpha 1, beta 0.
using SgemmFn = std::function<void(bool ta, bool tb, int m, int n, int k, const float* a,
                                   const float* b, float* c)>;
// Checks `sgemm` (OpenBLAS's by default) on a few small odd shapes, all transposes, against a
// naive float64 product. Returns "" when right, else what was wrong.
std::string blas_sgemm_check(const SgemmFn& sgemm = {});

// What this process runs and why, set once by main (harness/cli/main.cpp) before any BLAS work.
struct BlasCoreState {
  std::string core;       // openblas_get_corename()
  std::string chosen_by;  // "openblas", "user" (OPENBLAS_CORETYPE) or "greenbench"
  std::string note;       // the one line said on stderr; "" when nothing was worth saying
};
void blas_core_state_set(BlasCoreState state);
// The state main set; in a process main did not start (tests), OpenBLAS's core and no note.
BlasCoreState blas_core_state();
// openblas_get_corename() and openblas_get_config() of the loaded library.
std::string blas_core_name();
std::string blas_config();

}  // namespace greenbench
