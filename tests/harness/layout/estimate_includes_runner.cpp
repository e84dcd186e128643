// Must NOT compile with greenbench_estimate's include path: the estimator is pre-run code and
// never includes the runner (harness/README.md).
#include "estimate_model.hpp"
#include "runner.hpp"
