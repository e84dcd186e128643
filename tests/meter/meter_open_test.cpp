// meter_open and MeterWindow (README.md, "Using greenbench from your own code"): one call opens
// the sources named, from the paths in the environment, and starts the meter; a MeterWindow
// ends itself. Checked against a fake RAPL tree whose true joules are known.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <thread>

#include "fake_powercap.hpp"
#include "greenbench/meter.hpp"

namespace greenbench {
namespace {

// Points the meter's roots at `fake` for the test's life (SourcePaths::from_env).
struct FakeRoots {
  explicit FakeRoots(const test::FakePowercap& fake) {
    setenv("GREENBENCH_SYSFS_ROOT", fake.sysfs_root().c_str(), 1);
    setenv("GREENBENCH_PROC_ROOT", fake.proc_root().c_str(), 1);
  }
  ~FakeRoots() {
    unsetenv("GREENBENCH_SYSFS_ROOT");
    unsetenv("GREENBENCH_PROC_ROOT");
  }
};

TEST(MeterOpen, OpensStartedAndMetersWhatTheCountersSay) {
  test::FakePowercap fake(test::fake_powercap_intel_2s());
  fake.writer_start();
  FakeRoots roots(fake);
  std::vector<std::string> notes;
  auto meter = meter_open("rapl", {}, &notes);
  EXPECT_EQ(meter->source_name(), "rapl");
  EXPECT_FALSE(meter->estimated());
  EXPECT_THROW(meter->start(), std::logic_error);  // already started

  EnergyWindow w;
  const double t0_s = fake.now_s();
  {
    MeterWindow window(*meter, "loop", &w);
    EXPECT_EQ(window.name(), "loop");
    EXPECT_FALSE(window.ended());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }  // ends here
  const double t1_s = fake.now_s();
  EXPECT_EQ(w.name, "loop");
  EXPECT_EQ(w.source, "rapl");
  ASSERT_GT(w.duration_s, 0.29);
  EXPECT_LE(w.duration_s, t1_s - t0_s);
  // Within the writer's and the window's edges: the package-0 zone's truth over [t0, t1].
  const double true_j = fake.energy_true_j("intel-rapl:0", t0_s, t1_s);
  EXPECT_NEAR(w.energy_j.at("package-0"), true_j, 0.02 * true_j + 0.05);
}

TEST(MeterOpen, UnknownSourceThrowsWithTheFix) {
  try {
    meter_open("bogus");
    FAIL() << "no throw";
  } catch (const SourceUnavailable& e) {
    EXPECT_EQ(e.source, "bogus");
    EXPECT_NE(e.fix.find("auto, rapl"), std::string::npos) << e.fix;
  }
}

TEST(MeterWindow, EndReturnsTheFiguresOnceAndTheDestructorDoesNotEndAgain) {
  auto meter = meter_open("estimate");
  EnergyWindow result;
  EnergyWindow returned;
  {
    MeterWindow window(*meter, "w", &result);
    returned = window.end();
    EXPECT_TRUE(window.ended());
    EXPECT_THROW(window.end(), std::logic_error);
    meter->begin("w");  // the name is free again; the destructor must leave this one open
  }
  EXPECT_EQ(result.name, "w");
  EXPECT_EQ(result.duration_s, returned.duration_s);
  EXPECT_TRUE(result.estimated);
  EXPECT_NO_THROW(meter->end("w"));
}

TEST(MeterWindow, TwoWindowsOfOneNameCannotBeOpen) {
  auto meter = meter_open("estimate");
  MeterWindow a(*meter, "same");
  EXPECT_THROW(MeterWindow(*meter, "same"), std::logic_error);
  EXPECT_GE(a.end().duration_s, 0.0);
}

}  // namespace
}  // namespace greenbench
