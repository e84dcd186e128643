// Tests of the `perf` source (meter/perf.cpp) against fake sysfs trees and a fake PerfBackend:
// domains per package, units, reads, gaps, and every unavailability reason. Plus one run of the
// real opener on this machine. Not a test of the kernel's power PMU itself.
#include "perf.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
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

SourceUnavailable open_error(const FakeCpuTree& tree, std::shared_ptr<FakePerfBackend> backend) {
  return testing::unavailable_of([&] { perf_source_open_with(tree.paths(), backend); });
}

TEST(PerfSource, NoPowerPmuIsUnavailableNamingTheDir) {
  FakeCpuTree tree;
  tree.cpu_add(0, 0, 0);
  auto e = open_error(tree, std::make_shared<FakePerfBackend>());
  EXPECT_EQ(e.source, "perf");
  EXPECT_NE(e.reason.find("no `power` perf PMU"), std::string::npos) << e.reason;
  EXPECT_EQ(e.file, tree.root() + "/sys/bus/event_source/devices/power");
  EXPECT_FALSE(e.fix.empty());
}

TEST(PerfSource, PermissionDeniedNamesParanoidLevelAndFix) {
  for (int err : {EACCES, EPERM}) {
    FakeCpuTree tree;
    two_socket_tree(tree);
    auto backend = std::make_shared<FakePerfBackend>();
    backend->open_errno[{2, 4}] = err;  // the second open fails; the first must be closed
    auto e = open_error(tree, backend);
    EXPECT_NE(e.reason.find("kernel.perf_event_paranoid is 2"), std::string::npos) << e.reason;
    EXPECT_NE(e.reason.find("<= 0"), std::string::npos) << e.reason;
    EXPECT_NE(e.reason.find("events/energy-pkg on cpu 4"), std::string::npos) << e.reason;
    EXPECT_EQ(e.file, tree.root() + "/proc/sys/kernel/perf_event_paranoid");
    EXPECT_NE(e.fix.find("setcap cap_perfmon+ep greenbench"), std::string::npos) << e.fix;
    EXPECT_NE(e.fix.find("sysctl kernel.perf_event_paranoid=0"), std::string::npos) << e.fix;
    EXPECT_TRUE(backend->open_fds.empty()) << "fds opened before the failure leak";
  }
}

TEST(PerfSource, PermissionDeniedWithUnreadableParanoidSaysSo) {
  FakeCpuTree tree;
  two_socket_tree(tree);
  std::filesystem::remove(tree.root() + "/proc/sys/kernel/perf_event_paranoid");
  auto backend = std::make_shared<FakePerfBackend>();
  backend->open_errno[{2, 0}] = EACCES;
  auto e = open_error(tree, backend);
  EXPECT_NE(e.reason.find("perf_event_paranoid is unreadable"), std::string::npos) << e.reason;
}

TEST(PerfSource, UnsupportedEventNamesTheEventFile) {
  for (int err : {ENOENT, EINVAL}) {
    FakeCpuTree tree;
    two_socket_tree(tree);
    auto backend = std::make_shared<FakePerfBackend>();
    backend->open_errno[{3, 0}] = err;
    auto e = open_error(tree, backend);
    EXPECT_NE(e.reason.find("not supported on this CPU"), std::string::npos) << e.reason;
    EXPECT_EQ(e.file, tree.root() + "/sys/bus/event_source/devices/power/events/energy-ram");
    EXPECT_TRUE(backend->open_fds.empty());
  }
}

TEST(PerfSource, OtherOpenErrorsNameTheEventAndCpu) {
  FakeCpuTree tree;
  two_socket_tree(tree);
  auto backend = std::make_shared<FakePerfBackend>();
  backend->open_errno[{1, 4}] = ENODEV;
  auto e = open_error(tree, backend);
  EXPECT_NE(e.reason.find("energy-cores on cpu 4"), std::string::npos) << e.reason;
  EXPECT_NE(e.fix.find("cpu 4"), std::string::npos) << e.fix;
}

