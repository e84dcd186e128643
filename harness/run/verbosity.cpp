// The process's verbosity (see verbosity.hpp).
#include "verbosity.hpp"

#include <atomic>
#include <cstdarg>
#include <cstdio>

namespace greenbench {
namespace {
std::atomic<Verbosity> g_verbosity{Verbosity::normal};
}

Verbosity verbosity() {
  return g_verbosity.load(std::memory_order_relaxed);
}

void verbosity_set(Verbosity v) {
  g_verbosity.store(v, std::memory_order_relaxed);
}

void say(Verbosity level, const char* format, ...) {
  if (static_cast<int>(verbosity()) < static_cast<int>(level)) return;
  va_list args;
  va_start(args, format);
  std::vfprintf(stderr, format, args);
  va_end(args);
}

}  // namespace greenbench
