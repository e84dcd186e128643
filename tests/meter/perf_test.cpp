// Tests of the `perf` source (meter/perf.cpp) against fake sysfs trees and a fake PerfBackend:
// domains per package, units, reads, gaps, and every unavailability reason. Plus one run of the
// real opener on this machine. Not a test of the kernel's power PMU itself.
#include "perf.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "fake_cpu_tree.hpp"
#include "sources.hpp"
#include "unavailable.hpp"

namespace greenbench::detail {
namespace {

using fake_cpu::FakeCpuTree;

constexpr double kPerfScaleJ = 2.3283064365386962890625e-10;  // 2^-32 J, what rapl.c exports
constexpr int kPowerType = 23;

// Hands out fds for (config, cpu) opens, or -errno where told to; reads programmed counts.
class FakePerfBackend : public PerfBackend {
 public:
  std::map<std::pair<uint64_t, int>, int> open_errno;      // (config, cpu) -> errno to return
  std::map<std::pair<uint64_t, int>, uint64_t> counts;     // (config, cpu) -> count; absent = fail
  std::vector<std::tuple<uint32_t, uint64_t, int>> opens;  // every open call
  std::set<int> open_fds;

  int open(uint32_t type, uint64_t config, int cpu) override {
    opens.emplace_back(type, config, cpu);
    auto err = open_errno.find({config, cpu});
    if (err != open_errno.end()) return -err->second;
    int fd = next_fd_++;
    fd_event_[fd] = {config, cpu};
    open_fds.insert(fd);
    return fd;
  }
  std::optional<uint64_t> read(int fd) override {
    if (!open_fds.count(fd)) return std::nullopt;
    auto it = counts.find(fd_event_.at(fd));
    if (it == counts.end()) return std::nullopt;
    return it->second;
  }
  void close(int fd) override {
    EXPECT_TRUE(open_fds.count(fd)) << "close of fd " << fd << " that is not open";
    open_fds.erase(fd);
  }

