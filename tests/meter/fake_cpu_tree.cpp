// Builds the fake machines of perf_test.cpp and msr_test.cpp (see fake_cpu_tree.hpp). Test
// support only; never linked into greenbench itself.
#include "fake_cpu_tree.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace greenbench::fake_cpu {

namespace fs = std::filesystem;

FakeCpuTree::FakeCpuTree() {
  std::string tmpl = (fs::temp_directory_path() / "greenbench-cpu-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed under " + tmpl);
  root_ = tmpl;
  ::chmod(root_.c_str(), 0755);
}

FakeCpuTree::~FakeCpuTree() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

SourcePaths FakeCpuTree::paths() const {
  return SourcePaths{root_ + "/sys", root_ + "/proc", root_ + "/dev", ""};
}

void FakeCpuTree::file_write(const std::string& rel, const std::string& text) {
  fs::path p = fs::path(root_) / rel;
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

void FakeCpuTree::cpu_add(int cpu, int package, int core, int die) {
  std::string topo = "sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
  file_write(topo + "physical_package_id", std::to_string(package) + "\n");
  file_write(topo + "die_id", std::to_string(die) + "\n");
  file_write(topo + "core_id", std::to_string(core) + "\n");
}

void FakeCpuTree::cpuinfo_write(const std::string& vendor_id, int family, int model) {
  std::ostringstream ss;
  int n = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(root_) / "sys/devices/system/cpu")) {
    (void)entry;
    ss << "processor\t: " << n++ << "\n"
       << "vendor_id\t: " << vendor_id << "\n"
       << "cpu family\t: " << family << "\n"
       << "model\t\t: " << model << "\n"
       << "model name\t: Fake CPU 9000\n"
       << "stepping\t: 4\n\n";
  }
  file_write("proc/cpuinfo", ss.str());
}

void FakeCpuTree::paranoid_write(int level) {
  file_write("proc/sys/kernel/perf_event_paranoid", std::to_string(level) + "\n");
}

void FakeCpuTree::power_pmu_write(int type, const std::string& cpumask) {
  file_write("sys/bus/event_source/devices/power/type", std::to_string(type) + "\n");
  file_write("sys/bus/event_source/devices/power/cpumask", cpumask + "\n");
  fs::create_directories(fs::path(root_) / "sys/bus/event_source/devices/power/events");
}

void FakeCpuTree::power_event_write(const std::string& name, int code, const std::string& scale) {
  std::string base = "sys/bus/event_source/devices/power/events/" + name;
  char config[32];
  std::snprintf(config, sizeof(config), "event=0x%02x\n", code);
  file_write(base, config);
  file_write(base + ".scale", scale + "\n");
  file_write(base + ".unit", "Joules\n");
}

std::string FakeCpuTree::msr_create(int cpu) {
  std::string rel = "dev/cpu/" + std::to_string(cpu) + "/msr";
  fs::path p = fs::path(root_) / rel;
  if (!fs::exists(p)) file_write(rel, "");
  return p.string();
}

void FakeCpuTree::msr_write(int cpu, uint32_t reg, uint64_t value) {
  std::string path = msr_create(cpu);
  unsigned char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(value >> (8 * i));
  int fd = ::open(path.c_str(), O_WRONLY);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  ssize_t n = ::pwrite(fd, bytes, sizeof(bytes), static_cast<off_t>(reg));
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof(bytes))) throw std::runtime_error("pwrite failed: " + path);
}

uint32_t FakeCpuTree::amd_rapl_write(int cpu, int esu, uint32_t package_units) {
  std::string path = msr_create(cpu);
  unsigned char bytes[10] = {0x03, static_cast<unsigned char>(esu & 0x1F)};
  for (int i = 0; i < 4; ++i) bytes[2 + i] = static_cast<unsigned char>(package_units >> (8 * i));
  int fd = ::open(path.c_str(), O_WRONLY);
  if (fd < 0) throw std::runtime_error("cannot open " + path);
  ssize_t n = ::pwrite(fd, bytes, sizeof(bytes), static_cast<off_t>(0xC0010299u));
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof(bytes))) throw std::runtime_error("pwrite failed: " + path);
  return static_cast<uint32_t>((uint64_t{package_units} << 8) | static_cast<uint64_t>(esu & 0x1F));
}

}  // namespace greenbench::fake_cpu
