// The host's power configuration for meta.json (docs/meter.md, "meta.json: host_power"): what
// makes two machines' joules comparable or not. Every fact is read through the sysfs and proc
// roots ($GREENBENCH_SYSFS_ROOT, $GREENBENCH_PROC_ROOT); an unreadable one is null. Not the
// meter and not the BLAS facts (host_info.cpp).
#include "host_power.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace greenbench {
namespace {

namespace fs = std::filesystem;

std::string path_join(const std::string& root, const std::string& rel) {
  if (root.empty()) return rel;
  return root.back() == '/' ? root + rel : root + "/" + rel;
}

// A small file's first line, trimmed; null when unreadable.
nlohmann::json line_or_null(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return nullptr;
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t'))
    line.pop_back();
  return line;
}

// A file holding one integer; null when unreadable or not a number.
nlohmann::json int_or_null(const std::string& path) {
  const nlohmann::json text = line_or_null(path);
  if (!text.is_string()) return nullptr;
  const std::string s = text.get<std::string>();
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (end == s.c_str() || *end != '\0') return nullptr;
  return v;
}

nlohmann::json env_or_null(const char* name) {
  const char* v = std::getenv(name);
  return v ? nlohmann::json(v) : nlohmann::json(nullptr);
}

// The first processor's block of /proc/cpuinfo.
nlohmann::json cpu_identity(const std::string& proc_root) {
  std::ifstream in(path_join(proc_root, "cpuinfo"));
  nlohmann::json cpu = {{"vendor", nullptr},   {"family", nullptr},    {"model", nullptr},
                        {"stepping", nullptr}, {"microcode", nullptr}, {"model_name", nullptr}};
  const std::pair<const char*, const char*> keys[] = {
      {"vendor_id", "vendor"},  {"cpu family", "family"},   {"model", "model"},
      {"stepping", "stepping"}, {"microcode", "microcode"}, {"model name", "model_name"}};
  int blocks = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("processor", 0) == 0 && ++blocks > 1) break;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    for (const auto& [from, to] : keys) {
      if (key != from) continue;
      const bool numeric = key == "cpu family" || key == "model" || key == "stepping";
      char* end = nullptr;
      const long long v = std::strtoll(value.c_str(), &end, 10);
      cpu[to] = numeric && end != value.c_str() && *end == '\0' ? nlohmann::json(v)
                                                                : nlohmann::json(value);
    }
  }
  return cpu;
}

std::vector<std::string> dir_names(const std::string& dir, const std::string& prefix) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    if (n.rfind(prefix, 0) == 0) names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

nlohmann::json cpufreq_policies(const std::string& sysfs_root) {
  const std::string dir = path_join(sysfs_root, "devices/system/cpu/cpufreq");
  nlohmann::json policies = nlohmann::json::array();
  for (const auto& name : dir_names(dir, "policy")) {
    const std::string p = path_join(dir, name);
    policies.push_back(
        {{"policy", name},
         {"cpus", line_or_null(p + "/affected_cpus")},
         {"driver", line_or_null(p + "/scaling_driver")},
         {"governor", line_or_null(p + "/scaling_governor")},
         {"min_khz", int_or_null(p + "/scaling_min_freq")},
         {"max_khz", int_or_null(p + "/scaling_max_freq")},
         {"hw_min_khz", int_or_null(p + "/cpuinfo_min_freq")},
         {"hw_max_khz", int_or_null(p + "/cpuinfo_max_freq")},
         {"energy_performance_preference", line_or_null(p + "/energy_performance_preference")}});
  }
  return policies;
}

// Turbo/boost: the generic cpufreq `boost` switch, intel_pstate's no_turbo (inverted).
nlohmann::json boost_state(const std::string& sysfs_root) {
  const nlohmann::json boost =
      int_or_null(path_join(sysfs_root, "devices/system/cpu/cpufreq/boost"));
  const nlohmann::json no_turbo =
      int_or_null(path_join(sysfs_root, "devices/system/cpu/intel_pstate/no_turbo"));
  nlohmann::json enabled = nullptr;
  if (no_turbo.is_number())
    enabled = no_turbo.get<long long>() == 0;
  else if (boost.is_number())
    enabled = boost.get<long long>() != 0;
  return {{"enabled", enabled},
          {"cpufreq_boost", boost},
          {"intel_pstate_no_turbo", no_turbo},
          {"intel_pstate_status",
           line_or_null(path_join(sysfs_root, "devices/system/cpu/intel_pstate/status"))},
          {"amd_pstate_status",
           line_or_null(path_join(sysfs_root, "devices/system/cpu/amd_pstate/status"))}};
}

// RAPL power limits of each powercap zone: constraint_N_{name,power_limit_uw,time_window_us}.
nlohmann::json rapl_limits(const std::string& sysfs_root) {
  const std::string dir = path_join(sysfs_root, "class/powercap");
  nlohmann::json zones = nlohmann::json::array();
  for (const auto& id : dir_names(dir, "intel-rapl")) {
    const std::string z = path_join(dir, id);
    std::error_code ec;
    if (!fs::exists(z + "/name", ec)) continue;  // the control type, not a zone
    nlohmann::json limits = nlohmann::json::array();
    for (int n = 0; n < 8; ++n) {
      const std::string c = z + "/constraint_" + std::to_string(n);
      const nlohmann::json name = line_or_null(c + "_name");
      if (name.is_null()) break;
      limits.push_back({{"name", name},
                        {"power_limit_uw", int_or_null(c + "_power_limit_uw")},
                        {"time_window_us", int_or_null(c + "_time_window_us")},
                        {"max_power_uw", int_or_null(c + "_max_power_uw")}});
    }
    zones.push_back({{"zone", id},
                     {"name", line_or_null(z + "/name")},
                     {"enabled", int_or_null(z + "/enabled")},
                     {"constraints", limits}});
  }
  return zones;
}

}  // namespace

nlohmann::json host_power_info(const SourcePaths& paths) {
  const std::string& sys = paths.sysfs_root;
  const std::string& proc = paths.proc_root;
  return {
      {"kernel",
       {{"release", line_or_null(path_join(proc, "sys/kernel/osrelease"))},
        {"version", line_or_null(path_join(proc, "sys/kernel/version"))}}},
      {"cpu", cpu_identity(proc)},
      {"cpus_online", line_or_null(path_join(sys, "devices/system/cpu/online"))},
      {"cpufreq", cpufreq_policies(sys)},
      {"boost", boost_state(sys)},
      {"smt",
       {{"active", int_or_null(path_join(sys, "devices/system/cpu/smt/active"))},
        {"control", line_or_null(path_join(sys, "devices/system/cpu/smt/control"))}}},
      {"rapl_limits", rapl_limits(sys)},
      {"build",
       {{"compiler", GREENBENCH_CXX_COMPILER},
        {"flags", GREENBENCH_CXX_FLAGS},
        {"build_type", GREENBENCH_BUILD_TYPE}}},
      // Each run's own `threads` is a column of its row (the total, BLAS included).
      {"threads",
       {{"hardware_concurrency", std::thread::hardware_concurrency()},
        {"OPENBLAS_NUM_THREADS", env_or_null("OPENBLAS_NUM_THREADS")},
        {"OMP_NUM_THREADS", env_or_null("OMP_NUM_THREADS")}}},
  };
}

}  // namespace greenbench
