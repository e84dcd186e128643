// The process's verbosity (see verbosity.hpp).
#include "verbosity.hpp"

#include <atomic>

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

}  // namespace greenbench
