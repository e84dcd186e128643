// CPU features from cpuid and xgetbv, for the choice of OpenBLAS kernels: see
// include/greenbench/blas_core.hpp. Not the meter's CPU topology (meter/).
#include <string>

#include "greenbench/blas_core.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace greenbench {

#if defined(__x86_64__) || defined(__i386__)
namespace {

bool bit(unsigned reg, int n) {
  return (reg >> n) & 1u;
}

unsigned long long xgetbv0() {
  unsigned eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

}  // namespace

CpuFeatures cpu_features_read() {
  CpuFeatures f;
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 1) return f;
  __cpuid(1, eax, ebx, ecx, edx);
  f.sse3 = bit(ecx, 0);
  f.fma = bit(ecx, 12);
  f.avx = bit(ecx, 28);
  if (bit(ecx, 27)) {  // OSXSAVE: the OS enabled xgetbv; XCR0 says which states it saves
    const unsigned long long xcr0 = xgetbv0();
    f.os_avx = (xcr0 & 0x6) == 0x6;                   // SSE and YMM
    f.os_avx512 = f.os_avx && (xcr0 & 0xe0) == 0xe0;  // opmask, ZMM_Hi256, Hi16_ZMM
    f.os_amx = (xcr0 & 0x60000) == 0x60000;           // XTILECFG, XTILEDATA
  }
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const unsigned max_sub = eax;
    f.avx2 = bit(ebx, 5);
    f.avx512f = bit(ebx, 16);
    f.avx512dq = bit(ebx, 17);
    f.avx512cd = bit(ebx, 28);
    f.avx512bw = bit(ebx, 30);
    f.avx512vl = bit(ebx, 31);
    f.amx_bf16 = bit(edx, 22);
    f.amx_tile = bit(edx, 24);
    if (max_sub >= 1) {
      __cpuid_count(7, 1, eax, ebx, ecx, edx);
      f.avx512_bf16 = bit(eax, 5);
    }
  }
  return f;
}
#else
CpuFeatures cpu_features_read() {
  return {};
}
#endif

std::string cpu_features_text(const CpuFeatures& f) {
  const std::pair<bool, const char*> words[] = {
      {f.sse3, "sse3"},         {f.avx, "avx"},
      {f.avx2, "avx2"},         {f.fma, "fma"},
      {f.avx512f, "avx512f"},   {f.avx512bw, "avx512bw"},
      {f.avx512dq, "avx512dq"}, {f.avx512vl, "avx512vl"},
      {f.avx512cd, "avx512cd"}, {f.avx512_bf16, "avx512_bf16"},
      {f.amx_tile, "amx_tile"}, {f.amx_bf16, "amx_bf16"},
      {f.os_avx, "os_avx"},     {f.os_avx512, "os_avx512"},
      {f.os_amx, "os_amx"}};
  std::string s;
  for (const auto& [on, word] : words)
    if (on) {  // piece by piece: GCC 12 warns falsely on chained + (bug 105651)
      if (!s.empty()) s += ' ';
      s += word;
    }
  return s;
}

}  // namespace greenbench
