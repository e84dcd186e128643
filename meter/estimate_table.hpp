// Internal: the shipped CPU power table behind the `estimate` source (TDP and threads per
// package, keyed by CPU model, each with its source) and the model's fixed coefficients.
// Not the model itself (meter/estimate.cpp).
#pragma once

#include <string>

namespace greenbench {

struct CpuPowerEntry {
  const char* pattern;  // case-insensitive substring of /proc/cpuinfo's "model name"
  double tdp_w;         // per package
  int cores, threads;   // per package
  const char* source;
};

// Idle power as a fraction of TDP: Cloud Carbon Footprint's AWS averages, 0.74 W min and
// 3.5 W max per vCPU (CCF methodology, "Compute" coefficients, 2021): 0.74 / 3.5 = 0.21.
inline constexpr double kIdleFraction = 0.21;
// DRAM: 3 W per 8 GB of memory, the figure CodeCarbon uses (after Micron's DDR4 guidance).
inline constexpr double kDramWPerGib = 0.375;

// The entry for this CPU: an exact model match, else a per-vendor/family default (its source
// says so), else a generic per-thread figure.
const CpuPowerEntry& cpu_power_lookup(const std::string& model_name, const std::string& vendor,
                                      int family);

}  // namespace greenbench