 private:
  int next_fd_ = 100;
  std::map<int, std::pair<uint64_t, int>> fd_event_;
};

// Two sockets of four CPUs (two cores, two threads); the PMU reads on CPUs 0 and 4.
void two_socket_tree(FakeCpuTree& tree) {
  for (int cpu = 0; cpu < 8; ++cpu) tree.cpu_add(cpu, cpu / 4, cpu % 2);
  tree.paranoid_write(2);
  tree.power_pmu_write(kPowerType, "0,4");
  tree.power_event_write("energy-cores", 0x01);
  tree.power_event_write("energy-pkg", 0x02);
  tree.power_event_write("energy-ram", 0x03);
}

std::vector<std::string> domain_names(const EnergySource& source) {
  std::vector<std::string> names;
  for (const auto& c : source.counters()) names.push_back(c.domain);
  return names;
}

TEST(PerfSource, TwoSocketIntelWithPsysDomainsKindsAndUnits) {
  FakeCpuTree tree;
  two_socket_tree(tree);
  tree.power_event_write("energy-psys", 0x05);
  auto backend = std::make_shared<FakePerfBackend>();
  auto source = perf_source_open_with(tree.paths(), backend);

  EXPECT_EQ(source->name(), "perf");
  EXPECT_FALSE(source->estimated());
  EXPECT_EQ(domain_names(*source),
            (std::vector<std::string>{"package-0", "package-1", "dram-0", "dram-1", "core-0",
                                      "core-1", "psys"}));
  std::map<std::string, DomainKind> kinds;
  for (const auto& c : source->counters()) {
    kinds[c.domain] = c.kind;
    EXPECT_EQ(c.joules_per_unit, kPerfScaleJ) << c.domain;
    EXPECT_EQ(c.wrap_units, 0u) << c.domain << ": the kernel count is 64-bit";
  }
  EXPECT_EQ(kinds["package-1"], DomainKind::package);
  EXPECT_EQ(kinds["dram-0"], DomainKind::dram);
  EXPECT_EQ(kinds["core-1"], DomainKind::core);
  EXPECT_EQ(kinds["psys"], DomainKind::psys);

  // One open per event per package CPU, psys once on the first; config = the event code.
  using Open = std::tuple<uint32_t, uint64_t, int>;
  EXPECT_EQ(backend->opens, (std::vector<Open>{{kPowerType, 2, 0},
                                               {kPowerType, 2, 4},
                                               {kPowerType, 3, 0},
                                               {kPowerType, 3, 4},
                                               {kPowerType, 1, 0},
                                               {kPowerType, 1, 4},
                                               {kPowerType, 5, 0}}));
  EXPECT_NE(source->counters()[1].path.find("events/energy-pkg"), std::string::npos);
  EXPECT_NE(source->counters()[1].path.find("cpu 4"), std::string::npos);
  EXPECT_EQ(source->describe()["pmu_type"], kPowerType);
  EXPECT_EQ(source->describe()["events"]["dram-1"]["cpu"], 4);
}

TEST(PerfSource, WithoutPsysGpuBecomesUncoreAndNoPsysDomain) {
  FakeCpuTree tree;
  two_socket_tree(tree);
  tree.power_event_write("energy-gpu", 0x04);
  auto source = perf_source_open_with(tree.paths(), std::make_shared<FakePerfBackend>());
  EXPECT_EQ(domain_names(*source),
            (std::vector<std::string>{"package-0", "package-1", "dram-0", "dram-1", "core-0",
                                      "core-1", "uncore-0", "uncore-1"}));
  EXPECT_EQ(source->counters()[6].kind, DomainKind::uncore);
}

TEST(PerfSource, ScaleComesFromTheScaleFile) {
  FakeCpuTree tree;
  tree.cpu_add(0, 0, 0);
  tree.power_pmu_write(kPowerType, "0");
  tree.power_event_write("energy-pkg", 0x02, "1.52587890625e-05");  // 2^-16
  auto source = perf_source_open_with(tree.paths(), std::make_shared<FakePerfBackend>());
  ASSERT_EQ(source->counters().size(), 1u);
  EXPECT_EQ(source->counters()[0].joules_per_unit, 1.52587890625e-05);
}

TEST(PerfSource, CpumaskRangeMapsCpusToTheirPackageIds) {
  FakeCpuTree tree;
  tree.cpu_add(0, 1, 0);  // package ids need not follow CPU order
  tree.cpu_add(1, 0, 0);
  tree.power_pmu_write(kPowerType, "0-1");
  tree.power_event_write("energy-pkg", 0x02);
  auto backend = std::make_shared<FakePerfBackend>();
  auto source = perf_source_open_with(tree.paths(), backend);
  EXPECT_EQ(domain_names(*source), (std::vector<std::string>{"package-1", "package-0"}));
  EXPECT_EQ(std::get<2>(backend->opens[1]), 1);
}

TEST(PerfSource, TwoDiesOfOnePackageGetDieSuffixes) {
  FakeCpuTree tree;
  tree.cpu_add(0, 0, 0, /*die=*/0);
  tree.cpu_add(1, 0, 1, /*die=*/1);
  tree.power_pmu_write(kPowerType, "0,1");
  tree.power_event_write("energy-pkg", 0x02);
  auto source = perf_source_open_with(tree.paths(), std::make_shared<FakePerfBackend>());
  EXPECT_EQ(domain_names(*source),
            (std::vector<std::string>{"package-0-die-0", "package-0-die-1"}));
}

TEST(PerfSource, ReadGivesCountsAndFailedReadsAreGaps) {
  FakeCpuTree tree;
  two_socket_tree(tree);
  auto backend = std::make_shared<FakePerfBackend>();
  backend->counts[{2, 0}] = 123456789012345ull;  // beyond 32 bits: no masking
  backend->counts[{2, 4}] = 7;
  backend->counts[{3, 0}] = 0;
  backend->counts[{1, 0}] = 42;
  // dram-1 (3, 4) and core-1 (1, 4) fail.
  auto source = perf_source_open_with(tree.paths(), backend);
  std::vector<std::optional<uint64_t>> units;
  source->read(units);
  ASSERT_EQ(units.size(), 6u);
  EXPECT_EQ(units[0], std::optional<uint64_t>(123456789012345ull));
  EXPECT_EQ(units[1], std::optional<uint64_t>(7));
  EXPECT_EQ(units[2], std::optional<uint64_t>(0)) << "a zero count is a value, not a gap";
  EXPECT_EQ(units[3], std::nullopt);
  EXPECT_EQ(units[4], std::optional<uint64_t>(42));
  EXPECT_EQ(units[5], std::nullopt);

  backend->counts[{2, 0}] += 1000;
  backend->counts[{3, 4}] = 5;
  source->read(units);
  EXPECT_EQ(units[0], std::optional<uint64_t>(123456789013345ull));
  EXPECT_EQ(units[3], std::optional<uint64_t>(5));
}

TEST(PerfSource, DestructionClosesEveryFd) {
  FakeCpuTree tree;
  two_socket_tree(tree);
  auto backend = std::make_shared<FakePerfBackend>();
  auto source = perf_source_open_with(tree.paths(), backend);
  EXPECT_EQ(backend->open_fds.size(), 6u);
  source.reset();
  EXPECT_TRUE(backend->open_fds.empty());
}

const std::string kPmu = "/sys/bus/event_source/devices/power";

// A tree and backend the opener must refuse, and what its SourceUnavailable must say: every
// `reason` and `fix` part within its text, and `file` under the tree's root.
struct UnavailableCase {
  const char* name;
  std::function<void(FakeCpuTree&, FakePerfBackend&)> arrange;
  std::vector<std::string> reason;
  std::string file;  // "" = not checked
  std::vector<std::string> fix;
};

// A failing case is reported by its name, not its bytes.
void PrintTo(const UnavailableCase& c, std::ostream* os) {
  *os << c.name;
}

class PerfUnavailable : public ::testing::TestWithParam<UnavailableCase> {};

// Every refusal says why, with a fix, and leaves no perf fd open (the opens before the failing
// one closed).
TEST_P(PerfUnavailable, SaysWhyAndClosesEveryFd) {
  const UnavailableCase& c = GetParam();
  FakeCpuTree tree;
  auto backend = std::make_shared<FakePerfBackend>();
  c.arrange(tree, *backend);
  const SourceUnavailable e =
      testing::unavailable_of([&] { perf_source_open_with(tree.paths(), backend); });
  EXPECT_EQ(e.source, "perf");
  for (const std::string& part : c.reason)
    EXPECT_NE(e.reason.find(part), std::string::npos) << e.reason;
  if (!c.file.empty()) {
    EXPECT_EQ(e.file, tree.root() + c.file);
  }
  EXPECT_FALSE(e.fix.empty());
  for (const std::string& part : c.fix) EXPECT_NE(e.fix.find(part), std::string::npos) << e.fix;
  EXPECT_TRUE(backend->open_fds.empty()) << "fds opened before the failure leak";
}

// two_socket_tree whose open of (config, cpu) fails with `err`.
auto open_fails(uint64_t config, int cpu, int err) {
  return [=](FakeCpuTree& tree, FakePerfBackend& backend) {
    two_socket_tree(tree);
    backend.open_errno[{config, cpu}] = err;
  };
}

// two_socket_tree with one of the PMU's files (relative to its directory) rewritten or, for
// nullopt, removed.
auto pmu_file_broken(const std::string& rel, std::optional<std::string> text) {
  return [=](FakeCpuTree& tree, FakePerfBackend&) {
    two_socket_tree(tree);
    if (text)
      tree.file_write(kPmu.substr(1) + "/" + rel, *text);
    else
      std::filesystem::remove(tree.root() + kPmu + "/" + rel);
  };
}

const std::vector<std::string> kParanoidReason = {"kernel.perf_event_paranoid is 2", "<= 0",
                                                  "events/energy-pkg on cpu 4"};
const std::vector<std::string> kParanoidFix = {"setcap cap_perfmon+ep greenbench",
                                               "sysctl kernel.perf_event_paranoid=0"};
const std::string kParanoidFile = "/proc/sys/kernel/perf_event_paranoid";

const UnavailableCase kUnavailableCases[] = {
    {"NoPowerPmuNamesTheDir",
     [](FakeCpuTree& tree, FakePerfBackend&) { tree.cpu_add(0, 0, 0); },
     {"no `power` perf PMU"},
     kPmu,
     {}},
    // The second open fails: the first must be closed.
    {"PermissionDeniedEaccesNamesParanoidLevelAndFix", open_fails(2, 4, EACCES), kParanoidReason,
     kParanoidFile, kParanoidFix},
    {"PermissionDeniedEpermNamesParanoidLevelAndFix", open_fails(2, 4, EPERM), kParanoidReason,
     kParanoidFile, kParanoidFix},
    {"PermissionDeniedWithUnreadableParanoidSaysSo",
     [](FakeCpuTree& tree, FakePerfBackend& backend) {
       open_fails(2, 0, EACCES)(tree, backend);
       std::filesystem::remove(tree.root() + kParanoidFile);
     },
     {"perf_event_paranoid is unreadable"},
     "",
     {}},
    {"UnsupportedEventEnoentNamesTheEventFile",
     open_fails(3, 0, ENOENT),
     {"not supported on this CPU"},
     kPmu + "/events/energy-ram",
     {}},
    {"UnsupportedEventEinvalNamesTheEventFile",
     open_fails(3, 0, EINVAL),
     {"not supported on this CPU"},
     kPmu + "/events/energy-ram",
     {}},
    {"OtherOpenErrorsNameTheEventAndCpu",
     open_fails(1, 4, ENODEV),
     {"energy-cores on cpu 4"},
     "",
     {"cpu 4"}},
    {"PmuTypeMissing", pmu_file_broken("type", std::nullopt), {}, kPmu + "/type", {}},
    {"PmuCpumaskUnparsable", pmu_file_broken("cpumask", "0-\n"), {}, kPmu + "/cpumask", {}},
    {"PmuCpumaskCpuWithoutTopology",
     pmu_file_broken("cpumask", "0,8\n"),
     {},
     "/sys/devices/system/cpu/cpu8/topology/physical_package_id",
     {}},
    {"PmuEventUnparsable",
     pmu_file_broken("events/energy-ram", "umask=0x3\n"),
     {"umask=0x3"},
     kPmu + "/events/energy-ram",
     {}},
    {"PmuScaleNotANumber",
     pmu_file_broken("events/energy-pkg.scale", "nan\n"),
     {},
     kPmu + "/events/energy-pkg.scale",
     {}},
    {"PmuUnitNotJoules",
     pmu_file_broken("events/energy-pkg.unit", "Watts\n"),
     {},
     kPmu + "/events/energy-pkg.unit",
     {}},
    {"PmuWithoutEnergyEvents",
     [](FakeCpuTree& tree, FakePerfBackend&) {
       tree.cpu_add(0, 0, 0);
       tree.power_pmu_write(kPowerType, "0");
     },
     {"no energy events"},
     kPmu + "/events",
     {}},
};

INSTANTIATE_TEST_SUITE_P(PerfSource, PerfUnavailable, ::testing::ValuesIn(kUnavailableCases),
                         [](const auto& info) { return std::string(info.param.name); });

// This machine, for real: where the kernel has no power PMU (a VM) the opener must say so
// cleanly; where it has one, it either opens real counters or says why not.
TEST(PerfSource, RealMachineOpensOrSaysWhy) {
  const SourcePaths real{"/sys", "/proc", "/dev", ""};
  const bool has_pmu = std::filesystem::is_directory(kPmu);
  testing::real_opens_or_says_why(
      "perf", has_pmu, [&] { return perf_source_open(real); },
      [&](const SourceUnavailable& e) {
        if (!has_pmu) {
          EXPECT_EQ(e.file, kPmu);
        }
      });
}

}  // namespace
}  // namespace greenbench::detail
