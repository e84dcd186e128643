// What each hardware knob sets on this machine (docs/knobs.md): cpufreq's scaling_max_freq and
// scaling_governor of every CPU this process may run on (its affinity mask), the long- and
// short-term powercap constraints of every RAPL package zone, and (knob_nvml.cpp) every GPU's
// power limit. Each target says whether it can be set, and why not. Not the journal.
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "knob_sysfs.hpp"

namespace greenbench {
namespace knobs_detail {

std::optional<std::string> line_read(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::string line;
  std::getline(in, line);
  if (in.bad()) return std::nullopt;
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  return line;
}

std::string line_write(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  const ssize_t n = write(fd, text.data(), text.size());
  const int err = n < 0 ? errno : 0;
  close(fd);
  if (n < 0) return std::strerror(err);
  if (size_t(n) != text.size()) return "short write";
  return "";
}

void writable_check(KnobTarget& t) {
  const int fd = open(t.file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    close(fd);
    t.settable = true;
    return;
  }
  t.why_not = fmt::format("{} cannot be opened for writing: {}", t.file, std::strerror(errno));
  t.fix = errno == ENOENT ? "this machine has no such file (the kernel or driver lacks the knob)"
                          : "run greenbench as root (sudo), or give your user write access "
                            "to the file (e.g. a udev rule)";
}

}  // namespace knobs_detail

namespace {

using knobs_detail::line_read;
using knobs_detail::writable_check;

std::vector<int> cpus_allowed() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

double number_read(const std::string& path) {
  const auto text = line_read(path);
  if (!text || text->empty()) return 0;
  return std::strtod(text->c_str(), nullptr);
}

std::vector<KnobTarget> cpufreq_targets(const std::string& key, const SourcePaths& paths) {
  std::vector<KnobTarget> out;
  for (int cpu : cpus_allowed()) {
    const std::string dir =
        fmt::format("{}/devices/system/cpu/cpu{}/cpufreq", paths.sysfs_root, cpu);
    if (access(dir.c_str(), F_OK) != 0) continue;
    KnobTarget t;
    t.key = key;
    t.name = fmt::format("cpu{}", cpu);
    if (key == "cpu_max_freq_khz") {
      t.file = dir + "/scaling_max_freq";
      t.min = number_read(dir + "/cpuinfo_min_freq");
      t.max = number_read(dir + "/cpuinfo_max_freq");
      t.range_from = dir + "/cpuinfo_min_freq, cpuinfo_max_freq";
    } else {
      t.file = dir + "/scaling_governor";
      std::istringstream in(line_read(dir + "/scaling_available_governors").value_or(""));
      for (std::string g; in >> g;) t.choices.push_back(g);
    }
    t.value = line_read(t.file).value_or("");
    writable_check(t);
    out.push_back(std::move(t));
  }
  return out;
}

// Top-level RAPL zones (class/powercap/intel-rapl:N) whose name is a package.
std::vector<KnobTarget> powercap_targets(const std::string& key, const SourcePaths& paths) {
  const std::string want = key == "cpu_power_limit_w" ? "long_term" : "short_term";
  const std::string root = paths.sysfs_root + "/class/powercap";
  std::vector<std::string> zones;
  if (DIR* d = opendir(root.c_str())) {
    while (dirent* e = readdir(d)) {
      const std::string n = e->d_name;
      if (n.rfind("intel-rapl:", 0) == 0 && n.find(':', 11) == std::string::npos)
        zones.push_back(n);
    }
    closedir(d);
  }
  std::sort(zones.begin(), zones.end());
  std::vector<KnobTarget> out;
  for (const auto& z : zones) {
    const std::string dir = root + "/" + z;
    const std::string name = line_read(dir + "/name").value_or("");
    if (name.rfind("package", 0) != 0) continue;
    KnobTarget t;
    t.key = key;
    t.name = name;
    t.file_per_unit = 1e6;  // microwatts
    int c = 0;
    while (c < 8 && line_read(fmt::format("{}/constraint_{}_name", dir, c)).value_or("") != want)
      ++c;
    if (c == 8) {
      t.file = dir + "/constraint_*_name";
      t.why_not = fmt::format("{} has no {} constraint", dir, want);
      t.fix = "this package's RAPL offers no such limit";
      out.push_back(std::move(t));
      continue;
    }
    t.file = fmt::format("{}/constraint_{}_power_limit_uw", dir, c);
    t.max = number_read(fmt::format("{}/constraint_{}_max_power_uw", dir, c)) / 1e6;
    t.range_from = fmt::format("{}/constraint_{}_max_power_uw", dir, c);
    t.value = line_read(t.file).value_or("");
    writable_check(t);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

std::vector<KnobTarget> knob_targets(const std::string& key, const SourcePaths& paths) {
  if (key == "cpu_max_freq_khz" || key == "cpu_governor") return cpufreq_targets(key, paths);
  if (key == "cpu_power_limit_w" || key == "cpu_power_limit_short_w")
    return powercap_targets(key, paths);
  if (key == "gpu_power_limit_w") return knobs_detail::nvml_targets(paths);
  return {};
}

}  // namespace greenbench
