// The choice of OpenBLAS kernels ("core") and the record of it: see
// include/greenbench/blas_core.hpp and docs/workloads.md#blas-kernels. The re-execution that
// applies the choice is harness/cli/main.cpp's.
#include "greenbench/blas_core.hpp"

#include <fmt/format.h>
#include <strings.h>

#include <mutex>
#include <optional>

#include "greenbench/errors.hpp"

extern "C" char* openblas_get_config(void);
extern "C" char* openblas_get_corename(void);

namespace greenbench {

namespace {

bool same_name(const std::string& a, const char* b) {
  return strcasecmp(a.c_str(), b) == 0;
}

// What a tier needs, in words, for messages.
const char* tier_isa(int tier) {
  switch (tier) {
    case 4:
      return "AVX-512 F/BW/DQ/VL";
    case 3:
      return "AVX2 and FMA";
    case 2:
      return "AVX";
    case 1:
      return "SSE3";
    default:
      return "?";
  }
}

}  // namespace

int blas_core_tier(const std::string& core) {
  // OpenBLAS 0.3.21's x86-64 names (driver/others/dynamic.c), both spellings of Opteron SSE3.
  static const std::pair<const char*, int> tiers[] = {
      {"Katmai", 1},       {"Coppermine", 1},    {"Northwood", 1},     {"Prescott", 1},
      {"Banias", 1},       {"Atom", 1},          {"Core2", 1},         {"Penryn", 1},
      {"Dunnington", 1},   {"Nehalem", 1},       {"Athlon", 1},        {"Opteron", 1},
      {"Opteron_SSE3", 1}, {"Opteron(SSE3)", 1}, {"Barcelona", 1},     {"Nano", 1},
      {"Bobcat", 1},       {"Sandybridge", 2},   {"Bulldozer", 2},     {"Piledriver", 2},
      {"Steamroller", 2},  {"Excavator", 2},     {"Haswell", 3},       {"Zen", 3},
      {"SkylakeX", 4},     {"Cooperlake", 4},    {"SapphireRapids", 4}};
  for (const auto& [name, tier] : tiers)
    if (same_name(core, name)) return tier;
  return 0;
}

std::string blas_core_best(const CpuFeatures& f) {
  if (f.os_avx512 && f.avx512f && f.avx512bw && f.avx512dq && f.avx512vl && f.avx512cd)
    return "SkylakeX";
  if (f.os_avx && f.avx2 && f.fma && f.avx) return "Haswell";
  if (f.os_avx && f.avx) return "Sandybridge";
  if (f.sse3) return "Prescott";
  return "";
}

BlasCoreChoice blas_core_choose(const BlasCoreFacts& facts) {
  if (!facts.mode.empty() && facts.mode != "best" && facts.mode != "keep")
    throw InputError(
        fmt::format("GREENBENCH_BLAS_CORE: expected best or keep, got '{}'", facts.mode), "", 0, 0,
        "unset it to let greenbench choose OpenBLAS's kernels");
  const std::string best = blas_core_best(facts.cpu);
  const int best_tier = blas_core_tier(best), now_tier = blas_core_tier(facts.core);
  BlasCoreChoice keep{BlasCoreAction::keep, facts.core, ""};
  if (best.empty() || facts.mode == "keep") return keep;
  if (now_tier == 0) {
    keep.why = fmt::format("OpenBLAS runs its {} kernels, a core greenbench does not know: kept",
                           facts.core);
    return keep;
  }
  if (now_tier >= best_tier) return keep;  // already the best class this CPU supports
  const std::string faster = fmt::format(
      "this CPU has {}, so OpenBLAS's {} kernels would be faster", tier_isa(best_tier), best);
  if (!facts.user_coretype.empty() && facts.mode != "best")
    return {BlasCoreAction::advise, facts.core,
            fmt::format("OPENBLAS_CORETYPE={} is set, so greenbench runs {}; {} (unset it, or set "
                        "GREENBENCH_BLAS_CORE=best)",
                        facts.user_coretype, facts.core, faster)};
  if (!facts.dynamic_arch)
    return {BlasCoreAction::advise, facts.core,
            fmt::format("this OpenBLAS is built for {} only (no DYNAMIC_ARCH); {}", facts.core,
                        faster)};
  return {BlasCoreAction::change, best,
          fmt::format("OpenBLAS {} {} kernels; this CPU has {}, so greenbench runs {}",
                      facts.user_coretype.empty() ? "chose" : "was told to run", facts.core,
                      tier_isa(best_tier), best)};
}

namespace {
std::mutex g_state_mutex;
std::optional<BlasCoreState> g_state;
}  // namespace

void blas_core_state_set(BlasCoreState state) {
  std::lock_guard lock(g_state_mutex);
  g_state = std::move(state);
}

BlasCoreState blas_core_state() {
  std::lock_guard lock(g_state_mutex);
  if (g_state) return *g_state;
  return {blas_core_name(), "openblas", ""};
}

std::string blas_core_name() {
  return openblas_get_corename();
}
std::string blas_config() {
  return openblas_get_config();
}

}  // namespace greenbench
