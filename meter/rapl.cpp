// The `rapl` energy source: the kernel's powercap RAPL zones (class/powercap/intel-rapl*, Intel
// and AMD) as cumulative energy counters in microjoules, read through fds opened once. Not the
// sampler: wrap accumulation, resets and gaps over time belong to meter/sampler.cpp.
//
// Decisions (with the evidence they rest on):
// - Zones: class/powercap/intel-rapl:* and intel-rapl-mmio:* (the kernel links every zone and
//   sub-zone there); when class/powercap is absent or holds no RAPL zone, devices/virtual/powercap
//   is walked instead (control types, then zones, then sub-zones).
// - enabled = 0 zones are reported, with a note in describe(): `enabled` switches power-limit
//   enforcement, not energy counting; energy_uj keeps counting (seen on real hosts with
//   enabled=0 and a live energy_uj, e.g. intel/powertelemetry#3).
// - MMIO duplicates: an intel-rapl-mmio zone naming the same domain as an intel-rapl zone is the
//   same package energy counter through a second interface; counting both double counts
//   (mlco2/codecarbon#950). We keep the MSR-based zone (CodeCarbon keeps MMIO): the MSR zone is
//   the parent of the core/uncore/dram sub-zones, so the package and its parts come from one
//   interface. An MMIO zone whose domain has no MSR zone (intel_rapl_msr not loaded) is kept.
// - AMD mirrored dies: on AMD/Hygon the package energy MSR (C001_029B) is per socket, but kernels
//   whose topology reported several dies per package (Zen 1/2 node ids; later the CCD id from
//   CPUID 0x80000026, fixed for perf in "perf/x86/rapl: Fix the energy-pkg event for AMD CPUs")
//   registered one zone per die, "package-N-die-M", all reading the socket counter. Summing them
//   multiplies CPU energy by the die count (mlco2/codecarbon#1274, #1379: Threadripper 1950X
//   package-0-die-0 = package-0-die-1 = 68 W). So on AMD/Hygon (vendor_id in proc/cpuinfo) the
//   first die zone of each package is kept, renamed "package-N", and the rest are dropped. On
//   Intel, package-N-die-M zones (Cascade Lake AP) are distinct counters and all are kept.
//   Sub-zones take their parent's kernel name ("core-0-die-1"): AMD's core counter (C001_029A) is
//   per core, so the core zones under different dies read different cores, not mirrors.
// - Readability is checked at open by reading every energy_uj. EACCES/EPERM throws (since 5.10
//   energy_uj is root-only, CVE-2020-8694); any other failure skips that zone, noted in
//   describe(), so one broken zone does not hide the rest (its duplicate, if any, stands in).
// - A value that does not parse, or exceeds max_energy_range_uj, is a failed read (nullopt).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "sources.hpp"

