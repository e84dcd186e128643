// The `msr` energy source: RAPL energy-status registers read with pread from /dev/cpu/N/msr,
// Intel (0x606 units, 0x611/0x619/0x639/0x641/0x64D) and AMD/Hygon family 17h+ (0xC0010299
// units, 0xC001029B package, 0xC001029A per core). Declares counters and reads raw 32-bit
// values; it does not accumulate across wraps (the sampler does) and never writes an MSR.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "cpu_topology.hpp"
#include "sources.hpp"

namespace greenbench::detail {
namespace {

const char* kSource = "msr";
constexpr uint64_t kWrapUnits = uint64_t{1} << 32;  // energy status is bits 31:0
constexpr uint64_t kEnergyMask = 0xFFFFFFFFull;

constexpr uint32_t kIntelPowerUnit = 0x606;  // MSR_RAPL_POWER_UNIT
constexpr uint32_t kIntelPkg = 0x611;        // MSR_PKG_ENERGY_STATUS
constexpr uint32_t kIntelDram = 0x619;       // MSR_DRAM_ENERGY_STATUS
constexpr uint32_t kIntelPp0 = 0x639;        // MSR_PP0_ENERGY_STATUS (cores)
constexpr uint32_t kIntelPp1 = 0x641;        // MSR_PP1_ENERGY_STATUS (graphics/uncore)
constexpr uint32_t kIntelPsys = 0x64D;       // MSR_PLATFORM_ENERGY_STATUS
constexpr uint32_t kAmdPowerUnit = 0xC0010299;
constexpr uint32_t kAmdCore = 0xC001029A;
constexpr uint32_t kAmdPkg = 0xC001029B;

// Family 6 models whose DRAM energy unit is fixed at 2^-16 J (15.3 uJ) whatever 0x606 says:
// Linux's arch/x86/events/rapl.c (RAPL_UNIT_QUIRK_INTEL_HSW: model_hsx, model_knl) and
// turbostat (has_fixed_rapl_unit); drivers/powercap/intel_rapl_common.c
// (rapl_defaults_hsw_server) lists the same models except Broadwell-DE. Sapphire and Emerald
// Rapids are not on it: powercap dropped their 15.3 uJ DRAM unit and rapl.c never had one.
constexpr int kDramFixedUnitModels[] = {
    0x3F,  // Haswell-X
    0x4F,  // Broadwell-X
    0x56,  // Broadwell-DE (Xeon D-1500)
    0x55,  // Skylake-X, Cascade Lake, Cooper Lake
    0x6A,  // Ice Lake-X
    0x6C,  // Ice Lake-D
    0x57,  // Xeon Phi Knights Landing
    0x85,  // Xeon Phi Knights Mill
};
constexpr int kDramFixedUnitEsu = 16;
// Family 6 models whose psys (platform) energy unit is fixed at 1 J: Linux's
// RAPL_UNIT_QUIRK_INTEL_SPR and rapl_defaults_spr_server.psys_domain_energy_unit.
constexpr int kPsysJouleUnitModels[] = {
    0x8F,  // Sapphire Rapids-X
    0xCF,  // Emerald Rapids-X
};

enum class Vendor { intel, amd };

struct CpuIdentity {
  Vendor vendor;
  std::string vendor_id;
  int family = -1;
  int model = -1;
};

std::string hex(uint32_t v) {
  std::ostringstream ss;
  ss << "0x" << std::uppercase << std::hex << v;
  return ss.str();
}

// The first processor's vendor_id, "cpu family" and "model" from /proc/cpuinfo.
CpuIdentity cpu_identity_read(const SourcePaths& paths) {
  const std::string cpuinfo_path = path_join(paths.proc_root, "cpuinfo");
  auto text = file_read(cpuinfo_path);
  if (!text) {
    throw SourceUnavailable(kSource, "cannot read the CPU vendor", cpuinfo_path,
                            "check that /proc is mounted readable");
  }
  std::string vendor_id;
  int family = -1, model = -1;
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::string value = line.substr(colon + 1);
    value.erase(0, std::min(value.find_first_not_of(" \t"), value.size()));
    if (key == "vendor_id" && vendor_id.empty()) vendor_id = value;
    if (key == "cpu family" && family < 0) family = std::atoi(value.c_str());
    if (key == "model" && model < 0) model = std::atoi(value.c_str());
  }
  CpuIdentity id;
  id.vendor_id = vendor_id;
  id.family = family;
  id.model = model;
  if (vendor_id == "GenuineIntel") {
    id.vendor = Vendor::intel;
  } else if (vendor_id == "AuthenticAMD" || vendor_id == "HygonGenuine") {
    id.vendor = Vendor::amd;
    if (family < 0x17) {
      throw SourceUnavailable(kSource,
                              "AMD CPU family " + std::to_string(family) +
                                  " has no RAPL energy MSRs (they start at family 17h, Zen)",
                              cpuinfo_path, "use the `estimate` source");
    }
  } else {
    throw SourceUnavailable(kSource,
                            "unknown CPU vendor `" + vendor_id +
                                "`: RAPL MSRs are known for GenuineIntel, AuthenticAMD and "
                                "HygonGenuine only",
                            cpuinfo_path, "use the `rapl` or `estimate` source");
  }
  return id;
}

template <size_t N>
bool model_in(const CpuIdentity& id, const int (&models)[N]) {
  return id.vendor == Vendor::intel && id.family == 6 &&
         std::find(std::begin(models), std::end(models), id.model) != std::end(models);
}

std::optional<uint64_t> msr_pread(int fd, uint32_t reg) {
  uint64_t value = 0;
  ssize_t n = pread(fd, &value, sizeof(value), static_cast<off_t>(reg));
  if (n != static_cast<ssize_t>(sizeof(value))) {
    if (n >= 0) errno = EIO;  // a short read is as good as the driver's EIO
    return std::nullopt;
  }
  return value;  // the msr driver hands back the register in host (little-endian) order
}

class MsrSource final : public EnergySource {
 public:
  explicit MsrSource(const SourcePaths& paths) : paths_(paths) {}
  ~MsrSource() override {
    for (auto& [cpu, fd] : fds_) ::close(fd);
  }
  std::string name() const override { return kSource; }
  const std::vector<CounterSpec>& counters() const override { return specs_; }
  void read(std::vector<std::optional<uint64_t>>& units) override {
    units.resize(specs_.size());
    for (size_t i = 0; i < regs_.size(); ++i) {
      auto v = msr_pread(regs_[i].fd, regs_[i].reg);
      units[i] = v ? std::optional<uint64_t>(*v & kEnergyMask) : std::nullopt;
    }
  }
  nlohmann::json describe() const override { return details_; }
  double update_period_s() const override { return 0.001; }  // RAPL updates about every 1 ms
  void detail_set(const std::string& key, nlohmann::json value) {
    details_[key] = std::move(value);
  }

