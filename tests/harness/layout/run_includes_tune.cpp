// Must NOT compile with greenbench_run's include path: the tuner stands on the runner's
// profiles, never the other way (harness/README.md).
#include "runner.hpp"
#include "tune.hpp"
