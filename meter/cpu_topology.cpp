// Reads CPU topology (package, die, core of each logical CPU) from sysfs and parses kernel CPU
// lists. Shared by the perf and msr sources; not a source, and it opens no device.
#include "cpu_topology.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "sources.hpp"

namespace greenbench::detail {

static bool int_parse(const std::string& text, size_t& pos, int& value) {
  size_t start = pos;
  long v = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    v = v * 10 + (text[pos] - '0');
    if (v > 1'000'000) return false;
    ++pos;
  }
  value = static_cast<int>(v);
  return pos > start;
}

std::optional<std::vector<int>> cpulist_parse(const std::string& text) {
  std::string s = text;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  std::vector<int> cpus;
  size_t pos = 0;
  while (pos < s.size()) {
    int first = 0, last = 0;
    if (!int_parse(s, pos, first)) return std::nullopt;
    last = first;
    if (pos < s.size() && s[pos] == '-') {
      ++pos;
      if (!int_parse(s, pos, last) || last < first) return std::nullopt;
    }
    for (int c = first; c <= last; ++c) cpus.push_back(c);
    if (pos < s.size()) {
      if (s[pos] != ',') return std::nullopt;
      ++pos;
      if (pos == s.size()) return std::nullopt;
    }
  }
  if (cpus.empty()) return std::nullopt;
  return cpus;
}

static std::string topology_path(const std::string& sysfs_root, int cpu, const char* leaf) {
  return path_join(sysfs_root,
                   "devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/" + leaf);
}

std::string cpu_package_id_path(const std::string& sysfs_root, int cpu) {
  return topology_path(sysfs_root, cpu, "physical_package_id");
}

std::optional<CpuPlace> cpu_place_read(const std::string& sysfs_root, int cpu) {
  auto package = file_read_u64(cpu_package_id_path(sysfs_root, cpu));
  if (!package) return std::nullopt;
  CpuPlace place;
  place.cpu = cpu;
  place.package = static_cast<int>(*package);
  place.die = static_cast<int>(file_read_u64(topology_path(sysfs_root, cpu, "die_id")).value_or(0));
  place.core =
      static_cast<int>(file_read_u64(topology_path(sysfs_root, cpu, "core_id")).value_or(0));
  return place;
}

std::vector<CpuPlace> cpu_places_list(const std::string& sysfs_root) {
  std::vector<CpuPlace> places;
  std::error_code ec;
  std::filesystem::directory_iterator it(path_join(sysfs_root, "devices/system/cpu"), ec);
  if (ec) return places;
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    if (name.size() < 4 || name.compare(0, 3, "cpu") != 0) continue;
    if (!std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    int cpu = std::atoi(name.c_str() + 3);
    if (auto place = cpu_place_read(sysfs_root, cpu)) places.push_back(*place);
  }
  std::sort(places.begin(), places.end(),
            [](const CpuPlace& a, const CpuPlace& b) { return a.cpu < b.cpu; });
  return places;
}

}  // namespace greenbench::detail
