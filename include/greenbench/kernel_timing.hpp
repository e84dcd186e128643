// Seconds of one OpenBLAS sgemm of a shape on one thread of this machine, for the estimator's
// timing table (harness/estimate/gemm_times): the fastest of 7 batches of calls lasting about
// 2 ms, after a warm-up call, on operands that stay in cache between calls as a layer's do
// within a step. Not a benchmark of the workloads (bench/, `greenbench bench`).
#pragma once

#include <cstdint>

namespace greenbench {

// Row-major C (m, n) = op(A) (m, k) op(B) (k, n), one OpenBLAS thread.
double sgemm_seconds_measure(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k);

// GFLOP/s of the fastest of OpenBLAS's square sgemms n = 768 and 1024 (about 0.2 s) on
// `threads` threads with the kernels in force: the roof `greenbench bench` reports each step
// against (docs/workloads.md#bench). Leaves OpenBLAS at `threads` threads.
double sgemm_roof_gflops(int threads);

}  // namespace greenbench
