// The `perf` energy source: the kernel's `power` PMU (RAPL) through perf_event_open, one
// system-wide event per domain and package. Declares counters and reads raw counts; it does
// not accumulate (the sampler does) and does not touch MSRs (meter/msr.cpp) or powercap.
#include "perf.hpp"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include "cpu_topology.hpp"
#include "sources.hpp"

namespace greenbench::detail {

PerfBackend::~PerfBackend() = default;

namespace {

class KernelPerfBackend final : public PerfBackend {
 public:
  int open(uint32_t type, uint64_t config, int cpu) override {
    perf_event_attr attr;
    std::memset(&attr, 0, sizeof(attr));
    attr.type = type;
    attr.size = sizeof(attr);
    attr.config = config;
    long fd = syscall(SYS_perf_event_open, &attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
    return fd < 0 ? -errno : static_cast<int>(fd);
  }
  std::optional<uint64_t> read(int fd) override {
    uint64_t count = 0;
    if (::read(fd, &count, sizeof(count)) != static_cast<ssize_t>(sizeof(count)))
      return std::nullopt;
    return count;
  }
  void close(int fd) override { ::close(fd); }
};

// $GREENBENCH_PERF_EVENTS_ROOT: a fake kernel for tests, like $GREENBENCH_SYSFS_ROOT. The event
// (type, config, cpu) is the file <root>/<type>-<config>-<cpu> holding the decimal count; a
// missing file is ENOENT, an unreadable one EACCES. docs/meter.md.
class FilePerfBackend final : public PerfBackend {
 public:
  explicit FilePerfBackend(std::string root) : root_(std::move(root)) {}
  int open(uint32_t type, uint64_t config, int cpu) override {
    const std::string path = path_join(
        root_, std::to_string(type) + "-" + std::to_string(config) + "-" + std::to_string(cpu));
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return -ENOENT;
    if (!file_read(path)) return -EACCES;
    paths_.push_back(path);
    return static_cast<int>(paths_.size() - 1);
  }
  std::optional<uint64_t> read(int fd) override {
    if (fd < 0 || static_cast<size_t>(fd) >= paths_.size()) return std::nullopt;
    return file_read_u64(paths_[fd]);
  }
  void close(int) override {}

 private:
  std::string root_;
  std::vector<std::string> paths_;
};

// The power PMU's energy events and the domains they become. psys is platform-wide: once.
struct PowerEvent {
  const char* name;    // file under events/
  const char* prefix;  // domain name before "-<package>"
  DomainKind kind;
  bool once;
};
constexpr PowerEvent kPowerEvents[] = {
    {"energy-pkg", "package", DomainKind::package, false},
    {"energy-ram", "dram", DomainKind::dram, false},
    {"energy-cores", "core", DomainKind::core, false},
    {"energy-gpu", "uncore", DomainKind::uncore, false},
    {"energy-psys", "psys", DomainKind::psys, true},
};

const char* kSource = "perf";
const char* kPermissionFix =
    "run as root, grant CAP_PERFMON (`setcap cap_perfmon+ep greenbench`), or `sysctl "
    "kernel.perf_event_paranoid=0`";

std::string text_trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

// "event=0x02" -> 2. The power PMU's only format term is `event` (config:0-7).
std::optional<uint64_t> event_config_parse(const std::string& text) {
  std::string s = text_trim(text);
  if (s.rfind("event=", 0) != 0 || s.find(',') != std::string::npos) return std::nullopt;
  const char* begin = s.c_str() + 6;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(begin, &end, 0);
  if (errno != 0 || end == begin || *end != '\0') return std::nullopt;
  return static_cast<uint64_t>(v);
}

class PerfSource final : public EnergySource {
 public:
  PerfSource(std::shared_ptr<PerfBackend> backend, uint32_t type)
      : backend_(std::move(backend)), type_(type) {}
  ~PerfSource() override {
    for (int fd : fds_) backend_->close(fd);
  }
  std::string name() const override { return kSource; }
  const std::vector<CounterSpec>& counters() const override { return specs_; }
  void read(std::vector<std::optional<uint64_t>>& units) override {
    units.resize(specs_.size());
    for (size_t i = 0; i < fds_.size(); ++i) units[i] = backend_->read(fds_[i]);
  }
  double update_period_s() const override { return 0.001; }  // RAPL updates about every 1 ms
  nlohmann::json describe() const override {
    nlohmann::json events = nlohmann::json::object();
    for (size_t i = 0; i < specs_.size(); ++i)
      events[specs_[i].domain] = {{"cpu", cpus_[i]}, {"config", configs_[i]}};
    return {
        {"method", "perf_event_open"}, {"pmu", "power"}, {"pmu_type", type_}, {"events", events}};
  }

  void counter_add(CounterSpec spec, int fd, int cpu, uint64_t config) {
    specs_.push_back(std::move(spec));
    fds_.push_back(fd);
    cpus_.push_back(cpu);
    configs_.push_back(config);
  }

