// The SourceUnavailable a source's opener throws, for tests that check its reason, file and fix.
#pragma once

#include <gtest/gtest.h>

#include "greenbench/meter.hpp"

namespace greenbench::testing {

// Calls `open`; returns what it threw. When it opened instead, the test fails and the returned
// error is empty (so the caller's checks fail too, naming what was expected).
template <class Open>
SourceUnavailable unavailable_of(Open&& open) {
  try {
    open();
  } catch (const SourceUnavailable& e) {
    return e;
  }
  ADD_FAILURE() << "opened where the source should have been unavailable";
  return SourceUnavailable("", "", "", "");
}

}  // namespace greenbench::testing