  std::string msr_path(int cpu) const {
    return path_join(paths_.dev_root, "cpu/" + std::to_string(cpu) + "/msr");
  }

  // The open fd of cpu's msr file, opening it on first use.
  int fd_get(int cpu) {
    auto it = fds_.find(cpu);
    if (it != fds_.end()) return it->second;
    const std::string path = msr_path(cpu);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      if (err == EACCES || err == EPERM) {
        throw SourceUnavailable(kSource,
                                "opening " + path + " was refused (" + std::strerror(err) +
                                    "): reading MSRs needs root with CAP_SYS_RAWIO",
                                path,
                                "run as root (`sudo`); the msr driver also checks "
                                "CAP_SYS_RAWIO, so file permissions alone are not enough");
      }
      throw SourceUnavailable(kSource, "cannot open " + path + " (" + std::strerror(err) + ")",
                              path, "check that cpu " + std::to_string(cpu) + " is online");
    }
    fds_.emplace(cpu, fd);
    return fd;
  }

  // The energy unit (joules per count) from the unit register `reg` on `cpu`.
  double unit_read_j(int cpu, uint32_t reg, const char* reg_name) {
    auto v = msr_pread(fd_get(cpu), reg);
    if (!v) {
      int err = errno;
      throw SourceUnavailable(kSource,
                              std::string("cannot read ") + reg_name + " (" + hex(reg) +
                                  ") on cpu " + std::to_string(cpu) + ": " + std::strerror(err) +
                                  "; this CPU or hypervisor does not expose RAPL",
                              msr_path(cpu), "use the `rapl` or `estimate` source");
    }
    return std::ldexp(1.0, -static_cast<int>((*v >> 8) & 0x1F));
  }

  // Adds `reg` on `cpu` as a domain when it reads, and reads non-zero. Like Linux's
  // rapl_check_domain, a register that fails (EIO: not implemented) or holds 0 (a counter
  // that has never counted) is not a domain.
  bool counter_try(int cpu, uint32_t reg, std::string domain, DomainKind kind,
                   double joules_per_unit) {
    int fd = fd_get(cpu);
    auto v = msr_pread(fd, reg);
    if (!v || (*v & kEnergyMask) == 0) return false;
    specs_.push_back(
        CounterSpec{domain, kind, joules_per_unit, kWrapUnits, msr_path(cpu) + "@" + hex(reg)});
    regs_.push_back(Reg{fd, reg});
    details_["registers"][domain] = {{"cpu", cpu}, {"msr", hex(reg)}};
    return true;
  }

 private:
  struct Reg {
    int fd;
    uint32_t reg;
  };
  SourcePaths paths_;
  nlohmann::json details_ = {{"method", "msr"}};
  std::map<int, int> fds_;  // cpu -> fd
  std::vector<CounterSpec> specs_;
  std::vector<Reg> regs_;
};

