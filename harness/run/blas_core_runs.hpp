// The blas_core knob (docs/knobs.md, "blas_core"): OpenBLAS reads OPENBLAS_CORETYPE once, when
// it loads, so a run asking for another kernel set than the one this process has runs in a
// child greenbench started with OPENBLAS_CORETYPE set. Not the kernel choice at start
// (harness/cli/main.cpp) and not the runner.
#pragma once

#include <string>
#include <vector>

#include "run_plan.hpp"
#include "runner.hpp"

namespace greenbench {

// Set in a child's environment: the kernel set whose runs it runs (and nothing else).
inline constexpr const char* kBlasCoreChildVar = "GREENBENCH_RUN_BLAS_CORE";

// InputError (exit 2, before any work) for a blas_core value this CPU cannot run: a name
// greenbench does not know, or kernels above what the CPU supports.
void blas_core_values_check(const std::vector<RunPlan>& plans);

// In a child (kBlasCoreChildVar set): the plans of its kernel set. Else: the plans this process
// runs itself (no blas_core, or the one in force).
std::vector<RunPlan> blas_core_plans_here(const std::vector<RunPlan>& plans);

// Runs `plans`: those of this process's kernel set through runner_run, then, once its results
// folder is closed, each other kernel set's runs in a child greenbench (the same command line
// with --resume, OPENBLAS_CORETYPE=CORE and GREENBENCH_BLAS_CORE=keep), one child at a time,
// signals forwarded. Returns the worst exit code (a signal's 128 + N stops the rest).
int runner_run_by_blas_core(const std::vector<RunPlan>& plans, const RunnerOptions& options);

}  // namespace greenbench
