// Small helpers shared by the sources: where to look (roots from the environment), reading
// small files, the unavailability error. Not a source itself.
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "sources.hpp"

namespace greenbench {

const char* domain_kind_name(DomainKind kind) {
  // In DomainKind's order (include/greenbench/meter.hpp).
  static constexpr const char* kNames[] = {"package", "dram", "core", "uncore", "psys", "gpu"};
  static_assert(std::size(kNames) == size_t(DomainKind::gpu) + 1);
  return size_t(kind) < std::size(kNames) ? kNames[size_t(kind)] : "unknown";
}

SourceUnavailable::SourceUnavailable(std::string source_, std::string reason_, std::string file_,
                                     std::string fix_)
    : std::runtime_error(source_ + ": " + reason_ + (file_.empty() ? "" : " (" + file_ + ")") +
                         (fix_.empty() ? "" : "; fix: " + fix_)),
      source(std::move(source_)),
      reason(std::move(reason_)),
      file(std::move(file_)),
      fix(std::move(fix_)) {}

static std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v && *v) ? std::string(v) : std::string(fallback);
}

SourcePaths SourcePaths::from_env() {
  return SourcePaths{env_or("GREENBENCH_SYSFS_ROOT", "/sys"),
                     env_or("GREENBENCH_PROC_ROOT", "/proc"), env_or("GREENBENCH_DEV_ROOT", "/dev"),
                     env_or("GREENBENCH_NVML_LIBRARY", "libnvidia-ml.so.1"),
                     env_or("GREENBENCH_PERF_EVENTS_ROOT", "")};
}

namespace detail {

std::optional<std::string> file_read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return ss.str();
}

std::optional<uint64_t> file_read_u64(const std::string& path) {
  auto text = file_read(path);
  if (!text) return std::nullopt;
  const char* begin = text->c_str();
  while (*begin == ' ' || *begin == '\t') ++begin;
  if (*begin < '0' || *begin > '9') return std::nullopt;
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(begin, &end, 10);
  if (errno != 0) return std::nullopt;
  while (*end == ' ' || *end == '\n' || *end == '\t' || *end == '\r') ++end;
  if (*end != '\0') return std::nullopt;
  return static_cast<uint64_t>(v);
}

std::string path_join(const std::string& root, const std::string& rel) {
  if (root.empty()) return rel;
  std::string r = root;
  while (r.size() > 1 && r.back() == '/') r.pop_back();
  size_t i = 0;
  while (i < rel.size() && rel[i] == '/') ++i;
  return r + "/" + rel.substr(i);
}

std::optional<double> proc_stat_busy_s(int fd, double ticks_per_s) {
  char buf[512];
  const ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n < 5 || std::strncmp(buf, "cpu ", 4) != 0) return std::nullopt;
  buf[n] = '\0';
  unsigned long long v[7];
  const char* p = buf + 4;
  for (auto& x : v) {
    char* end = nullptr;
    x = std::strtoull(p, &end, 10);
    if (end == p) return std::nullopt;
    p = end;
  }
  // user + nice + system + irq + softirq; idle (v[3]) and iowait (v[4]) are not busy.
  return static_cast<double>(v[0] + v[1] + v[2] + v[5] + v[6]) / ticks_per_s;
}

}  // namespace detail
}  // namespace greenbench
