// Internal: how long runs are expected to take, for --dry-run and the progress ETA: FLOPs from
// shapes (workload_size) over this machine's measured sgemm rate times an efficiency. A rough
// guide (within a factor of about two), not a prediction of energy (that is `estimate`).
#pragma once

#include "grid_expand.hpp"
#include "run_cost.hpp"  // kWorkloadEfficiency, run_cost_s

namespace greenbench {

// One thread's single-precision GEMM rate in GFLOP/s: best of a few 384x384x384 sgemm calls
// (about 0.1 s). Leaves BLAS at one thread.
double sgemm_gflops_measure();

// Expected seconds of one run: its passes' FLOPs over gflops * efficiency * threads, plus its
// pauses (pause_s after each metered pass); run_cost_s at this machine's rate.
double run_expected_s(const GridRun& run, double gflops_1thread, double pause_s);

// "1 h 02 min", "3 min 20 s", "12 s", "0.4 s".
std::string duration_text(double seconds);

}  // namespace greenbench
