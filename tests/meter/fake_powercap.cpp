// The fake powercap tree of fake_powercap.hpp: building the layout, the counter arithmetic, the
// writer thread and the hooks. Not a test itself; rapl_test.cpp and the end-to-end tests use it.
#include "fake_powercap.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace greenbench::test {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error("fake_powercap: " + what + " " + path + ": " + std::strerror(errno));
}

// mkdir -p, each created directory 0755 whatever the umask.
void dirs_make(const std::string& path) {
  std::string cur;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    cur = path.substr(0, j);
    if (!cur.empty()) {
      if (::mkdir(cur.c_str(), 0755) == 0) {
        if (::chmod(cur.c_str(), 0755) != 0) fail("cannot chmod", cur);
      } else if (errno != EEXIST) {
        fail("cannot create", cur);
      }
    }
    i = j + 1;
  }
}

void file_write(const std::string& path, const std::string& text) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) fail("cannot write", path);
  }
  if (::chmod(path.c_str(), 0644) != 0) fail("cannot chmod", path);
}

std::string control_type(const std::string& id) {
  return id.substr(0, id.find(':'));
}

// Path of a zone relative to sys/devices/virtual/powercap:
// "intel-rapl/intel-rapl:0/intel-rapl:0:2".
std::string zone_rel(const std::string& id) {
  std::string rel = control_type(id);
  const size_t first = id.find(':');
  const size_t second = id.find(':', first + 1);
  if (second != std::string::npos) rel.append("/").append(id, 0, second);
  return rel.append("/").append(id);
}

// A preset's proc/cpuinfo: `cpus` processors of `vendor_id`; zones are added after.
FakePowercapSpec spec_for(const std::string& vendor_id, int cpus) {
  FakePowercapSpec s;
  s.vendor_id = vendor_id;
  s.cpus = cpus;
  return s;
}

// A zone's constant power and its counter's value at t = 0.
struct Draw {
  double power_w;
  uint64_t initial_uj;
};

// An Intel socket as the kernel lists it: intel-rapl:N "package-N" with the sub-zones "core"
// (intel-rapl:N:0), "uncore" (:N:1) and "dram" (:N:2), the DRAM counter with its own range.
void intel_socket_add(FakePowercapSpec& s, int socket, uint64_t max_uj, uint64_t dram_max_uj,
                      Draw package, Draw core, Draw uncore, Draw dram) {
  const std::string id = "intel-rapl:" + std::to_string(socket);
  s.zones.push_back({id, "package-" + std::to_string(socket), package.power_w, max_uj,
                     package.initial_uj, 1, ""});
  const std::pair<const char*, Draw> subs[] = {{"core", core}, {"uncore", uncore}, {"dram", dram}};
  for (size_t k = 0; k < 3; ++k)
    s.zones.push_back({id + ":" + std::to_string(k), subs[k].first, subs[k].second.power_w,
                       k == 2 ? dram_max_uj : max_uj, subs[k].second.initial_uj, 1, ""});
}

}  // namespace

FakePowercapSpec fake_powercap_intel_2s() {
  FakePowercapSpec s = spec_for("GenuineIntel", 4);
  const uint64_t pkg_max = 262143328850, dram_max = 65712999613;
  intel_socket_add(s, 0, pkg_max, dram_max, {40.0, 123456789}, {25.0, 2000000}, {3.0, 300},
                   {8.0, 4000000000});
  intel_socket_add(s, 1, pkg_max, dram_max, {35.0, 987654321}, {20.0, 1000}, {2.0, 0},
                   {7.0, 65712000000});
  s.zones.push_back({"intel-rapl:2", "psys", 120.0, pkg_max, 555555555, 1, ""});
  return s;
}

FakePowercapSpec fake_powercap_amd_dies() {
  FakePowercapSpec s = spec_for("AuthenticAMD", 4);
  const uint64_t amd_max = 65532610987;
  s.zones = {
      {"intel-rapl:0", "package-0-die-0", 60.0, amd_max, 5000000, 1, ""},
      {"intel-rapl:0:0", "core", 6.0, amd_max, 70000, 1, ""},
      {"intel-rapl:1", "package-0-die-1", 0.0, 0, 0, 1, "intel-rapl:0"},
      {"intel-rapl:1:0", "core", 5.0, amd_max, 80000, 1, ""},
  };
  return s;
}

FakePowercapSpec fake_powercap_intel_mmio() {
  FakePowercapSpec s = spec_for("GenuineIntel", 2);
  const uint64_t max = 262143328850;
  intel_socket_add(s, 0, max, max, {15.0, 11111111}, {8.0, 2222222}, {1.0, 333333}, {2.0, 444444});
  s.zones.push_back({"intel-rapl:1", "psys", 20.0, max, 5555555, 0, ""});  // enabled = 0
  s.zones.push_back({"intel-rapl-mmio:0", "package-0", 0.0, 0, 0, 1, "intel-rapl:0"});
  return s;
}

