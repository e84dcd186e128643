// Thread budget of the kernels: `threads` is the total of a run, BLAS included.
// Not a thread pool: the kernels spawn no threads of their own; only OpenBLAS does.
#pragma once

#include "kernels/denormals.hpp"

namespace greenbench {
// Defined in workloads/blas_threads.cpp: openblas_set_num_threads(max(threads, 1)).
void blas_threads_set(int threads);
}  // namespace greenbench

namespace greenbench::kernels {
// Sets the thread count of every kernel. Non-BLAS loops (im2col, pooling, norms, activations)
// run on the calling thread, so the run never uses more than `threads` compute threads and
// OpenBLAS threads never compete with another pool (no OpenMP).
// Also flushes denormals on the calling thread (kernels/denormals.hpp); the kernels' own
// workers flush on start (kernels/parallel.cpp).
inline void threads_set(int threads) {
  blas_threads_set(threads);
  denormals_flush();
}
}  // namespace greenbench::kernels
