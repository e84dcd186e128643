// Batch parallelism for kernels whose GEMMs are too small for OpenBLAS to split well (conv
// over image chunks): `workers` threads each take a fixed share of the tasks. The caller is
// worker 0; the others are persistent threads, blocked (not spinning) between calls. The
// caller must hold OpenBLAS at one thread meanwhile, so `threads` stays the run's total.
// Not a general scheduler: no nesting, no exceptions out of `fn`, one caller at a time.
#pragma once

#include <cstddef>
#include <functional>

namespace greenbench::kernels {

// Runs fn(task, worker) for every task in [0, n): worker w in [0, min(workers, n)) runs tasks
// w, w + W, w + 2W, ... in that order (so per-worker partial sums are deterministic for a given
// worker count). Returns when all tasks are done. workers <= 1 or n <= 1: inline, in order.
void parallel_for(int workers, int n, const std::function<void(int task, int worker)>& fn);

// After a parallel backward whose worker w > 0 summed its share of a gradient at
// scratch + w * slot + offset (n floats): dst += those sums, in worker order. Worker 0 summed
// into dst itself.
inline void worker_sums_add(float* dst, const float* scratch, std::size_t slot, std::size_t offset,
                            std::size_t n, int workers) {
  for (int w = 1; w < workers; w++) {
    const float* sum = scratch + std::size_t(w) * slot + offset;
    for (std::size_t i = 0; i < n; i++) dst[i] += sum[i];
  }
}

}  // namespace greenbench::kernels
