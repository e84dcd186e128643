// Tests of the `msr` source (meter/msr.cpp) against fake trees whose /dev/cpu/N/msr are sparse
// regular files holding registers at their offsets: Intel and AMD domains, units, the server
// DRAM unit quirk, reads, gaps, and every unavailability reason. Not a test of the msr driver.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>

#include "fake_cpu_tree.hpp"
#include "sources.hpp"
#include "unavailable.hpp"

namespace greenbench::detail {
namespace {

using fake_cpu::FakeCpuTree;

constexpr uint64_t kWrap32 = uint64_t{1} << 32;
// MSR_RAPL_POWER_UNIT as a Skylake reads it: power 2^-3 W, energy 2^-14 J, time 2^-10 s.
constexpr uint64_t kUnitEsu14 = 0x000A0E03;
constexpr uint64_t kUnitEsu16 = 0x000A1003;  // Sandy Bridge and AMD Zen: energy 2^-16 J

struct Counter {
  std::string domain;
  DomainKind kind;
  double joules_per_unit;
};

std::vector<Counter> counters_of(const EnergySource& source) {
  std::vector<Counter> out;
  for (const auto& c : source.counters()) {
    EXPECT_EQ(c.wrap_units, kWrap32) << c.domain << ": RAPL status registers are 32-bit";
    out.push_back({c.domain, c.kind, c.joules_per_unit});
  }
  return out;
}

std::vector<std::string> domain_names(const EnergySource& source) {
  std::vector<std::string> names;
  for (const auto& c : source.counters()) names.push_back(c.domain);
  return names;
}

using Units = std::map<std::string, double>;  // domain -> joules per unit

Units units_j(const EnergySource& source) {
  Units out;
  for (const auto& c : source.counters()) out[c.domain] = c.joules_per_unit;
  return out;
}

const double kEsu14J = std::ldexp(1.0, -14), kEsu16J = std::ldexp(1.0, -16);

// The units of intel_two_socket's domains without psys: each core counts in its package's unit.
Units intel_two_socket_units(double package0_j, double dram0_j, double package1_j, double dram1_j) {
  return {{"package-0", package0_j}, {"dram-0", dram0_j}, {"core-0", package0_j},
          {"package-1", package1_j}, {"dram-1", dram1_j}, {"core-1", package1_j}};
}

// Two Intel sockets of four CPUs (two cores x two threads): CPUs 0 and 4 lead the packages.
// Package, DRAM and PP0 count on both; psys (platform) only where `psys`.
void intel_two_socket(FakeCpuTree& tree, int model, uint64_t unit_reg, bool psys) {
  for (int cpu = 0; cpu < 8; ++cpu) tree.cpu_add(cpu, cpu / 4, cpu % 2);
  tree.cpuinfo_write("GenuineIntel", 6, model);
  for (int cpu = 0; cpu < 8; ++cpu) tree.msr_create(cpu);
  for (int lead : {0, 4}) {
    tree.msr_write(lead, 0x606, unit_reg);
    tree.msr_write(lead, 0x611, 1000 + lead);
    tree.msr_write(lead, 0x619, 2000 + lead);
    tree.msr_write(lead, 0x639, 3000 + lead);
  }
  if (psys) tree.msr_write(0, 0x64D, 4000);  // PP1 (0x641) below it then reads 0: no domain
}

TEST(MsrSource, IntelTwoSocketWithPsys) {
  FakeCpuTree tree;
  intel_two_socket(tree, 0x55, kUnitEsu14, /*psys=*/true);
  auto source = msr_source_open(tree.paths());
  EXPECT_EQ(source->name(), "msr");
  EXPECT_EQ(domain_names(*source),
            (std::vector<std::string>{"package-0", "dram-0", "core-0", "psys", "package-1",
                                      "dram-1", "core-1"}));
  auto counters = counters_of(*source);
  EXPECT_EQ(counters[0].kind, DomainKind::package);
  EXPECT_EQ(counters[1].kind, DomainKind::dram);
  EXPECT_EQ(counters[2].kind, DomainKind::core);
  EXPECT_EQ(counters[3].kind, DomainKind::psys);
  EXPECT_EQ(counters[4].kind, DomainKind::package);
  EXPECT_NE(source->counters()[4].path.find("/dev/cpu/4/msr@0x611"), std::string::npos)
      << source->counters()[4].path;
  EXPECT_EQ(source->describe()["registers"]["core-1"]["msr"], "0x639");
  EXPECT_EQ(source->describe()["registers"]["core-1"]["cpu"], 4);
}

TEST(MsrSource, IntelWithoutPsysOrPp1HasNoSuchDomains) {
  FakeCpuTree tree;
  intel_two_socket(tree, 0x2D, kUnitEsu16, /*psys=*/false);  // Sandy Bridge-EP
  auto source = msr_source_open(tree.paths());
  EXPECT_EQ(domain_names(*source), (std::vector<std::string>{"package-0", "dram-0", "core-0",
                                                             "package-1", "dram-1", "core-1"}));
}

TEST(MsrSource, IntelClientPp1IsUncore) {
  FakeCpuTree tree;
  for (int cpu = 0; cpu < 4; ++cpu) tree.cpu_add(cpu, 0, cpu % 2);
  tree.cpuinfo_write("GenuineIntel", 6, 0x9E);  // Kaby Lake client: no DRAM register
  tree.msr_write(0, 0x606, kUnitEsu14);
  tree.msr_write(0, 0x611, 10);
  tree.msr_write(0, 0x639, 11);
  tree.msr_write(0, 0x641, 12);
  tree.msr_write(0, 0x64D, 13);
  auto source = msr_source_open(tree.paths());
  EXPECT_EQ(domain_names(*source),
            (std::vector<std::string>{"package-0", "core-0", "uncore-0", "psys"}));
  EXPECT_EQ(source->counters()[2].kind, DomainKind::uncore);
  for (const auto& c : source->counters()) EXPECT_EQ(c.joules_per_unit, kEsu14J) << c.domain;
}

TEST(MsrSource, IntelUnitsComeFromPowerUnitRegisterPerPackage) {
  FakeCpuTree tree;
  intel_two_socket(tree, 0x2D, kUnitEsu16, false);
  tree.msr_write(4, 0x606, 0x000A0E03);  // package 1 says ESU 14
  EXPECT_EQ(units_j(*msr_source_open(tree.paths())),
            intel_two_socket_units(kEsu16J, kEsu16J, kEsu14J, kEsu14J));
}

// Two sockets of each model whose power unit registers say ESU 14: DRAM counts in dram_j, every
// other domain in the register's 2^-14 J.
void dram_unit_check(std::initializer_list<int> models, double dram_j) {
  for (int model : models) {
    FakeCpuTree tree;
    intel_two_socket(tree, model, kUnitEsu14, false);
    EXPECT_EQ(units_j(*msr_source_open(tree.paths())),
              intel_two_socket_units(kEsu14J, dram_j, kEsu14J, dram_j))
        << "model 0x" << std::hex << model;
  }
}

TEST(MsrSource, ServerModelsUseFixedDramUnit) {
  // Linux's list (rapl.c RAPL_UNIT_QUIRK_INTEL_HSW, intel_rapl_common.c hsw_server, turbostat).
  dram_unit_check({0x3F, 0x4F, 0x56, 0x55, 0x6A, 0x6C, 0x57, 0x85}, kEsu16J);
}

TEST(MsrSource, OtherModelsUseThePowerUnitForDram) {
  dram_unit_check({0x2D, 0x3E, 0x8F, 0xCF, 0x9E}, kEsu14J);  // SNB-EP, IVB-EP, SPR, EMR, client
}

TEST(MsrSource, SapphireRapidsPsysUnitIsOneJoule) {
  FakeCpuTree tree;
  intel_two_socket(tree, 0x8F, kUnitEsu14, /*psys=*/true);
  auto source = msr_source_open(tree.paths());
  auto units = units_j(*source);
  EXPECT_EQ(units["psys"], 1.0);
  EXPECT_EQ(units["package-0"], kEsu14J);
  EXPECT_EQ(source->describe()["quirks"].size(), 1u);
}

TEST(MsrSource, MultiDiePackagesGetDieSuffixes) {
  FakeCpuTree tree;
  tree.cpu_add(0, 0, 0, /*die=*/0);
  tree.cpu_add(1, 0, 1, /*die=*/1);
  tree.cpuinfo_write("GenuineIntel", 6, 0x55);  // Cascade Lake-AP
  for (int cpu : {0, 1}) {
    tree.msr_write(cpu, 0x606, kUnitEsu14);
    tree.msr_write(cpu, 0x611, 5);
  }
  EXPECT_EQ(domain_names(*msr_source_open(tree.paths())),
            (std::vector<std::string>{"package-0-die-0", "package-0-die-1"}));
}

TEST(MsrSource, ReadGivesLow32BitsAndTracksChanges) {
  FakeCpuTree tree;
  intel_two_socket(tree, 0x2D, kUnitEsu16, false);
  tree.msr_write(0, 0x611, 0x0000'ABCD'8765'4321ull);  // reserved high bits set
  tree.msr_write(4, 0x639, 0xFFFF'FFFFull);
  auto source = msr_source_open(tree.paths());
  std::vector<std::optional<uint64_t>> units;
  source->read(units);
  ASSERT_EQ(units.size(), 6u);
  EXPECT_EQ(units[0], std::optional<uint64_t>(0x8765'4321u));
  EXPECT_EQ(units[1], std::optional<uint64_t>(2000));
  EXPECT_EQ(units[5], std::optional<uint64_t>(0xFFFF'FFFFu));

  tree.msr_write(0, 0x611, 0x0000'ABCD'0000'0010ull);  // wrapped past 2^32
  tree.msr_write(4, 0x639, 7);
  source->read(units);
  EXPECT_EQ(units[0], std::optional<uint64_t>(0x10));
  EXPECT_EQ(units[5], std::optional<uint64_t>(7));
}

TEST(MsrSource, FailedReadsAreGaps) {
  FakeCpuTree tree;
  intel_two_socket(tree, 0x2D, kUnitEsu16, false);
  auto source = msr_source_open(tree.paths());
  // Package 1's registers vanish (the fd stays open): its reads come back short.
  std::filesystem::resize_file(tree.root() + "/dev/cpu/4/msr", 0);
  std::vector<std::optional<uint64_t>> units;
  source->read(units);
  ASSERT_EQ(units.size(), 6u);
  EXPECT_EQ(units[0], std::optional<uint64_t>(1000));
  EXPECT_EQ(units[3], std::nullopt);
  EXPECT_EQ(units[4], std::nullopt);
  EXPECT_EQ(units[5], std::nullopt);
}

// AMD Zen, two sockets, each two cores x two threads: CPUs 0-1 and 2-3 are siblings in
// package 0 (core ids 0, 1), CPUs 4-7 likewise in package 1. CPU n's package register holds
// 900 + n; its core register what the overlapping file layout makes of that (see
// FakeCpuTree::amd_rapl_write), returned per CPU.
std::vector<uint32_t> amd_two_socket(FakeCpuTree& tree, const std::string& vendor, int family,
                                     int esu = 16) {
  for (int cpu = 0; cpu < 8; ++cpu) tree.cpu_add(cpu, cpu / 4, cpu % 2);
  tree.cpuinfo_write(vendor, family, 1);
  std::vector<uint32_t> core_units;
  for (int cpu = 0; cpu < 8; ++cpu) core_units.push_back(tree.amd_rapl_write(cpu, esu, 900 + cpu));
  return core_units;
}

TEST(MsrSource, AmdPackagesAndPerCoreCounters) {
  FakeCpuTree tree;
  auto core = amd_two_socket(tree, "AuthenticAMD", 0x19);
  auto source = msr_source_open(tree.paths());
  EXPECT_EQ(domain_names(*source), (std::vector<std::string>{"package-0", "package-1", "core-0-0",
                                                             "core-0-1", "core-1-0", "core-1-1"}));
  auto counters = counters_of(*source);
  EXPECT_EQ(counters[0].kind, DomainKind::package);
  for (size_t i = 2; i < counters.size(); ++i) EXPECT_EQ(counters[i].kind, DomainKind::core);
  for (const auto& c : counters) EXPECT_EQ(c.joules_per_unit, kEsu16J) << c.domain;

  // Packages read on CPUs 0 and 4; each core on its first thread: core-1-1 on CPU 5, not 7.
  std::vector<std::optional<uint64_t>> units;
  source->read(units);
  EXPECT_EQ(units,
            (std::vector<std::optional<uint64_t>>{900, 904, core[0], core[1], core[4], core[5]}));
  EXPECT_EQ(source->describe()["registers"]["core-1-1"]["cpu"], 5);
  EXPECT_EQ(source->describe()["registers"]["core-1-1"]["msr"], "0xC001029A");
  EXPECT_EQ(source->describe()["registers"]["package-1"]["msr"], "0xC001029B");
}

TEST(MsrSource, AmdUnitComesFromC0010299PerPackage) {
  FakeCpuTree tree;
  amd_two_socket(tree, "AuthenticAMD", 0x17);
  tree.amd_rapl_write(0, 14, 900);  // package 0 says ESU 14
  EXPECT_EQ(units_j(*msr_source_open(tree.paths())), (Units{{"package-0", kEsu14J},
                                                            {"core-0-0", kEsu14J},
                                                            {"core-0-1", kEsu14J},
                                                            {"package-1", kEsu16J},
                                                            {"core-1-0", kEsu16J},
                                                            {"core-1-1", kEsu16J}}));
}

TEST(MsrSource, HygonIsReadLikeAmd) {
  FakeCpuTree tree;
  amd_two_socket(tree, "HygonGenuine", 0x18);
  EXPECT_EQ(msr_source_open(tree.paths())->counters().size(), 6u);
}

// One CPU (package 0, core 0) of `vendor` in /proc/cpuinfo.
void one_cpu(FakeCpuTree& tree, const std::string& vendor, int family, int model) {
  tree.cpu_add(0, 0, 0);
  tree.cpuinfo_write(vendor, family, model);
}

// A tree the opener must refuse, and what its SourceUnavailable must say besides some fix:
// `reason` and `fix` within the text ("" = not checked), `file` under the tree's root (nullptr =
// not checked).
struct UnavailableCase {
  const char* name;
  std::function<void(FakeCpuTree&)> arrange;
  const char* reason;
  const char* file;
  const char* fix;
};

// A failing case is reported by its name, not its bytes.
void PrintTo(const UnavailableCase& c, std::ostream* os) {
  *os << c.name;
}

class MsrUnavailable : public ::testing::TestWithParam<UnavailableCase> {};

TEST_P(MsrUnavailable, SaysWhy) {
  const UnavailableCase& c = GetParam();
  FakeCpuTree tree;
  c.arrange(tree);
  const SourceUnavailable e = testing::unavailable_of([&] { msr_source_open(tree.paths()); });
  EXPECT_EQ(e.source, "msr");
  EXPECT_FALSE(e.fix.empty()) << "every refusal says what to do";
  if (*c.reason) {
    EXPECT_NE(e.reason.find(c.reason), std::string::npos) << e.reason;
  }
  if (c.file) {
    EXPECT_EQ(e.file, tree.root() + c.file);
  }
  if (*c.fix) {
    EXPECT_NE(e.fix.find(c.fix), std::string::npos) << e.fix;
  }
}

const UnavailableCase kUnavailableCases[] = {
    {"NoMsrDriverHasTheModprobeFix",
     [](FakeCpuTree& tree) {
       one_cpu(tree, "GenuineIntel", 6, 0x55);
       tree.file_write("dev/cpu/0/cpuid", "");  // like this VM: cpuid but no msr
     },
     "msr driver is not loaded", "/dev/cpu/0/msr", "modprobe msr"},
    {"UnknownVendorNamesCpuinfo",
     [](FakeCpuTree& tree) {
       one_cpu(tree, "CentaurHauls", 6, 15);
       tree.msr_write(0, 0x606, kUnitEsu16);
     },
     "unknown CPU vendor `CentaurHauls`", "/proc/cpuinfo", ""},
    {"PreZenAmd",
     [](FakeCpuTree& tree) {
       one_cpu(tree, "AuthenticAMD", 0x15, 2);
       tree.msr_create(0);
     },
     "family 21", "/proc/cpuinfo", ""},
    {"MissingCpuinfo",
     [](FakeCpuTree& tree) {
       tree.cpu_add(0, 0, 0);
       tree.msr_create(0);
     },
     "", "/proc/cpuinfo", ""},
    {"MissingTopology",
     [](FakeCpuTree& tree) {
       tree.file_write("proc/cpuinfo",
                       "vendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n");
       tree.msr_create(0);
     },
     "", "/sys/devices/system/cpu/cpu0/topology/physical_package_id", ""},
    {"UnreadablePowerUnit",
     [](FakeCpuTree& tree) {
       one_cpu(tree, "GenuineIntel", 6, 0x55);
       tree.msr_create(0);  // every register reads short, like EIO from a VM's msr driver
     },
     "MSR_RAPL_POWER_UNIT (0x606)", "/dev/cpu/0/msr", ""},
    {"NoNonZeroEnergyRegister",
     [](FakeCpuTree& tree) {
       one_cpu(tree, "GenuineIntel", 6, 0x55);
       tree.msr_write(0, 0x606, kUnitEsu14);
       tree.msr_write(0, 0x611, 0);  // reads, but has never counted
     },
     "no RAPL energy-status register", nullptr, ""},
};

INSTANTIATE_TEST_SUITE_P(MsrSource, MsrUnavailable, ::testing::ValuesIn(kUnavailableCases),
                         [](const auto& info) { return std::string(info.param.name); });

// Runs msr_source_open as `nobody` in a child against a root-owned 0600 msr file; returns
// what the child saw as "reason\nfile\nfix", or "opened" / "other: ...".
std::string open_as_nobody(const FakeCpuTree& tree) {
  int pipe_fd[2];
  if (pipe(pipe_fd) != 0) return "pipe failed";
  pid_t pid = fork();
  if (pid == 0) {
    close(pipe_fd[0]);
    std::string out;
    struct passwd* nobody = getpwnam("nobody");
    if (!nobody || setgid(nobody->pw_gid) != 0 || setuid(nobody->pw_uid) != 0) {
      out = "other: cannot become nobody";
    } else {
      try {
        msr_source_open(tree.paths());
        out = "opened";
      } catch (const SourceUnavailable& e) {
        out = e.reason + "\n" + e.file + "\n" + e.fix;
      } catch (const std::exception& e) {
        out = std::string("other: ") + e.what();
      }
    }
    ssize_t ignored = write(pipe_fd[1], out.data(), out.size());
    (void)ignored;
    _exit(0);
  }
  close(pipe_fd[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = read(pipe_fd[0], buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  close(pipe_fd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return out;
}

TEST(MsrSource, PermissionDeniedNeedsRootAndNamesTheFile) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to fork a child that drops to nobody";
  FakeCpuTree tree;
  intel_two_socket(tree, 0x55, kUnitEsu14, false);
  const std::string msr0 = tree.root() + "/dev/cpu/0/msr";
  ASSERT_EQ(chown(msr0.c_str(), 0, 0), 0);
  ASSERT_EQ(chmod(msr0.c_str(), 0600), 0);
  std::string seen = open_as_nobody(tree);
  EXPECT_NE(seen.find("needs root with CAP_SYS_RAWIO"), std::string::npos) << seen;
  EXPECT_NE(seen.find("\n" + msr0 + "\n"), std::string::npos) << seen;
  EXPECT_NE(seen.find("sudo"), std::string::npos) << seen;
}

// This machine, for real: without the msr driver (this VM) the opener must say so cleanly;
// with it, it either opens real counters or says why not.
TEST(MsrSource, RealMachineOpensOrSaysWhy) {
  const SourcePaths real{"/sys", "/proc", "/dev", ""};
  const bool has_msr = std::filesystem::exists("/dev/cpu/0/msr");
  testing::real_opens_or_says_why(
      "msr", has_msr, [&] { return msr_source_open(real); },
      [&](const SourceUnavailable& e) {
        if (!has_msr) {
          EXPECT_EQ(e.file, "/dev/cpu/0/msr");
          EXPECT_NE(e.fix.find("modprobe msr"), std::string::npos);
        }
      });
}

}  // namespace
}  // namespace greenbench::detail
