// The shipped CPU power table: TDP (per package) and threads per package for common parts,
// from the vendors' product pages; used only by the `estimate` source. Override any entry
// with $GREENBENCH_TDP_W and $GREENBENCH_PACKAGE_THREADS. Not a measurement.
#include "estimate_table.hpp"

#include <algorithm>
#include <cctype>

namespace greenbench {
namespace {

constexpr const char* kIntelArk = "Intel ARK product specification (TDP / processor base power)";
constexpr const char* kAmdSpec = "AMD product specifications page (default TDP)";

const CpuPowerEntry kTable[] = {
    {"Xeon(R) Platinum 8480+", 350, 56, 112, kIntelArk},
    {"Xeon(R) Platinum 8380", 270, 40, 80, kIntelArk},
    {"Xeon(R) Platinum 8280", 205, 28, 56, kIntelArk},
    {"Xeon(R) Gold 6338", 205, 32, 64, kIntelArk},
    {"Xeon(R) Gold 6248", 150, 20, 40, kIntelArk},
    {"Xeon(R) Gold 6148", 150, 20, 40, kIntelArk},
    {"Core(TM) i9-13900K", 125, 24, 32, kIntelArk},
    {"Core(TM) i7-12700K", 125, 12, 20, kIntelArk},
    {"Core(TM) i7-8700", 65, 6, 12, kIntelArk},
    {"Core(TM) i5-1135G7", 28, 4, 8, kIntelArk},
    {"EPYC 9654", 360, 96, 192, kAmdSpec},
    {"EPYC 9554", 360, 64, 128, kAmdSpec},
    {"EPYC 7763", 280, 64, 128, kAmdSpec},
    {"EPYC 7742", 225, 64, 128, kAmdSpec},
    {"Ryzen 9 7950X", 170, 16, 32, kAmdSpec},
    {"Ryzen 9 5950X", 105, 16, 32, kAmdSpec},
    {"Ryzen 7 5800X", 105, 8, 16, kAmdSpec},
};

// Family defaults for parts the table does not name (hypervisors often hide the model name).
const CpuPowerEntry kAmdZen5Server = {
    "", 360, 64, 128,
    "default for AMD family 26 (Zen 5): EPYC 9555, AMD product specifications page"};
const CpuPowerEntry kAmdZen34Server = {
    "", 280, 64, 128,
    "default for AMD family 25 (Zen 3/4): EPYC 7763, AMD product specifications page"};
const CpuPowerEntry kAmdOther = {
    "", 225, 64, 128, "default for other AMD: EPYC 7742, AMD product specifications page"};
const CpuPowerEntry kIntelOther = {"", 270, 40, 80,
                                   "default for Intel: Xeon Platinum 8380, Intel ARK"};
const CpuPowerEntry kGeneric = {
    "", 3.5, 1, 1,
    "generic: 3.5 W per logical CPU, Cloud Carbon Footprint's AWS average max per vCPU"};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

const CpuPowerEntry& cpu_power_lookup(const std::string& model_name, const std::string& vendor,
                                      int family) {
  const std::string model = lower(model_name);
  for (const auto& e : kTable) {
    if (model.find(lower(e.pattern)) != std::string::npos) return e;
  }
  if (vendor == "AuthenticAMD" || vendor == "HygonGenuine") {
    if (family == 26) return kAmdZen5Server;
    if (family == 25) return kAmdZen34Server;
    return kAmdOther;
  }
  if (vendor == "GenuineIntel") return kIntelOther;
  return kGeneric;
}

}  // namespace greenbench