TEST(PerfSource, BrokenPmuFilesAreUnavailableNamingTheFile) {
  const std::string pmu = "/sys/bus/event_source/devices/power";
  {
    FakeCpuTree tree;
    two_socket_tree(tree);
    std::filesystem::remove(tree.root() + pmu + "/type");
    EXPECT_EQ(open_error(tree, std::make_shared<FakePerfBackend>()).file,
              tree.root() + pmu + "/type");
  }
  {
    FakeCpuTree tree;
    two_socket_tree(tree);
    tree.file_write("sys/bus/event_source/devices/power/cpumask", "0-\n");
    EXPECT_EQ(open_error(tree, std::make_shared<FakePerfBackend>()).file,
              tree.root() + pmu + "/cpumask");
  }
  {
    FakeCpuTree tree;
    two_socket_tree(tree);
    tree.file_write("sys/bus/event_source/devices/power/cpumask", "0,8\n");  // no cpu8 topology
    EXPECT_EQ(open_error(tree, std::make_shared<FakePerfBackend>()).file,
              tree.root() + "/sys/devices/system/cpu/cpu8/topology/physical_package_id");
  }
  {
    FakeCpuTree tree;
    two_socket_tree(tree);
    tree.file_write("sys/bus/event_source/devices/power/events/energy-ram", "umask=0x3\n");
    auto e = open_error(tree, std::make_shared<FakePerfBackend>());
    EXPECT_EQ(e.file, tree.root() + pmu + "/events/energy-ram");
    EXPECT_NE(e.reason.find("umask=0x3"), std::string::npos) << e.reason;
  }
  {
    FakeCpuTree tree;
    two_socket_tree(tree);
    tree.file_write("sys/bus/event_source/devices/power/events/energy-pkg.scale", "nan\n");
    EXPECT_EQ(open_error(tree, std::make_shared<FakePerfBackend>()).file,
              tree.root() + pmu + "/events/energy-pkg.scale");
  }
  {
    FakeCpuTree tree;
    two_socket_tree(tree);
    tree.file_write("sys/bus/event_source/devices/power/events/energy-pkg.unit", "Watts\n");
    EXPECT_EQ(open_error(tree, std::make_shared<FakePerfBackend>()).file,
              tree.root() + pmu + "/events/energy-pkg.unit");
  }
}

TEST(PerfSource, PmuWithoutEnergyEventsIsUnavailable) {
  FakeCpuTree tree;
  tree.cpu_add(0, 0, 0);
  tree.power_pmu_write(kPowerType, "0");
  auto e = open_error(tree, std::make_shared<FakePerfBackend>());
  EXPECT_NE(e.reason.find("no energy events"), std::string::npos) << e.reason;
  EXPECT_EQ(e.file, tree.root() + "/sys/bus/event_source/devices/power/events");
}

// This machine, for real: where the kernel has no power PMU (a VM) the opener must say so
// cleanly; where it has one, it either opens real counters or says why not.
TEST(PerfSource, RealMachineOpensOrSaysWhy) {
  const SourcePaths real{"/sys", "/proc", "/dev", ""};
  const bool has_pmu = std::filesystem::is_directory("/sys/bus/event_source/devices/power");
  try {
    auto source = perf_source_open(real);
    ASSERT_TRUE(has_pmu) << "opened without a power PMU";
    ASSERT_FALSE(source->counters().empty());
    std::vector<std::optional<uint64_t>> units;
    source->read(units);
    EXPECT_TRUE(units[0].has_value()) << "a freshly opened perf event failed to read";
  } catch (const SourceUnavailable& e) {
    EXPECT_EQ(e.source, "perf");
    EXPECT_FALSE(e.reason.empty());
    EXPECT_FALSE(e.file.empty());
    EXPECT_FALSE(e.fix.empty());
    if (!has_pmu) {
      EXPECT_EQ(e.file, "/sys/bus/event_source/devices/power");
    }
    std::cout << "perf on this machine: " << e.what() << "\n";
  }
}

}  // namespace
}  // namespace greenbench::detail
