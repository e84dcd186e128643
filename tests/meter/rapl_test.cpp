// Tests of the `rapl` source (meter/rapl.cpp) against fake powercap trees (fake_powercap.hpp):
// domains and de-duplication, wrap and units, reads and gaps, unavailability; and of the fake
// tree's own truth. Not tests of wrap accumulation (the sampler's, meter/sampler.cpp).
#include <dirent.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "fake_powercap.hpp"
#include "sources.hpp"
#include "unavailable.hpp"

namespace greenbench {
namespace {

using test::FakePowercap;
using test::FakePowercapSpec;
using test::FakeZone;
using Domains = std::vector<std::string>;

// The counters' domains in order. Each counter's kind must be its domain's first word
// ("core-0-die-1" counts a core, "psys" the platform).
Domains domains_of(const EnergySource& s) {
  Domains out;
  for (const auto& c : s.counters()) {
    EXPECT_EQ(domain_kind_name(c.kind), c.domain.substr(0, c.domain.find('-'))) << c.domain;
    out.push_back(c.domain);
  }
  return out;
}

size_t counter_index(const EnergySource& s, const std::string& domain) {
  const auto& cs = s.counters();
  for (size_t i = 0; i < cs.size(); ++i)
    if (cs[i].domain == domain) return i;
  ADD_FAILURE() << "no counter " << domain;
  return 0;
}

std::vector<std::optional<uint64_t>> read_all(EnergySource& s) {
  std::vector<std::optional<uint64_t>> units;
  s.read(units);
  return units;
}

void sleep_ms(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

// Domain -> zone id of the two-socket Intel preset.
const std::map<std::string, std::string> kIntel2sZones = {
    {"package-0", "intel-rapl:0"},  {"core-0", "intel-rapl:0:0"},  {"uncore-0", "intel-rapl:0:1"},
    {"dram-0", "intel-rapl:0:2"},   {"package-1", "intel-rapl:1"}, {"core-1", "intel-rapl:1:0"},
    {"uncore-1", "intel-rapl:1:1"}, {"dram-1", "intel-rapl:1:2"},  {"psys", "intel-rapl:2"}};

// ---- domains, kinds, duplicates ----

TEST(RaplSource, IntelTwoSocketsDomainsAndKinds) {
  FakePowercap fake(test::fake_powercap_intel_2s());
  auto src = detail::rapl_source_open(fake.paths());
  EXPECT_EQ(src->name(), "rapl");
  EXPECT_FALSE(src->estimated());
  EXPECT_EQ(domains_of(*src), (Domains{"package-0", "core-0", "uncore-0", "dram-0", "package-1",
                                       "core-1", "uncore-1", "dram-1", "psys"}));
  EXPECT_TRUE(src->describe()["dropped"].empty());
}

TEST(RaplSource, AmdMirroredDiesCountOncePerPackage) {
  FakePowercap fake(test::fake_powercap_amd_dies());
  auto src = detail::rapl_source_open(fake.paths());
  EXPECT_EQ(domains_of(*src), (Domains{"package-0", "core-0-die-0", "core-0-die-1"}));
  EXPECT_EQ(src->counters()[0].path, fake.energy_path("intel-rapl:0"));
  auto d = src->describe();
  ASSERT_EQ(d["dropped"].size(), 1u);
  EXPECT_EQ(d["dropped"][0]["zone"], "intel-rapl:1");
  EXPECT_EQ(d["dropped"][0]["name"], "package-0-die-1");
  EXPECT_EQ(d["dropped"][0]["same_as"], "intel-rapl:0");
  EXPECT_NE(d["dropped"][0]["why"].get<std::string>().find("per socket"), std::string::npos);
}

TEST(RaplSource, HygonIsTreatedLikeAmd) {
  auto spec = test::fake_powercap_amd_dies();
  spec.vendor_id = "HygonGenuine";
  FakePowercap fake(spec);
  auto src = detail::rapl_source_open(fake.paths());
  EXPECT_EQ(src->counters().size(), 3u);
  EXPECT_EQ(src->counters()[0].domain, "package-0");
}

TEST(RaplSource, IntelMultiDiePackagesAreDistinctCounters) {
  // Cascade Lake AP: one zone per die, each its own counter; sub-zones take the full suffix.
  FakePowercapSpec spec;
  spec.vendor_id = "GenuineIntel";
  spec.zones = {{"intel-rapl:0", "package-0-die-0", 50, 262143328850, 0, 1, ""},
                {"intel-rapl:0:0", "dram", 5, 65712999613, 0, 1, ""},
                {"intel-rapl:1", "package-0-die-1", 45, 262143328850, 0, 1, ""},
                {"intel-rapl:1:0", "dram", 4, 65712999613, 0, 1, ""}};
  FakePowercap fake(spec);
  auto src = detail::rapl_source_open(fake.paths());
  EXPECT_EQ(domains_of(*src),
            (Domains{"package-0-die-0", "dram-0-die-0", "package-0-die-1", "dram-0-die-1"}));
  EXPECT_TRUE(src->describe()["dropped"].empty());
}

TEST(RaplSource, MmioDuplicateDroppedKeepingMsr) {
  FakePowercap fake(test::fake_powercap_intel_mmio());
  auto src = detail::rapl_source_open(fake.paths());
  EXPECT_EQ(domains_of(*src), (Domains{"package-0", "core-0", "uncore-0", "dram-0", "psys"}));
  EXPECT_EQ(src->counters()[counter_index(*src, "package-0")].path,
            fake.energy_path("intel-rapl:0"));
  auto d = src->describe();
  ASSERT_EQ(d["dropped"].size(), 1u);
  EXPECT_EQ(d["dropped"][0]["zone"], "intel-rapl-mmio:0");
  EXPECT_EQ(d["dropped"][0]["same_as"], "intel-rapl:0");
  EXPECT_NE(d["dropped"][0]["why"].get<std::string>().find("MSR"), std::string::npos);
}

TEST(RaplSource, MmioZoneWithoutMsrTwinIsKept) {
  FakePowercapSpec spec;
  spec.zones = {{"intel-rapl-mmio:0", "package-0", 12, 262143328850, 7, 1, ""}};
  FakePowercap fake(spec);
  auto src = detail::rapl_source_open(fake.paths());
  EXPECT_EQ(domains_of(*src), (Domains{"package-0"}));
  EXPECT_EQ(src->counters()[0].path, fake.energy_path("intel-rapl-mmio:0"));
}

// A tree of package-0 (intel-rapl:0) and `other`: the source keeps package-0 alone and names
// `other` in describe()[list], "dropped" (a duplicate) or "skipped" (not a RAPL domain).
void other_zone_left_out(const FakeZone& other, const std::string& list) {
  FakePowercapSpec spec;
  spec.zones = {{"intel-rapl:0", "package-0", 12, 1000000, 0, 1, ""}, other};
  FakePowercap fake(spec);
  auto src = detail::rapl_source_open(fake.paths());
  EXPECT_EQ(domains_of(*src), (Domains{"package-0"}));
  auto d = src->describe();
  ASSERT_EQ(d[list].size(), 1u) << d.dump();
  EXPECT_EQ(d[list][0]["zone"], other.id);
}

TEST(RaplSource, CollidingDomainNamesCountOnce) {
  other_zone_left_out({"intel-rapl:1", "package-0", 12, 1000000, 0, 1, ""}, "dropped");
}

TEST(RaplSource, UnknownZoneNameSkippedOthersKept) {
  other_zone_left_out({"intel-rapl:0:0", "gt", 3, 1000000, 0, 1, ""}, "skipped");
}

TEST(RaplSource, DevicesTreeWalkedWithoutClassLinks) {
  auto spec = test::fake_powercap_intel_2s();
  spec.class_links = false;
  FakePowercap fake(spec);
  ASSERT_FALSE(std::filesystem::exists(fake.sysfs_root() + "/class/powercap"));
  auto src = detail::rapl_source_open(fake.paths());
  ASSERT_EQ(src->counters().size(), kIntel2sZones.size());
  for (const auto& c : src->counters()) {
    ASSERT_TRUE(kIntel2sZones.count(c.domain)) << c.domain;
    EXPECT_EQ(c.path, fake.zone_dir(kIntel2sZones.at(c.domain)) + "/energy_uj");
  }
}

TEST(RaplSource, EnabledZeroZoneReportedWithNote) {
  FakePowercap fake(test::fake_powercap_intel_mmio());  // its psys has enabled = 0
  auto src = detail::rapl_source_open(fake.paths());
  counter_index(*src, "psys");
  bool seen = false;
  const auto d = src->describe();
  for (const auto& z : d["zones"]) {
    if (z["domain"] != "psys") {
      EXPECT_EQ(z["enabled"], true);
      continue;
    }
    seen = true;
    EXPECT_EQ(z["enabled"], false);
    EXPECT_NE(z["note"].get<std::string>().find("enabled=0"), std::string::npos);
  }
  EXPECT_TRUE(seen);
}

TEST(RaplSource, DescribeListsZonesUsed) {
  FakePowercap fake(test::fake_powercap_amd_dies());
  auto d = detail::rapl_source_open(fake.paths())->describe();
  EXPECT_EQ(d["cpu_vendor"], "AuthenticAMD");
  ASSERT_EQ(d["zones"].size(), 3u);
  const auto& z0 = d["zones"][0];
  EXPECT_EQ(z0["zone"], "intel-rapl:0");
  EXPECT_EQ(z0["path"], fake.sysfs_root() + "/class/powercap/intel-rapl:0");
  EXPECT_EQ(z0["name"], "package-0-die-0");
  EXPECT_EQ(z0["domain"], "package-0");
  EXPECT_EQ(z0["max_energy_range_uj"], 65532610987u);
  EXPECT_EQ(d["zones"][2]["domain"], "core-0-die-1");
}

// ---- counters: wrap, units, reads ----

TEST(RaplSource, WrapUnitsIsMaxRangePlusOneInMicrojoules) {
  auto spec = test::fake_powercap_intel_2s();
  FakePowercap fake(spec);
  auto src = detail::rapl_source_open(fake.paths());
  for (const auto& c : src->counters()) {
    const std::string& id = kIntel2sZones.at(c.domain);
    uint64_t max_uj = 0;
    for (const auto& z : spec.zones)
      if (z.id == id) max_uj = z.max_energy_range_uj;
    EXPECT_EQ(c.wrap_units, max_uj + 1) << c.domain;
    EXPECT_DOUBLE_EQ(c.joules_per_unit, 1e-6) << c.domain;
    EXPECT_EQ(c.path, fake.energy_path(id)) << c.domain;
  }
  EXPECT_EQ(src->counters()[counter_index(*src, "dram-0")].wrap_units, 65712999614u);
}

TEST(RaplSource, ReadReturnsWhatWasWritten) {
  FakePowercap fake(test::fake_powercap_intel_2s());
  auto src = detail::rapl_source_open(fake.paths());
  for (int round = 0; round < 3; ++round) {
    sleep_ms(20);
    fake.write_now();
    auto units = read_all(*src);
    ASSERT_EQ(units.size(), src->counters().size());
    for (size_t i = 0; i < units.size(); ++i) {
      const std::string& id = kIntel2sZones.at(src->counters()[i].domain);
      ASSERT_TRUE(units[i].has_value()) << id;
      EXPECT_EQ(*units[i], fake.energy_uj_written(id)) << id;
    }
  }
  while (fake.now_s() < 0.2) sleep_ms(10);
  fake.write_now();
  // The dram-1 preset starts near its wrap (65712000000 of 65712999613 at 7 W): it has wrapped.
  EXPECT_LT(*read_all(*src)[counter_index(*src, "dram-1")], 65712000000u);
}

TEST(RaplSource, MirroredCountersReadTheSameValue) {
  // Under the AMD preset's vendor switched to Intel both die zones are kept: they must read the
  // same counter (the fake mirrors byte for byte).
  auto spec = test::fake_powercap_amd_dies();
  spec.vendor_id = "GenuineIntel";
  FakePowercap fake(spec);
  auto src = detail::rapl_source_open(fake.paths());
  sleep_ms(10);
  fake.write_now();
  auto units = read_all(*src);
  auto a = units[counter_index(*src, "package-0-die-0")];
  auto b = units[counter_index(*src, "package-0-die-1")];
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*units[counter_index(*src, "core-0-die-0")],
            *units[counter_index(*src, "core-0-die-1")]);
}

TEST(RaplSource, ReadFollowsTheRunningWriter) {
  FakePowercap fake(test::fake_powercap_intel_2s());
  auto src = detail::rapl_source_open(fake.paths());
  fake.writer_start();
  const size_t pkg = counter_index(*src, "package-0");
  std::optional<uint64_t> last;
  for (int i = 0; i < 20; ++i) {
    sleep_ms(10);
    const double before_s = fake.now_s();
    auto v = read_all(*src)[pkg];
    const double after_s = fake.now_s();
    ASSERT_TRUE(v.has_value());
    // What was read was written at some instant before the read ended, and (allowing the writer
    // up to 250 ms of scheduling delay) not long before it began.
    EXPECT_LE(*v, fake.energy_uj_at("intel-rapl:0", after_s));
    EXPECT_GE(*v, fake.energy_uj_at("intel-rapl:0", std::max(0.0, before_s - 0.25)));
    if (last) {
      EXPECT_GE(*v, *last);  // 40 W into a 262 kJ range: no wrap in this test
    }
    last = v;
  }
  fake.writer_stop();
  EXPECT_GT(*last, 123456789u + 40u * 150000u);  // >= 150 ms at 40 W above the initial value
}

// ---- gaps ----

TEST(RaplSource, GarbageIsAGapNotZeroAndOthersStillRead) {
  FakePowercap fake(test::fake_powercap_intel_2s());
  auto src = detail::rapl_source_open(fake.paths());
  const size_t dram = counter_index(*src, "dram-0");
  fake.energy_write_raw("intel-rapl:0:2", "garbage\n");
  auto units = read_all(*src);
  EXPECT_FALSE(units[dram].has_value());
  for (size_t i = 0; i < units.size(); ++i)
    if (i != dram) {
      EXPECT_TRUE(units[i].has_value()) << src->counters()[i].domain;
    }
  fake.zone_resume("intel-rapl:0:2");
  units = read_all(*src);
  ASSERT_TRUE(units[dram].has_value());
  EXPECT_EQ(*units[dram], fake.energy_uj_written("intel-rapl:0:2"));
}

TEST(RaplSource, CounterTextParsing) {
  FakePowercapSpec spec;
  spec.zones = {{"intel-rapl:0", "package-0", 1, 1000000, 0, 1, ""}};
  FakePowercap fake(spec);
  auto src = detail::rapl_source_open(fake.paths());
  const std::vector<std::pair<std::string, std::optional<uint64_t>>> cases = {
      {"123\n", 123},
      {"123", 123},
      {"  000123 \n", 123},
      {"0\n", 0},
      {"1000000\n", 1000000},               // max_energy_range_uj itself
      {std::string(40, '0') + "42\n", 42},  // long zero padding
      {"1000001\n", std::nullopt},          // above max_energy_range_uj
      {"", std::nullopt},
      {"\n", std::nullopt},
      {"12a\n", std::nullopt},
      {"-5\n", std::nullopt},
      {"+5\n", std::nullopt},
      {"1 2\n", std::nullopt},
      {"99999999999999999999999\n", std::nullopt},    // overflows 64 bits
      {std::string(100, '0') + "1\n", std::nullopt},  // longer than any counter
  };
  for (const auto& [text, want] : cases) {
    fake.energy_write_raw("intel-rapl:0", text);
    EXPECT_EQ(read_all(*src)[0], want) << "text: \"" << text << "\"";
  }
}

TEST(RaplSource, RemovedFileStillReadsThroughOpenFdAndIsSkippedAtNextOpen) {
  FakePowercap fake(test::fake_powercap_intel_2s());
  auto src = detail::rapl_source_open(fake.paths());
  fake.energy_remove("intel-rapl:1:2");
  sleep_ms(5);
  fake.write_now();  // into the unlinked inode, which the open fd still reads
  auto v = read_all(*src)[counter_index(*src, "dram-1")];
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(*v, fake.energy_uj_written("intel-rapl:1:2"));

  auto again = detail::rapl_source_open(fake.paths());
  EXPECT_EQ(again->counters().size(), kIntel2sZones.size() - 1);
  for (const auto& c : again->counters()) EXPECT_NE(c.domain, "dram-1");
  auto d = again->describe();
  ASSERT_EQ(d["skipped"].size(), 1u);
  EXPECT_EQ(d["skipped"][0]["file"], fake.energy_path("intel-rapl:1:2"));
}

TEST(RaplSource, OpenTimeReadFailureSkipsThatZone) {
  FakePowercap fake(test::fake_powercap_intel_2s());
  // An energy_uj that opens but cannot be read (a directory: pread fails with EISDIR).
  const std::string file = fake.zone_dir("intel-rapl:0:1") + "/energy_uj";
  fake.energy_remove("intel-rapl:0:1");
  ASSERT_EQ(::mkdir(file.c_str(), 0755), 0);
  auto src = detail::rapl_source_open(fake.paths());
  for (const auto& c : src->counters()) EXPECT_NE(c.domain, "uncore-0");
  EXPECT_EQ(src->counters().size(), kIntel2sZones.size() - 1);
  auto d = src->describe();
  ASSERT_EQ(d["skipped"].size(), 1u);
  EXPECT_EQ(d["skipped"][0]["file"], fake.energy_path("intel-rapl:0:1"));
  EXPECT_NE(d["skipped"][0]["why"].get<std::string>().find(std::strerror(EISDIR)),
            std::string::npos);
}

// ---- unavailability ----

TEST(RaplSource, NoPowercapTreeIsUnavailableNamingThePath) {
  FakePowercap fake(FakePowercapSpec{});  // no zones: proc/cpuinfo only
  SourcePaths paths = fake.paths();
  const SourceUnavailable e = testing::unavailable_of([&] { detail::rapl_source_open(paths); });
  EXPECT_EQ(e.source, "rapl");
  EXPECT_EQ(e.file, fake.sysfs_root() + "/class/powercap");
  EXPECT_NE(e.reason.find("no RAPL powercap zones"), std::string::npos) << e.reason;
  EXPECT_NE(e.fix.find("modprobe intel_rapl_common intel_rapl_msr"), std::string::npos) << e.fix;
  EXPECT_NE(std::string(e.what()).find(e.file), std::string::npos);
}

TEST(RaplSource, PowercapWithoutRaplZonesIsUnavailable) {
  FakePowercap fake(FakePowercapSpec{});
  std::filesystem::create_directories(fake.sysfs_root() + "/class/powercap/dtpm");
  std::filesystem::create_directories(fake.sysfs_root() + "/devices/virtual/powercap/dtpm");
  EXPECT_THROW(detail::rapl_source_open(fake.paths()), SourceUnavailable);
}

TEST(RaplSource, NoUsableZoneIsUnavailableNamingTheFile) {
  FakePowercapSpec spec;
  spec.zones = {{"intel-rapl:0", "package-0", 1, 1000000, 0, 1, ""}};
  FakePowercap fake(spec);
  fake.energy_write_raw("intel-rapl:0", "not a number\n");
  const SourceUnavailable e =
      testing::unavailable_of([&] { detail::rapl_source_open(fake.paths()); });
  EXPECT_EQ(e.file, fake.energy_path("intel-rapl:0"));
}

// Opens the source in a child that dropped to `nobody`; the exit code says what happened.
// 0: opened (want_error false) or the expected error; other codes: see the switch below.
int open_as_nobody(const SourcePaths& paths, uid_t uid, gid_t gid, bool want_error,
                   const std::string& want_file) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) ::_exit(10);
    try {
      auto src = detail::rapl_source_open(paths);
      ::_exit(want_error ? 11 : 0);
    } catch (const SourceUnavailable& e) {
      if (!want_error) ::_exit(12);
      if (e.file != want_file) ::_exit(13);
      if (e.fix.find("chmod a+r") == std::string::npos) ::_exit(14);
      if (e.fix.find("SUBSYSTEM==\"powercap\"") == std::string::npos ||
          e.fix.find("RUN+=\"/bin/chmod a+r /sys%p/energy_uj\"") == std::string::npos)
        ::_exit(15);
      if (e.fix.find("run as root") == std::string::npos) ::_exit(16);
      if (e.reason.find("CVE-2020-8694") == std::string::npos) ::_exit(17);
      ::_exit(0);
    } catch (...) {
      ::_exit(18);
    }
  }
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST(RaplSource, UnreadableEnergyAsNonRootNamesTheFileAndTheFix) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to make a file unreadable to another user";
  const passwd* pw = ::getpwnam("nobody");
  if (!pw) GTEST_SKIP() << "no user `nobody`";
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  FakePowercap fake(test::fake_powercap_intel_2s());
  // Control: `nobody` can walk and read the tree as built, so a failure below is the denial.
  ASSERT_EQ(open_as_nobody(fake.paths(), uid, gid, false, ""), 0)
      << "nobody cannot open the fake tree under " << fake.root()
      << " (is $TMPDIR traversable by others?)";
  fake.energy_deny_read("intel-rapl:1:2");
  const int code = open_as_nobody(fake.paths(), uid, gid, true, fake.energy_path("intel-rapl:1:2"));
  EXPECT_EQ(code, 0) << "10 setuid failed, 11 opened anyway, 13 wrong file, 14/15/16 fix lacks "
                        "chmod/udev rule/root, 17 reason lacks the CVE, 18 other exception";
  // Root itself still reads it (CAP_DAC_OVERRIDE), as on a real host.
  EXPECT_NO_THROW(detail::rapl_source_open(fake.paths()));
}

