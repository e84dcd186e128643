// The `estimate` source: a power model from CPU time, for machines with no readable counter.
// Every figure it yields is estimated, and its parameters are recorded beside the numbers.
// Not a measurement, and never reported as one. The model and its sources: docs/meter.md.
//
//   P_cpu(t)  = (V / T) * P_idle + ((TDP - P_idle) / T) * busy_cpus(t)
//   P_dram    = dram_w_per_gib * installed GiB
//
// V = logical CPUs this OS sees, T = logical CPUs of one package of this model, busy_cpus the
// rate of busy CPU-seconds (/proc/stat: user+nice+system+irq+softirq; idle, iowait and steal
// excluded), P_idle = idle_fraction * TDP. A VM that sees V of a host's CPUs is charged V/T of
// the package; a bare-metal machine with S packages has V = S*T and is charged S packages.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "estimate_table.hpp"
#include "sources.hpp"

namespace greenbench {
namespace {

constexpr double kUnitJ = 1e-6;  // the source's counters count microjoules

class EstimateSource final : public EnergySource {
 public:
  EstimateSource(EstimateParams params, const SourcePaths& paths)
      : p_(std::move(params)), stat_path_(detail::path_join(paths.proc_root, "stat")) {
    ticks_per_s_ = static_cast<double>(sysconf(_SC_CLK_TCK));
    if (!(ticks_per_s_ > 0)) ticks_per_s_ = 100;
    fd_ = open(stat_path_.c_str(), O_RDONLY | O_CLOEXEC);
    auto busy = fd_ >= 0 ? detail::proc_stat_busy_s(fd_, ticks_per_s_) : std::nullopt;
    if (!busy) {
      if (fd_ >= 0) close(fd_);
      throw SourceUnavailable("estimate", "cannot read CPU time", stat_path_,
                              "mount procfs, or set GREENBENCH_PROC_ROOT");
    }
    busy0_s_ = *busy;
    t0_ = std::chrono::steady_clock::now();
    specs_.push_back({"cpu", DomainKind::package, kUnitJ, 0, stat_path_ + " (modelled)"});
    if (p_.dram_gib > 0 && p_.dram_w_per_gib > 0)
      specs_.push_back({"dram", DomainKind::dram, kUnitJ, 0, "MemTotal (modelled)"});
  }

  ~EstimateSource() override {
    if (fd_ >= 0) close(fd_);
  }
  EstimateSource(const EstimateSource&) = delete;
  EstimateSource& operator=(const EstimateSource&) = delete;

  std::string name() const override { return "estimate"; }
  bool estimated() const override { return true; }
  const std::vector<CounterSpec>& counters() const override { return specs_; }

  void read(std::vector<std::optional<uint64_t>>& units) override {
    units.assign(specs_.size(), std::nullopt);
    const double t_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    auto busy = detail::proc_stat_busy_s(fd_, ticks_per_s_);
    if (busy) {
      const double idle_w = p_.idle_fraction * p_.tdp_w;
      const double cpu_j =
          (static_cast<double>(p_.visible_threads) / p_.package_threads) * idle_w * t_s +
          ((p_.tdp_w - idle_w) / p_.package_threads) * std::max(0.0, *busy - busy0_s_);
      units[0] = static_cast<uint64_t>(std::llround(cpu_j / kUnitJ));
    }
    if (specs_.size() > 1)
      units[1] =
          static_cast<uint64_t>(std::llround(p_.dram_w_per_gib * p_.dram_gib * t_s / kUnitJ));
  }

  nlohmann::json describe() const override {
    return {
        {"model", "P_cpu = (V/T)*idle_w + ((tdp_w-idle_w)/T)*busy_cpus; P_dram = w_per_gib*GiB"},
        {"cpu_model", p_.cpu_model},
        {"tdp_w", p_.tdp_w},
        {"tdp_source", p_.tdp_source},
        {"idle_fraction", p_.idle_fraction},
        {"idle_w", p_.idle_fraction * p_.tdp_w},
        {"package_threads", p_.package_threads},
        {"visible_threads", p_.visible_threads},
        {"dram_w_per_gib", p_.dram_w_per_gib},
        {"dram_gib", p_.dram_gib},
        {"cpu_time_source", stat_path_}};
  }

