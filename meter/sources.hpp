// Internal: the constructors of each energy source, one per file in meter/. The factory
// (meter/factory.cpp) is their only caller outside tests. Not part of the public contract.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "greenbench/meter.hpp"

namespace greenbench::detail {

// Each throws SourceUnavailable (what failed, which file, the fix) when the source cannot be read.
std::unique_ptr<EnergySource> rapl_source_open(const SourcePaths& paths);  // meter/rapl.cpp
std::unique_ptr<EnergySource> perf_source_open(const SourcePaths& paths);  // meter/perf.cpp
std::unique_ptr<EnergySource> msr_source_open(const SourcePaths& paths);   // meter/msr.cpp
std::unique_ptr<EnergySource> nvml_source_open(const SourcePaths& paths);  // meter/nvml.cpp

// Reads a whole small file (sysfs attribute, /proc entry); nullopt when it cannot be read.
std::optional<std::string> file_read(const std::string& path);
// Reads a file and parses one unsigned decimal integer (trailing whitespace allowed).
std::optional<uint64_t> file_read_u64(const std::string& path);
// "<root>/<rel>" with exactly one slash between.
std::string path_join(const std::string& root, const std::string& rel);
// Busy CPU-seconds of all CPUs since boot (user + nice + system + irq + softirq) from the first
// line of /proc/stat read through `fd` ("cpu  user nice system idle iowait irq softirq ...");
// nullopt on failure.
std::optional<double> proc_stat_busy_s(int fd, double ticks_per_s);

}  // namespace greenbench::detail