// ---- resources ----

size_t open_fd_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST(RaplSource, KeepsOneFdPerCounterAndClosesThem) {
  FakePowercap fake(test::fake_powercap_intel_mmio());
  const size_t before = open_fd_count();
  {
    auto src = detail::rapl_source_open(fake.paths());
    EXPECT_EQ(open_fd_count(), before + src->counters().size());  // the mmio twin was closed
  }
  EXPECT_EQ(open_fd_count(), before);
}

// ---- the fake tree itself (the lead's end-to-end tests rely on its truth) ----

TEST(FakePowercap, TruthIsPowerTimesElapsed) {
  FakePowercap fake(test::fake_powercap_intel_2s());
  EXPECT_DOUBLE_EQ(fake.energy_true_j("intel-rapl:0", 1.0, 3.5), 40.0 * 2.5);
  EXPECT_DOUBLE_EQ(fake.energy_true_j("intel-rapl:2", 0.0, 2.0), 240.0);
  // Counter arithmetic: initial + P * t, exact to the microjoule.
  EXPECT_EQ(fake.energy_uj_at("intel-rapl:0", 0.0), 123456789u);
  EXPECT_EQ(fake.energy_uj_at("intel-rapl:0", 2.0), 123456789u + 80000000u);
  // dram-1 starts 999613 uJ below its wrap (max 65712999613) at 7 W: wraps at 0.1428 s.
  EXPECT_EQ(fake.energy_uj_at("intel-rapl:1:2", 1.0), 65712000000u + 7000000u - 65712999614u);
  // A power change applies from now on.
  sleep_ms(20);
  const double t_change = fake.now_s();
  fake.power_set_w("intel-rapl:0", 10.0);
  const double t_end = t_change + 5.0;
  EXPECT_NEAR(fake.energy_true_j("intel-rapl:0", t_change, t_end), 50.0, 40.0 * 0.05);
  EXPECT_NEAR(fake.energy_true_j("intel-rapl:0", 0.0, t_end), 40.0 * t_change + 50.0, 40.0 * 0.05);
}

