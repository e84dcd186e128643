// Thread budget of the kernels: `threads` is the total of a run, BLAS included.
// Not the worker pool (kernels/parallel.hpp): a caller that splits work over the pool holds
// OpenBLAS at one thread here meanwhile (models/net.cpp, Net::threads_set).
#pragma once

#include "kernels/denormals.hpp"

namespace greenbench {
// Defined in workloads/blas_threads.cpp: openblas_set_num_threads(max(threads, 1)).
void blas_threads_set(int threads);
}  // namespace greenbench

namespace greenbench::kernels {
// Sets OpenBLAS's thread count. Loops outside BLAS run on the calling thread unless a kernel
// is given pool workers, and then OpenBLAS is set to one thread, so the run never uses more
// than `threads` compute threads (no OpenMP).
// Also flushes denormals on the calling thread (kernels/denormals.hpp); the kernels' own
// workers flush on start (kernels/parallel.cpp).
inline void threads_set(int threads) {
  blas_threads_set(threads);
  denormals_flush();
}
}  // namespace greenbench::kernels