 private:
  std::shared_ptr<PerfBackend> backend_;
  uint32_t type_;
  std::vector<CounterSpec> specs_;
  std::vector<int> fds_, cpus_;
  std::vector<uint64_t> configs_;
};

[[noreturn]] void open_fail(const SourcePaths& paths, int err, const std::string& event_file,
                            int cpu) {
  std::string what = "perf_event_open of " + event_file + " on cpu " + std::to_string(cpu);
  if (err == EACCES || err == EPERM) {
    std::string paranoid_path = path_join(paths.proc_root, "sys/kernel/perf_event_paranoid");
    auto paranoid = file_read(paranoid_path);
    std::string level = paranoid ? text_trim(*paranoid) : "unreadable";
    throw SourceUnavailable(kSource,
                            what + " was refused (" + std::strerror(err) +
                                "): system-wide power events need kernel.perf_event_paranoid "
                                "<= 0 or CAP_PERFMON, and kernel.perf_event_paranoid is " +
                                level,
                            paranoid_path, kPermissionFix);
  }
  if (err == ENOENT || err == EINVAL || err == EOPNOTSUPP) {
    throw SourceUnavailable(kSource,
                            what + " failed (" + std::string(std::strerror(err)) +
                                "): the event is not supported on this CPU",
                            event_file,
                            "use the `rapl` or `msr` source, which read the same counters");
  }
  throw SourceUnavailable(kSource, what + " failed (" + std::string(std::strerror(err)) + ")",
                          event_file, "check that cpu " + std::to_string(cpu) + " is online");
}

}  // namespace

std::shared_ptr<PerfBackend> perf_backend_kernel() {
  return std::make_shared<KernelPerfBackend>();
}

std::unique_ptr<EnergySource> perf_source_open_with(const SourcePaths& paths,
                                                    std::shared_ptr<PerfBackend> backend) {
  const std::string pmu_dir = path_join(paths.sysfs_root, "bus/event_source/devices/power");
  std::error_code ec;
  if (!std::filesystem::is_directory(pmu_dir, ec)) {
    throw SourceUnavailable(
        kSource, "the kernel has no `power` perf PMU (not an Intel/AMD RAPL host, or a VM)",
        pmu_dir, "use another source (`rapl`, `msr`) or `estimate` where no counter exists");
  }
  auto type = file_read_u64(path_join(pmu_dir, "type"));
  if (!type) {
    throw SourceUnavailable(kSource, "cannot read the power PMU's type number",
                            path_join(pmu_dir, "type"), "check that sysfs is mounted readable");
  }
  const std::string mask_path = path_join(pmu_dir, "cpumask");
  auto mask_text = file_read(mask_path);
  auto mask = mask_text ? cpulist_parse(*mask_text) : std::nullopt;
  if (!mask) {
    throw SourceUnavailable(kSource, "cannot read or parse the power PMU's cpumask", mask_path,
                            "check that sysfs is mounted readable");
  }

  // Where each mask CPU sits; a package listed twice has several dies (e.g. Cascade Lake-AP).
  std::vector<CpuPlace> places;
  std::map<int, int> per_package;
  for (int cpu : *mask) {
    auto place = cpu_place_read(paths.sysfs_root, cpu);
    if (!place) {
      throw SourceUnavailable(kSource, "cannot read the package of cpu " + std::to_string(cpu),
                              cpu_package_id_path(paths.sysfs_root, cpu),
                              "check that sysfs is mounted readable");
    }
    places.push_back(*place);
    ++per_package[place->package];
  }

  auto source = std::make_unique<PerfSource>(backend, static_cast<uint32_t>(*type));
  for (const PowerEvent& ev : kPowerEvents) {
    const std::string event_file = path_join(pmu_dir, std::string("events/") + ev.name);
    auto config_text = file_read(event_file);
    if (!config_text) continue;  // the kernel lists only the events this CPU has
    auto config = event_config_parse(*config_text);
    if (!config) {
      throw SourceUnavailable(
          kSource,
          "unrecognised event encoding `" + text_trim(*config_text) + "` (expected `event=0x..`)",
          event_file, "use the `rapl` or `msr` source");
    }
    const std::string scale_path = event_file + ".scale";
    auto scale_text = file_read(scale_path);
    double joules_per_unit = scale_text ? std::strtod(scale_text->c_str(), nullptr) : 0.0;
    if (!(joules_per_unit > 0.0) || !std::isfinite(joules_per_unit)) {
      throw SourceUnavailable(kSource, "missing or unparsable event scale (joules per count)",
                              scale_path, "use the `rapl` or `msr` source");
    }
    auto unit = file_read(event_file + ".unit");
    if (unit && text_trim(*unit) != "Joules") {
      throw SourceUnavailable(kSource, "event unit is `" + text_trim(*unit) + "`, not Joules",
                              event_file + ".unit", "use the `rapl` or `msr` source");
    }
    for (const CpuPlace& place : places) {
      std::string domain = ev.prefix;
      if (!ev.once) {
        domain += '-';
        domain += std::to_string(place.package);
        if (per_package[place.package] > 1) domain += "-die-" + std::to_string(place.die);
      }
      int fd = backend->open(static_cast<uint32_t>(*type), *config, place.cpu);
      if (fd < 0) open_fail(paths, -fd, event_file, place.cpu);  // source closes opened fds
      // The kernel widens the 32-bit MSR into a 64-bit count of `scale` joules: no wrap.
      source->counter_add(CounterSpec{domain, ev.kind, joules_per_unit, 0,
                                      event_file + " cpu " + std::to_string(place.cpu)},
                          fd, place.cpu, *config);
      if (ev.once) break;
    }
  }
  if (source->counters().empty()) {
    throw SourceUnavailable(kSource, "the power PMU lists no energy events",
                            path_join(pmu_dir, "events"), "use the `rapl` or `msr` source");
  }
  return source;
}

std::unique_ptr<EnergySource> perf_source_open(const SourcePaths& paths) {
  if (!paths.perf_events_root.empty())
    return perf_source_open_with(paths, std::make_shared<FilePerfBackend>(paths.perf_events_root));
  return perf_source_open_with(paths, perf_backend_kernel());
}

}  // namespace greenbench::detail