FakePowercap::FakePowercap(FakePowercapSpec spec) : spec_(std::move(spec)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/greenbench-powercap-XXXXXX";
  if (!::mkdtemp(tmpl.data())) fail("cannot create a temp dir like", tmpl);
  root_ = tmpl;
  if (::chmod(root_.c_str(), 0755) != 0) fail("cannot chmod", root_);
  try {
    // Zones and their counters (mirrors take their target's counter and range).
    zones_.resize(spec_.zones.size());
    for (size_t i = 0; i < spec_.zones.size(); ++i) {
      zones_[i].zone = spec_.zones[i];
      zones_[i].counter = i;
    }
    for (auto& z : zones_) {
      if (z.zone.mirror_of.empty()) continue;
      z.counter = index_of(z.zone.mirror_of);
      const FakeZone& target = zones_[z.counter].zone;
      if (!target.mirror_of.empty())
        throw std::runtime_error("fake_powercap: " + z.zone.id + " mirrors a mirror");
      z.zone.max_energy_range_uj = target.max_energy_range_uj;
      z.zone.initial_uj = target.initial_uj;
      z.zone.power_w = target.power_w;
    }
    for (auto& z : zones_) {
      if (z.zone.max_energy_range_uj == 0 || z.zone.initial_uj > z.zone.max_energy_range_uj)
        throw std::runtime_error("fake_powercap: zone " + z.zone.id +
                                 " needs 0 <= initial_uj <= max_energy_range_uj, max > 0");
      z.segments = {{0.0, z.zone.power_w}};
      z.base_uj = z.zone.initial_uj;
    }

    // sys/devices/virtual/powercap/...
    const std::string devices = sysfs_root() + "/devices/virtual/powercap";
    for (auto& z : zones_) {
      const std::string ctl = devices + "/" + control_type(z.zone.id);
      if (!std::filesystem::exists(ctl + "/enabled")) {
        dirs_make(ctl);
        file_write(ctl + "/enabled", "1\n");
      }
      const std::string dir = zone_dir(z.zone.id);
      dirs_make(dir);
      file_write(dir + "/name", z.zone.name + "\n");
      file_write(dir + "/max_energy_range_uj", std::to_string(z.zone.max_energy_range_uj) + "\n");
      if (z.zone.enabled >= 0) file_write(dir + "/enabled", std::to_string(z.zone.enabled) + "\n");
      const std::string energy = dir + "/energy_uj";
      z.fd = ::open(energy.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (z.fd < 0) fail("cannot create", energy);
      if (::fchmod(z.fd, 0644) != 0) fail("cannot chmod", energy);
    }

    // sys/class/powercap links: each zone and each control type, as the kernel has them.
    if (spec_.class_links) {
      const std::string cls = sysfs_root() + "/class/powercap";
      dirs_make(cls);
      for (const auto& z : zones_) {
        for (const std::string& name : {control_type(z.zone.id), z.zone.id}) {
          const std::string link = cls + "/" + name;
          const std::string target =
              "../../devices/virtual/powercap/" + (name == z.zone.id ? zone_rel(name) : name);
          if (::symlink(target.c_str(), link.c_str()) != 0 && errno != EEXIST)
            fail("cannot link", link);
        }
      }
    }

    // proc/cpuinfo.
    if (!spec_.vendor_id.empty()) {
      dirs_make(proc_root());
      std::string text;
      for (int cpu = 0; cpu < spec_.cpus; ++cpu)
        text += "processor\t: " + std::to_string(cpu) + "\nvendor_id\t: " + spec_.vendor_id +
                "\ncpu family\t: 6\nmodel name\t: greenbench fake CPU\n\n";
      file_write(proc_root() + "/cpuinfo", text);
    }
  } catch (...) {
    for (auto& z : zones_)
      if (z.fd >= 0) ::close(z.fd);
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
    throw;
  }
  t0_ = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  for (auto& z : zones_) write_locked(z, 0.0);
}

FakePowercap::~FakePowercap() {
  writer_stop();
  for (auto& z : zones_)
    if (z.fd >= 0) ::close(z.fd);
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

std::string FakePowercap::sysfs_root() const {
  return root_ + "/sys";
}
std::string FakePowercap::proc_root() const {
  return root_ + "/proc";
}

SourcePaths FakePowercap::paths() const {
  return SourcePaths{sysfs_root(), proc_root(), root_ + "/dev", ""};
}

std::string FakePowercap::env_prefix() const {
  return "GREENBENCH_SYSFS_ROOT='" + sysfs_root() + "' GREENBENCH_PROC_ROOT='" + proc_root() + "'";
}

std::string FakePowercap::zone_dir(const std::string& id) const {
  return sysfs_root() + "/devices/virtual/powercap/" + zone_rel(id);
}

std::string FakePowercap::energy_path(const std::string& id) const {
  if (spec_.class_links) return sysfs_root() + "/class/powercap/" + id + "/energy_uj";
  return zone_dir(id) + "/energy_uj";
}

size_t FakePowercap::index_of(const std::string& id) const {
  for (size_t i = 0; i < zones_.size(); ++i)
    if (zones_[i].zone.id == id) return i;
  throw std::out_of_range("fake_powercap: no zone " + id);
}

double FakePowercap::now_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

double FakePowercap::integral_j(const ZoneState& z, double t_s) const {
  double e_j = 0;
  for (size_t i = 0; i < z.segments.size(); ++i) {
    const double begin = z.segments[i].t_s;
    const double end = i + 1 < z.segments.size() ? z.segments[i + 1].t_s : t_s;
    if (t_s <= begin) break;
    e_j += z.segments[i].power_w * (std::min(end, t_s) - begin);
  }
  return e_j;
}

uint64_t FakePowercap::value_uj(const ZoneState& z, double t_s) const {
  const ZoneState& c = zones_[z.counter];
  const double since_base_uj = (integral_j(c, t_s) - integral_j(c, c.base_t_s)) * 1e6;
  const __int128 wrap = static_cast<__int128>(c.zone.max_energy_range_uj) + 1;
  __int128 v = static_cast<__int128>(c.base_uj) + static_cast<__int128>(std::floor(since_base_uj));
  v %= wrap;
  if (v < 0) v += wrap;
  return static_cast<uint64_t>(v);
}

void FakePowercap::write_locked(ZoneState& z, double t_s) {
  const uint64_t v = value_uj(z, t_s);
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%020llu\n", static_cast<unsigned long long>(v));
  if (::pwrite(z.fd, buf, static_cast<size_t>(n), 0) == n) z.written_uj = v;
}

double FakePowercap::energy_true_j(const std::string& id, double t0_s, double t1_s) const {
  std::lock_guard lock(mu_);
  const ZoneState& c = zones_[zones_[index_of(id)].counter];
  return integral_j(c, t1_s) - integral_j(c, t0_s);
}

uint64_t FakePowercap::energy_uj_at(const std::string& id, double t_s) const {
  std::lock_guard lock(mu_);
  return value_uj(zones_[index_of(id)], t_s);
}

uint64_t FakePowercap::energy_uj_written(const std::string& id) const {
  std::lock_guard lock(mu_);
  return zones_[index_of(id)].written_uj;
}

void FakePowercap::writer_start(double period_s) {
  if (writer_.joinable()) throw std::logic_error("fake_powercap: writer already running");
  stop_ = false;
  writer_ = std::thread([this, period_s] { writer_loop(period_s); });
}

void FakePowercap::writer_stop() {
  if (!writer_.joinable()) return;
  stop_ = true;
  writer_.join();
}

void FakePowercap::writer_loop(double period_s) {
  const auto period = std::chrono::duration<double>(period_s);
  while (!stop_) {
    write_now();
    std::this_thread::sleep_for(period);
  }
}

void FakePowercap::write_now() {
  std::lock_guard lock(mu_);
  const double t = now_s();
  for (auto& z : zones_)
    if (!z.frozen) write_locked(z, t);
}

void FakePowercap::power_set_w(const std::string& id, double power_w) {
  std::lock_guard lock(mu_);
  ZoneState& c = zones_[zones_[index_of(id)].counter];
  c.segments.push_back({now_s(), power_w});
}

void FakePowercap::counter_reset(const std::string& id, uint64_t to_uj) {
  std::lock_guard lock(mu_);
  const size_t counter = zones_[index_of(id)].counter;
  ZoneState& c = zones_[counter];
  const double t = now_s();
  c.base_t_s = t;
  c.base_uj = std::min(to_uj, c.zone.max_energy_range_uj);
  for (auto& z : zones_)
    if (z.counter == counter && !z.frozen) write_locked(z, t);
}

void FakePowercap::energy_deny_read(const std::string& id) {
  const std::string path = zone_dir(id) + "/energy_uj";
  if (::geteuid() == 0 && ::chown(path.c_str(), 0, 0) != 0) fail("cannot chown", path);
  if (::chmod(path.c_str(), 0400) != 0) fail("cannot chmod", path);
}

void FakePowercap::energy_write_raw(const std::string& id, std::string_view bytes) {
  std::lock_guard lock(mu_);
  ZoneState& z = zones_[index_of(id)];
  z.frozen = true;
  if (::ftruncate(z.fd, 0) != 0) fail("cannot truncate", zone_dir(id) + "/energy_uj");
  if (!bytes.empty() &&
      ::pwrite(z.fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size()))
    fail("cannot write", zone_dir(id) + "/energy_uj");
}

void FakePowercap::zone_resume(const std::string& id) {
  std::lock_guard lock(mu_);
  ZoneState& z = zones_[index_of(id)];
  z.frozen = false;
  if (::ftruncate(z.fd, 0) != 0) fail("cannot truncate", zone_dir(id) + "/energy_uj");
  write_locked(z, now_s());
}

void FakePowercap::energy_remove(const std::string& id) {
  const std::string path = zone_dir(id) + "/energy_uj";
  if (::unlink(path.c_str()) != 0) fail("cannot remove", path);
}

}  // namespace greenbench::test