 private:
  EstimateParams p_;
  std::string stat_path_;
  int fd_ = -1;
  double ticks_per_s_ = 100, busy0_s_ = 0;
  std::chrono::steady_clock::time_point t0_;
  std::vector<CounterSpec> specs_;
};

std::string cpuinfo_field(const std::string& cpuinfo, const std::string& key) {
  std::istringstream in(cpuinfo);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    return value;
  }
  return "";
}

int cpuinfo_count(const std::string& cpuinfo) {
  int n = 0;
  std::istringstream in(cpuinfo);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("processor", 0) == 0) ++n;
  return n;
}

double env_double(const char* name, double fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  double d = std::strtod(v, &end);
  if (end == v || *end != '\0' || !(d >= 0))
    throw SourceUnavailable("estimate",
                            fmt::format("{}='{}' is not a non-negative number", name, v), name,
                            fmt::format("set {} to a number, e.g. {}=150", name, name));
  return d;
}

}  // namespace

EstimateParams estimate_params_detect(const SourcePaths& paths) {
  const std::string cpuinfo =
      detail::file_read(detail::path_join(paths.proc_root, "cpuinfo")).value_or("");
  EstimateParams p;
  p.cpu_model = cpuinfo_field(cpuinfo, "model name");
  const std::string vendor = cpuinfo_field(cpuinfo, "vendor_id");
  const int family = std::atoi(cpuinfo_field(cpuinfo, "cpu family").c_str());
  p.visible_threads = std::max(1, cpuinfo_count(cpuinfo));
  const CpuPowerEntry& e = cpu_power_lookup(p.cpu_model, vendor, family);
  p.tdp_w = e.tdp_w;
  p.package_threads = e.threads;
  p.tdp_source = e.source;
  p.idle_fraction = kIdleFraction;
  p.dram_w_per_gib = kDramWPerGib;
  const auto meminfo =
      detail::file_read(detail::path_join(paths.proc_root, "meminfo")).value_or("");
  const double mem_kib = std::atof(cpuinfo_field(meminfo, "MemTotal").c_str());
  p.dram_gib = mem_kib / (1024.0 * 1024.0);
  // Overrides: a user who knows their part better than the table.
  const double tdp_override = env_double("GREENBENCH_TDP_W", 0);
  if (tdp_override > 0) {
    p.tdp_w = tdp_override;
    p.tdp_source = "override: $GREENBENCH_TDP_W";
    p.package_threads =
        static_cast<int>(env_double("GREENBENCH_PACKAGE_THREADS", p.visible_threads));
  }
  p.idle_fraction = env_double("GREENBENCH_IDLE_FRACTION", p.idle_fraction);
  p.dram_w_per_gib = env_double("GREENBENCH_DRAM_W_PER_GIB", p.dram_w_per_gib);
  if (p.idle_fraction > 1)
    throw SourceUnavailable("estimate", "GREENBENCH_IDLE_FRACTION must be between 0 and 1",
                            "GREENBENCH_IDLE_FRACTION", "set it to e.g. 0.21");
  if (p.package_threads < 1) p.package_threads = 1;
  return p;
}

std::unique_ptr<EnergySource> estimate_source_open(const EstimateParams& params,
                                                   const SourcePaths& paths) {
  if (!(params.tdp_w > 0) || params.package_threads < 1 || params.visible_threads < 1)
    throw SourceUnavailable("estimate", "the power model needs tdp_w > 0 and thread counts >= 1",
                            "", "set GREENBENCH_TDP_W");
  return std::make_unique<EstimateSource>(params, paths);
}

}  // namespace greenbench
