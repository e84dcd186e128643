// The SourceUnavailable a source's opener throws, for tests that check its reason, file and fix;
// and the one shape of every "this machine, for real" test: opens and reads, or says why not.
#pragma once

#include <gtest/gtest.h>

#include <iostream>
#include <string>

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

// Opens `source` on this machine for real (`open` returns the source). Where it opens, its
// hardware must be `present` (driver, PMU, library) and its first counter must read. Where it
// refuses, the error names the source, a reason, a file and a fix; `refused_check` checks the
// rest (what it must say where the hardware is absent), and the error is printed for the log.
template <class Open, class Check>
void real_opens_or_says_why(const std::string& source, bool present, Open&& open,
                            Check&& refused_check) {
  try {
    auto opened = open();
    ASSERT_TRUE(present) << source << " opened where its hardware is absent";
    ASSERT_FALSE(opened->counters().empty());
    std::vector<std::optional<uint64_t>> units;
    opened->read(units);
    ASSERT_EQ(units.size(), opened->counters().size());
    EXPECT_TRUE(units[0].has_value()) << "a freshly opened " << source << " counter failed to read";
  } catch (const SourceUnavailable& e) {
    EXPECT_EQ(e.source, source);
    EXPECT_FALSE(e.reason.empty());
    EXPECT_FALSE(e.file.empty());
    EXPECT_FALSE(e.fix.empty());
    refused_check(e);
    std::cout << source << " on this machine: " << e.what() << "\n";
  }
}

}  // namespace greenbench::testing