TEST(FakePowercap, MirrorsWriteTheSameBytes) {
  FakePowercap fake(test::fake_powercap_amd_dies());
  fake.writer_start();
  sleep_ms(30);
  fake.writer_stop();
  EXPECT_EQ(fake.energy_uj_written("intel-rapl:0"), fake.energy_uj_written("intel-rapl:1"));
  std::ifstream a(fake.energy_path("intel-rapl:0")), b(fake.energy_path("intel-rapl:1"));
  std::string ta((std::istreambuf_iterator<char>(a)), {}),
      tb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(ta, tb);
  EXPECT_EQ(ta.size(), 21u);  // 20 zero-padded digits and "\n"
  EXPECT_EQ(std::stoull(ta), fake.energy_uj_written("intel-rapl:0"));
}

TEST(FakePowercap, ResetDropsTheCounterButNotTheTruth) {
  FakePowercap fake(test::fake_powercap_intel_2s());
  sleep_ms(50);
  fake.write_now();
  const uint64_t before = fake.energy_uj_written("intel-rapl:0");
  EXPECT_GT(before, 123456789u);
  const double t_reset = fake.now_s();
  fake.counter_reset("intel-rapl:0");
  EXPECT_LT(fake.energy_uj_written("intel-rapl:0"), 40u * 5000u);  // ~0, at most 5 ms of 40 W
  auto src = detail::rapl_source_open(fake.paths());
  EXPECT_LT(*read_all(*src)[counter_index(*src, "package-0")], before);
  EXPECT_DOUBLE_EQ(fake.energy_true_j("intel-rapl:0", 0.0, t_reset + 1.0), 40.0 * (t_reset + 1.0));
}