namespace greenbench::detail {
namespace {

constexpr const char* kSourceName = "rapl";
constexpr const char* kUdevRule =
    "ACTION==\"add\", SUBSYSTEM==\"powercap\", KERNEL==\"intel-rapl*\", "
    "RUN+=\"/bin/chmod a+r /sys%p/energy_uj\"";

// An fd closed when it goes out of scope; move-only.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = other.fd_;
      other.fd_ = -1;
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// One powercap zone found on disk, before de-duplication.
struct Zone {
  std::string id;               // directory name: "intel-rapl:0:2", "intel-rapl-mmio:0"
  bool mmio = false;            // intel-rapl-mmio:* (MMIO interface) rather than intel-rapl:* (MSR)
  std::vector<int> index;       // (0, 2) for intel-rapl:0:2; size 1 = top-level zone
  std::string dir;              // the zone directory as found (class link or devices dir)
  std::string name;             // the `name` file: "package-0", "package-0-die-1", "dram", "psys"
  std::optional<bool> enabled;  // the `enabled` file; absent on some zones
  uint64_t max_energy_range_uj = 0;
  std::string domain;  // after naming rules: "package-0", "dram-0-die-1", "psys"
  DomainKind kind = DomainKind::package;
  UniqueFd fd;  // energy_uj, open for reading
};

std::string energy_path_of(const Zone& z) {
  return path_join(z.dir, "energy_uj");
}

// "intel-rapl:0:2" -> prefix intel-rapl, index (0, 2); nullopt for anything else ("intel-rapl",
// the control type; "dtpm"; "intel-rapl:x").
std::optional<std::pair<bool, std::vector<int>>> zone_id_parse(const std::string& id) {
  bool mmio;
  std::string rest;
  if (id.rfind("intel-rapl-mmio:", 0) == 0) {
    mmio = true;
    rest = id.substr(std::strlen("intel-rapl-mmio:"));
  } else if (id.rfind("intel-rapl:", 0) == 0) {
    mmio = false;
    rest = id.substr(std::strlen("intel-rapl:"));
  } else {
    return std::nullopt;
  }
  std::vector<int> index;
  size_t i = 0;
  while (true) {
    size_t j = i;
    int v = 0;
    while (j < rest.size() && rest[j] >= '0' && rest[j] <= '9' && j - i < 6) {
      v = v * 10 + (rest[j] - '0');
      ++j;
    }
    if (j == i) return std::nullopt;
    index.push_back(v);
    if (j == rest.size()) break;
    if (rest[j] != ':') return std::nullopt;
    i = j + 1;
  }
  if (index.size() > 2) return std::nullopt;
  return std::make_pair(mmio, index);
}

// Entry names of a directory; errno-style error code on failure (0 = ok).
int dir_list(const std::string& dir, std::vector<std::string>& names) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return errno;
  while (const dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return 0;
}

bool is_dir(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void zone_add(const std::string& dir, const std::string& id, std::vector<Zone>& zones) {
  auto parsed = zone_id_parse(id);
  if (!parsed || !is_dir(dir)) return;
  Zone z;
  z.id = id;
  z.mmio = parsed->first;
  z.index = parsed->second;
  z.dir = dir;
  zones.push_back(std::move(z));
}

// Walks devices/virtual/powercap/<control type>/<zone>/<sub-zone>, zones only.
void devices_walk(const std::string& dir, int depth, std::vector<Zone>& zones) {
  std::vector<std::string> names;
  if (dir_list(dir, names) != 0) return;
  for (const auto& n : names) {
    std::string child = path_join(dir, n);
    if (zone_id_parse(n)) {
      zone_add(child, n, zones);
      if (depth < 2) devices_walk(child, depth + 1, zones);
    } else if (depth == 0 && (n == "intel-rapl" || n == "intel-rapl-mmio")) {
      devices_walk(child, depth + 1, zones);
    }
  }
}

std::string trim(std::string s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

// "package-0" -> "0"; "package-0-die-1" -> "0-die-1"; nullopt when not a package name.
std::optional<std::string> package_suffix(const std::string& name) {
  const std::string prefix = "package-";
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  std::string s = name.substr(prefix.size());
  size_t i = 0;
  auto digits = [&] {
    size_t b = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > b;
  };
  if (!digits()) return std::nullopt;
  if (i == s.size()) return s;
  if (s.compare(i, 5, "-die-") != 0) return std::nullopt;
  i += 5;
  if (!digits() || i != s.size()) return std::nullopt;
  return s;
}

bool psys_name(const std::string& name) {
  if (name == "psys") return true;
  if (name.rfind("psys-", 0) != 0 || name.size() == 5) return false;
  return std::all_of(name.begin() + 5, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Counter text as sysfs prints it: optional leading blanks, decimal digits (leading zeros
// allowed), optional trailing whitespace. nullopt for anything else or on overflow.
std::optional<uint64_t> counter_parse(const char* s, size_t n) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t')) ++i;
  const size_t digits_begin = i;
  uint64_t v = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9') {
    const uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
    ++i;
  }
  if (i == digits_begin) return std::nullopt;
  while (i < n && (s[i] == '\n' || s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) ++i;
  if (i != n) return std::nullopt;
  return v;
}

// One pread of the counter; errno-style code in `err` when the read itself fails.
std::optional<uint64_t> counter_read(int fd, uint64_t max_uj, int* err) {
  char buf[64];
  ssize_t n;
  do {
    n = ::pread(fd, buf, sizeof buf, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (err) *err = errno;
    return std::nullopt;
  }
  if (err) *err = 0;
  if (static_cast<size_t>(n) == sizeof buf) return std::nullopt;  // longer than any counter
  auto v = counter_parse(buf, static_cast<size_t>(n));
  if (!v || *v > max_uj) return std::nullopt;
  return v;
}

std::string vendor_read(const SourcePaths& paths) {
  auto text = file_read(path_join(paths.proc_root, "cpuinfo"));
  if (!text) return "";
  size_t pos = text->find("vendor_id");
  if (pos == std::string::npos) return "";
  size_t colon = text->find(':', pos);
  size_t eol = text->find('\n', pos);
  if (colon == std::string::npos || (eol != std::string::npos && colon > eol)) return "";
  return trim(
      text->substr(colon + 1, eol == std::string::npos ? std::string::npos : eol - colon - 1));
}

[[noreturn]] void permission_throw(const std::string& file, int err, const SourcePaths& paths) {
  const std::string class_dir = path_join(paths.sysfs_root, "class/powercap");
  throw SourceUnavailable(
      kSourceName,
      std::string("cannot read the RAPL energy counter: ") + std::strerror(err) +
          " (since Linux 5.10 energy_uj is readable by root only, because of CVE-2020-8694 "
          "\"PLATYPUS\")",
      file,
      "run as root; or grant read access until reboot with `sudo chmod a+r " + class_dir +
          "/intel-rapl*/energy_uj`; or for good with a udev rule in "
          "/etc/udev/rules.d/99-powercap.rules: " +
          kUdevRule +
          " (then `sudo udevadm trigger --subsystem-match=powercap`). Readable counters let "
          "local users mount the PLATYPUS side channel; or use another source (--source perf, "
          "msr or estimate)");
}

// The zone's own domain name before de-duplication; empty when the name is not a RAPL domain.
void domain_assign(Zone& z, const std::map<std::string, const Zone*>& by_id) {
  if (z.index.size() == 1) {
    if (package_suffix(z.name)) {
      z.domain = z.name;
      z.kind = DomainKind::package;
      return;
    }
    if (psys_name(z.name)) {
      z.domain = z.name;
      z.kind = DomainKind::psys;
      return;
    }
  }
  static const std::pair<const char*, DomainKind> parts[] = {
      {"core", DomainKind::core}, {"uncore", DomainKind::uncore}, {"dram", DomainKind::dram}};
  for (const auto& [part, kind] : parts) {
    if (z.name != part) continue;
    // Suffix: the parent package's ("0", "0-die-1"), else the package index.
    std::string suffix = std::to_string(z.index[0]);
    if (z.index.size() == 2) {
      const std::string parent_id =
          std::string(z.mmio ? "intel-rapl-mmio:" : "intel-rapl:") + std::to_string(z.index[0]);
      auto it = by_id.find(parent_id);
      if (it != by_id.end())
        if (auto s = package_suffix(it->second->name)) suffix = *s;
    }
    z.domain = std::string(part) + "-" + suffix;
    z.kind = kind;
    return;
  }
}

class RaplSource final : public EnergySource {
 public:
  RaplSource(std::vector<CounterSpec> specs, std::vector<UniqueFd> fds,
             std::vector<uint64_t> max_uj, nlohmann::json details)
      : specs_(std::move(specs)),
        fds_(std::move(fds)),
        max_uj_(std::move(max_uj)),
        details_(std::move(details)) {}

  std::string name() const override { return kSourceName; }
  const std::vector<CounterSpec>& counters() const override { return specs_; }
  nlohmann::json describe() const override { return details_; }
  double update_period_s() const override { return 0.001; }  // RAPL updates about every 1 ms

  // One pread per counter into a stack buffer; no allocation once `units` has its size.
  void read(std::vector<std::optional<uint64_t>>& units) override {
    units.resize(specs_.size());
    for (size_t i = 0; i < fds_.size(); ++i)
      units[i] = counter_read(fds_[i].get(), max_uj_[i], nullptr);
  }

 private:
  std::vector<CounterSpec> specs_;
  std::vector<UniqueFd> fds_;     // energy_uj of each counter, in specs_ order
  std::vector<uint64_t> max_uj_;  // max_energy_range_uj of each counter
  nlohmann::json details_;
};

}  // namespace

std::unique_ptr<EnergySource> rapl_source_open(const SourcePaths& paths) {
  const std::string class_dir = path_join(paths.sysfs_root, "class/powercap");
  const std::string devices_dir = path_join(paths.sysfs_root, "devices/virtual/powercap");

  // 1. Find zones: class/powercap links, else the devices tree.
  std::vector<Zone> zones;
  std::string found_in = class_dir;
  std::vector<std::string> names;
  const int list_err = dir_list(class_dir, names);
  if (list_err == EACCES || list_err == EPERM) {
    throw SourceUnavailable(
        kSourceName, std::string("cannot list the powercap zones: ") + std::strerror(list_err),
        class_dir, "run as root, or make " + class_dir + " readable");
  }
  for (const auto& n : names) zone_add(path_join(class_dir, n), n, zones);
  if (zones.empty()) {
    found_in = devices_dir;
    devices_walk(devices_dir, 0, zones);
  }
  if (zones.empty()) {
    throw SourceUnavailable(
        kSourceName,
        "the kernel exposes no RAPL powercap zones (not an Intel/AMD host with intel_rapl loaded, "
        "or a VM)",
        class_dir,
        "on bare metal, load the driver: `sudo modprobe intel_rapl_common intel_rapl_msr`; in a "
        "VM or on another CPU, use another source (--source perf, msr or estimate)");
  }
  std::sort(zones.begin(), zones.end(), [](const Zone& a, const Zone& b) {
    return std::tie(a.mmio, a.index) < std::tie(b.mmio, b.index);
  });

  const std::string vendor = vendor_read(paths);
  const bool amd = vendor == "AuthenticAMD" || vendor == "HygonGenuine";
  nlohmann::json skipped = nlohmann::json::array(), dropped = nlohmann::json::array();
  auto skip = [&](const Zone& z, const std::string& file, const std::string& why) {
    skipped.push_back({{"zone", z.id}, {"path", z.dir}, {"file", file}, {"why", why}});
  };

  // 2. Read each zone's attributes and open its counter; drop what cannot be used.
  std::vector<Zone> usable;
  for (auto& z : zones) {
    auto name = file_read(path_join(z.dir, "name"));
    if (!name) {
      skip(z, path_join(z.dir, "name"), "no readable `name`");
      continue;
    }
    z.name = trim(*name);
    auto max_uj = file_read_u64(path_join(z.dir, "max_energy_range_uj"));
    if (!max_uj || *max_uj == 0 || *max_uj == UINT64_MAX) {
      skip(z, path_join(z.dir, "max_energy_range_uj"),
           "no readable max_energy_range_uj in 1..2^64-2, so the wrap is unknown");
      continue;
    }
    z.max_energy_range_uj = *max_uj;
    if (auto en = file_read_u64(path_join(z.dir, "enabled"))) z.enabled = *en != 0;
    const std::string file = energy_path_of(z);
    z.fd = UniqueFd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    int err = z.fd.get() < 0 ? errno : 0;
    std::optional<uint64_t> first;
    if (err == 0) first = counter_read(z.fd.get(), z.max_energy_range_uj, &err);
    if (err == EACCES || err == EPERM) permission_throw(file, err, paths);
    if (err != 0) {
      skip(z, file, std::string("energy_uj cannot be read: ") + std::strerror(err));
      continue;
    }
    if (!first) {
      skip(z, file, "energy_uj does not hold a decimal counter within max_energy_range_uj");
      continue;
    }
    usable.push_back(std::move(z));
  }

  // 3. Name domains; zone order puts MSR zones before MMIO ones and parents before sub-zones.
  std::map<std::string, const Zone*> by_id;
  for (const auto& z : usable) by_id[z.id] = &z;
  for (auto& z : usable) domain_assign(z, by_id);

  // 4. Count each counter once.
  std::vector<CounterSpec> specs;
  std::vector<UniqueFd> fds;
  std::vector<uint64_t> max_uj;
  nlohmann::json zones_json = nlohmann::json::array();
  std::map<std::string, const Zone*> kept;  // domain -> zone
  for (auto& z : usable) {
    if (z.domain.empty()) {
      skip(z, path_join(z.dir, "name"), "`" + z.name + "` is not a RAPL domain this source knows");
      continue;
    }
    std::string note;
    if (amd && z.kind == DomainKind::package && z.domain.find("-die-") != std::string::npos) {
      z.domain = "package-" + std::to_string(std::stoi(z.domain.substr(8)));
      note =
          "AMD/Hygon: " + z.name + " reads the per-socket package counter; reported as " + z.domain;
    }
    if (auto it = kept.find(z.domain); it != kept.end()) {
      const Zone& k = *it->second;
      std::string why;
      if (z.mmio && !k.mmio)
        why = "intel-rapl-mmio zone names the same domain as " + k.id +
              ": the same package counter through the MMIO interface; kept the MSR-based "
              "intel-rapl zone";
      else if (!note.empty())
        why = "AMD/Hygon: " + z.name + " mirrors " + k.name +
              " (the package energy MSR is per socket, not per die); counted once";
      else
        why = "another zone (" + k.id + ") already names domain " + z.domain + "; counted once";
      dropped.push_back({{"zone", z.id},
                         {"path", z.dir},
                         {"name", z.name},
                         {"domain", z.domain},
                         {"same_as", k.id},
                         {"why", why}});
      continue;
    }
    kept[z.domain] = &z;
    if (z.enabled == false) {
      if (!note.empty()) note += "; ";
      note += "enabled=0 (power limiting off); the energy counter still counts";
    }
    nlohmann::json zj = {{"zone", z.id},
                         {"path", z.dir},
                         {"name", z.name},
                         {"domain", z.domain},
                         {"kind", domain_kind_name(z.kind)},
                         {"max_energy_range_uj", z.max_energy_range_uj},
                         {"enabled", z.enabled ? nlohmann::json(*z.enabled) : nlohmann::json()}};
    if (!note.empty()) zj["note"] = note;
    zones_json.push_back(std::move(zj));
    specs.push_back(
        CounterSpec{z.domain, z.kind, 1e-6, z.max_energy_range_uj + 1, energy_path_of(z)});
    max_uj.push_back(z.max_energy_range_uj);
    fds.push_back(std::move(z.fd));
  }

  if (specs.empty()) {
    const auto& first = skipped.front();
    throw SourceUnavailable(
        kSourceName, "no usable RAPL zone in " + found_in + ": " + first["why"].get<std::string>(),
        first["file"].get<std::string>(),
        "check `dmesg | grep -i rapl` for driver errors, or use another "
        "source (--source perf, msr or estimate)");
  }

  nlohmann::json details = {{"method", "powercap sysfs energy_uj, read with pread on open fds"},
                            {"zones_from", found_in},
                            {"cpu_vendor", vendor},
                            {"zones", std::move(zones_json)},
                            {"dropped", std::move(dropped)},
                            {"skipped", std::move(skipped)}};
  return std::make_unique<RaplSource>(std::move(specs), std::move(fds), std::move(max_uj),
                                      std::move(details));
}

}  // namespace greenbench::detail
