// Internal: which logical CPUs exist and where they sit (package, die, core), read from
// <sysfs_root>/devices/system/cpu, for the sources that read per CPU (perf, msr). Not the
// sources themselves, and no CPU affinity or hotplug handling.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace greenbench::detail {

// One logical CPU's place, from cpuN/topology/{physical_package_id,die_id,core_id}.
struct CpuPlace {
  int cpu = 0;
  int package = 0;
  int die = 0;   // 0 where the kernel has no die_id (before Linux 5.2)
  int core = 0;  // core_id: unique within a package, shared by SMT siblings
};

// Parses a kernel CPU list ("0", "0,36", "0-3,8-11", trailing newline allowed) in order;
// nullopt when it is malformed or empty.
std::optional<std::vector<int>> cpulist_parse(const std::string& text);

// The place of `cpu`; nullopt when its physical_package_id cannot be read.
std::optional<CpuPlace> cpu_place_read(const std::string& sysfs_root, int cpu);

// Every CPU with a readable topology, in ascending CPU number.
std::vector<CpuPlace> cpu_places_list(const std::string& sysfs_root);

// "<sysfs_root>/devices/system/cpu/cpu<N>/topology/physical_package_id", for messages.
std::string cpu_package_id_path(const std::string& sysfs_root, int cpu);

}  // namespace greenbench::detail