void intel_counters_add(MsrSource& source, const CpuIdentity& id,
                        const std::vector<CpuPlace>& places) {
  // Intel RAPL MSRs are die-scoped (one set per die; one die per package except e.g.
  // Cascade Lake-AP): read on the first CPU of each (package, die).
  std::map<std::pair<int, int>, int> lead;  // (package, die) -> first cpu
  std::map<int, std::set<int>> dies;        // package -> dies
  for (const CpuPlace& p : places) {
    lead.emplace(std::make_pair(p.package, p.die), p.cpu);
    dies[p.package].insert(p.die);
  }
  const bool dram_fixed = model_in(id, kDramFixedUnitModels);
  const bool psys_joule = model_in(id, kPsysJouleUnitModels);
  nlohmann::json quirks = nlohmann::json::array();
  if (dram_fixed) quirks.push_back("dram energy unit fixed at 2^-16 J (Linux hsw_server)");
  if (psys_joule) quirks.push_back("psys energy unit fixed at 1 J (Linux spr_server)");
  source.detail_set("quirks", quirks);
  bool psys_done = false;
  for (const auto& [package_die, cpu] : lead) {
    auto [package, die] = package_die;
    const double unit_j = source.unit_read_j(cpu, kIntelPowerUnit, "MSR_RAPL_POWER_UNIT");
    std::string suffix = "-";  // (built by appends: GCC 12 -Wrestrict misfires on "-" + str)
    suffix += std::to_string(package);
    if (dies[package].size() > 1) suffix += "-die-" + std::to_string(die);
    source.counter_try(cpu, kIntelPkg, "package" + suffix, DomainKind::package, unit_j);
    source.counter_try(cpu, kIntelDram, "dram" + suffix, DomainKind::dram,
                       dram_fixed ? std::ldexp(1.0, -kDramFixedUnitEsu) : unit_j);
    source.counter_try(cpu, kIntelPp0, "core" + suffix, DomainKind::core, unit_j);
    source.counter_try(cpu, kIntelPp1, "uncore" + suffix, DomainKind::uncore, unit_j);
    if (!psys_done) {
      psys_done = true;  // platform-wide: once, on the first package
      source.counter_try(cpu, kIntelPsys, "psys", DomainKind::psys, psys_joule ? 1.0 : unit_j);
    }
  }
}

void amd_counters_add(MsrSource& source, const std::vector<CpuPlace>& places) {
  // Package energy is per socket; core energy per physical core, read on its first thread.
  std::map<int, int> package_lead;
  std::map<std::pair<int, int>, int> core_lead;  // (package, core_id) -> first cpu
  for (const CpuPlace& p : places) {
    package_lead.emplace(p.package, p.cpu);
    core_lead.emplace(std::make_pair(p.package, p.core), p.cpu);
  }
  std::map<int, double> unit_j;  // package -> joules per count
  for (const auto& [package, cpu] : package_lead) {
    unit_j[package] = source.unit_read_j(cpu, kAmdPowerUnit, "MSR_AMD_RAPL_POWER_UNIT");
    source.counter_try(cpu, kAmdPkg, "package-" + std::to_string(package), DomainKind::package,
                       unit_j[package]);
  }
  for (const auto& [package_core, cpu] : core_lead) {
    auto [package, core] = package_core;
    source.counter_try(cpu, kAmdCore,
                       "core-" + std::to_string(package) + "-" + std::to_string(core),
                       DomainKind::core, unit_j[package]);
  }
}

}  // namespace

std::unique_ptr<EnergySource> msr_source_open(const SourcePaths& paths) {
  const std::string msr0 = path_join(paths.dev_root, "cpu/0/msr");
  struct stat st;
  if (::stat(msr0.c_str(), &st) != 0) {
    throw SourceUnavailable(
        kSource, "the msr driver is not loaded (" + msr0 + ": " + std::strerror(errno) + ")", msr0,
        "`modprobe msr` as root; in a container, also pass /dev/cpu in");
  }
  const CpuIdentity id = cpu_identity_read(paths);
  const std::vector<CpuPlace> places = cpu_places_list(paths.sysfs_root);
  if (places.empty()) {
    throw SourceUnavailable(kSource, "cannot read the CPU topology",
                            cpu_package_id_path(paths.sysfs_root, 0),
                            "check that sysfs is mounted readable");
  }
  auto source = std::make_unique<MsrSource>(paths);
  source->detail_set("vendor", id.vendor_id);
  source->detail_set("family", id.family);
  source->detail_set("model", id.model);
  if (id.vendor == Vendor::intel)
    intel_counters_add(*source, id, places);
  else
    amd_counters_add(*source, places);
  if (source->counters().empty()) {
    throw SourceUnavailable(kSource, "no RAPL energy-status register reads non-zero", msr0,
                            "use the `rapl` or `estimate` source");
  }
  return source;
}

}  // namespace greenbench::detail
