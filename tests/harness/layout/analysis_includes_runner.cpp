// Must NOT compile with greenbench_analysis's include path: analysis reads results only
// (harness/README.md). tests/harness/CMakeLists.txt expects "runner.hpp" not to be found.
#include "results_read.hpp"
#include "runner.hpp"
