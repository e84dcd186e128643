// The control of the two back-edge probes: with the same command, analysis's own and results'
// headers compile, so the probes fail only for the back edge.
#include "findings.hpp"
#include "results_read.hpp"
#include "stats.hpp"