TEST(FakePowercap, WrappingCounterAccumulatesToTheTruth) {
  // 20 W into a 10 J range wraps every 0.5 s; sampling every ~5 ms and adding deltas modulo the
  // range recovers the energy, as the sampler will.
  FakePowercapSpec spec;
  spec.zones = {{"intel-rapl:0", "package-0", 20.0, 9999999, 9000000, 1, ""}};
  FakePowercap fake(spec);
  auto src = detail::rapl_source_open(fake.paths());
  const uint64_t wrap = src->counters()[0].wrap_units;
  ASSERT_EQ(wrap, 10000000u);
  fake.writer_start();
  sleep_ms(5);
  const double t0 = fake.now_s();
  uint64_t prev = *read_all(*src)[0], total_uj = 0;
  int wraps = 0;
  while (fake.now_s() - t0 < 1.2) {
    sleep_ms(5);
    auto v = read_all(*src)[0];
    ASSERT_TRUE(v.has_value());
    ASSERT_LT(*v, wrap);
    if (*v < prev) ++wraps;
    total_uj += (*v + wrap - prev) % wrap;
    prev = *v;
  }
  const double t1 = fake.now_s();
  fake.writer_stop();
  EXPECT_GE(wraps, 2);
  // Up to ~50 ms of writer/reader scheduling lag at each end on a loaded machine.
  EXPECT_NEAR(total_uj * 1e-6, fake.energy_true_j("intel-rapl:0", t0, t1), 20.0 * 0.1);
}

}  // namespace
}  // namespace greenbench
