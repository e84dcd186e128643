// Internal: how much a command says on stderr, set once from -q/--quiet and -v/--verbose
// (docs/commands.md, "Quiet and verbose"). quiet: errors, warnings and the final result only;
// verbose: also each run as it starts and what greenbench chose (kernels, meter, folder).
#pragma once

namespace greenbench {

enum class Verbosity { quiet, normal, verbose };

// The process's setting; normal until set.
Verbosity verbosity();
void verbosity_set(Verbosity v);

// printf to stderr when the verbosity is at least `level`: normal (not under -q) or verbose (-v).
void say(Verbosity level, const char* format, ...) __attribute__((format(printf, 2, 3)));

inline bool output_quiet() {
  return verbosity() == Verbosity::quiet;
}
inline bool output_verbose() {
  return verbosity() == Verbosity::verbose;
}

}  // namespace greenbench
