// Must compile with greenbench_tune's include path: the tuner runs things through run/.
#include "profile_run.hpp"
#include "tune.hpp"
