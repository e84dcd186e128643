// Test helper: a throwaway fake machine under a mkdtemp dir for the perf and msr sources:
// sysfs CPU topology, /proc/cpuinfo, the `power` perf PMU, and /dev/cpu/N/msr as sparse regular
// files holding 8-byte little-endian registers. Not a fake kernel: nothing here runs syscalls.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "greenbench/meter.hpp"

namespace greenbench::fake_cpu {

class FakeCpuTree {
 public:
  FakeCpuTree();   // creates <tmp>/greenbench-cpu-XXXXXX, mode 0755 so `nobody` can walk it
  ~FakeCpuTree();  // removes it
  FakeCpuTree(const FakeCpuTree&) = delete;
  FakeCpuTree& operator=(const FakeCpuTree&) = delete;

  const std::string& root() const { return root_; }
  // sysfs_root = <root>/sys, proc_root = <root>/proc, dev_root = <root>/dev.
  SourcePaths paths() const;

  // Writes `text` to <root>/<rel>, creating its folders.
  void file_write(const std::string& rel, const std::string& text);
  // cpuN/topology/{physical_package_id,die_id,core_id}.
  void cpu_add(int cpu, int package, int core, int die = 0);
  // /proc/cpuinfo naming every added CPU with this vendor_id, family and model (decimal).
  void cpuinfo_write(const std::string& vendor_id, int family, int model);
  // /proc/sys/kernel/perf_event_paranoid.
  void paranoid_write(int level);

  // The power PMU: type, cpumask and no events yet.
  void power_pmu_write(int type, const std::string& cpumask);
  // events/<name> = "event=0x<code>", .scale and .unit ("Joules").
  void power_event_write(const std::string& name, int code,
                         const std::string& scale = "2.3283064365386962890625e-10");

  // <root>/dev/cpu/N/msr as an empty file (every register reads short: "not implemented").
  std::string msr_create(int cpu);
  // Stores `value` little-endian at offset `reg` of cpu N's msr file (created if missing).
  void msr_write(int cpu, uint32_t reg, uint64_t value);
  // AMD's RAPL registers are consecutive numbers (units 0xC0010299, core 0xC001029A, package
  // 0xC001029B), so in a file their 8-byte values overlap by 7 and 6 bytes. Writes the one
  // byte image consistent with all three: power-unit bits 7:0 = 3, energy-unit bits 12:8 =
  // `esu`, package counter = `package_units`. Returns what the core counter then holds
  // (bits 31:0): (package_units << 8 | esu) mod 2^32.
  uint32_t amd_rapl_write(int cpu, int esu, uint32_t package_units);

 private:
  std::string root_;
};

}  // namespace greenbench::fake_cpu
