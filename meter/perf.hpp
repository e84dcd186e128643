// Internal: the seam of the `perf` source (meter/perf.cpp) for tests. A PerfBackend stands in
// for the perf_event_open/read/close syscalls; the real one calls the kernel. Not public API.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "greenbench/meter.hpp"

namespace greenbench::detail {

// The three syscalls the `perf` source makes, so tests can fake the kernel.
struct PerfBackend {
  virtual ~PerfBackend();
  // Opens a system-wide counting event of PMU `type` with attr.config = `config` on `cpu`
  // (pid -1, no group). Returns the fd, or -errno.
  virtual int open(uint32_t type, uint64_t config, int cpu) = 0;
  // The event's cumulative 64-bit count; nullopt when the read fails.
  virtual std::optional<uint64_t> read(int fd) = 0;
  virtual void close(int fd) = 0;
};

// The backend that calls syscall(SYS_perf_event_open), read(2) and close(2).
std::shared_ptr<PerfBackend> perf_backend_kernel();

// perf_source_open with an explicit backend. Throws SourceUnavailable like it.
std::unique_ptr<EnergySource> perf_source_open_with(const SourcePaths& paths,
                                                    std::shared_ptr<PerfBackend> backend);

}  // namespace greenbench::detail
