// A fake Linux powercap (RAPL) tree for tests: the kernel's sysfs layout under a fresh temp dir,
// a proc/cpuinfo, and a writer thread that advances every energy_uj with wall time so the true
// joules are known exactly. Not a RAPL reader (meter/rapl.cpp) and not tied to GoogleTest.
//
// Layout built under root() (as the kernel has it, with sysfs_root = root()/sys):
//   sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/{name,energy_uj,max_energy_range_uj,enabled}
//   sys/devices/virtual/powercap/intel-rapl/intel-rapl:0/intel-rapl:0:2/...      (sub-zone, nested)
//   sys/devices/virtual/powercap/intel-rapl-mmio/intel-rapl-mmio:0/...
//   sys/class/powercap/intel-rapl:0 -> ../../devices/virtual/powercap/intel-rapl/intel-rapl:0
//   sys/class/powercap/intel-rapl:0:2 ->
//   ../../devices/virtual/powercap/intel-rapl/intel-rapl:0/intel-rapl:0:2
//   sys/class/powercap/intel-rapl -> ../../devices/virtual/powercap/intel-rapl   (control type)
//   proc/cpuinfo                                                                 (vendor_id lines)
// Directories are 0755 and files 0644 (energy_uj too: as after `chmod a+r`), so a child that drops
// to `nobody` can walk the tree; energy_deny_read() restores the kernel's 0400 root-only mode.
//
// Counters: energy_uj(t) = (initial_uj + floor(1e6 * integral of power_w over [0, t])) mod
// (max_energy_range_uj + 1), rebased by counter_reset(). Values are written in place (pwrite at
// offset 0, never rename, so a reader's open fd sees them) as 20 zero-padded digits and "\n".
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "greenbench/meter.hpp"

namespace greenbench::test {

// One zone of the fake tree.
struct FakeZone {
  std::string id;  // directory name: "intel-rapl:0", sub-zone "intel-rapl:0:2", "intel-rapl-mmio:0"
  std::string
      name;  // the `name` file: "package-0", "package-0-die-1", "core", "uncore", "dram", "psys"
  double power_w = 10.0;  // constant power the writer integrates (change it with power_set_w)
  uint64_t max_energy_range_uj = 262143328850;  // the counter runs 0..max, then wraps to 0
  uint64_t initial_uj = 0;                      // energy_uj at t = 0; <= max
  int enabled = 1;                              // the `enabled` file; -1 = no such file
  std::string mirror_of;  // id of a zone whose counter this one repeats byte for byte (AMD dies,
                          // MMIO duplicates); its power_w, max and initial are then ignored
};

// What to build.
struct FakePowercapSpec {
  std::string vendor_id = "GenuineIntel";  // proc/cpuinfo's vendor_id; "" = no proc/cpuinfo
  int cpus = 2;                            // processors listed in proc/cpuinfo
  std::vector<FakeZone> zones;             // parents before their sub-zones
  bool class_links = true;  // false: no sys/class/powercap, only sys/devices/virtual/powercap
};

// Presets (zone ids, names and powers in fake_powercap.cpp; tests rely on the names):
// Two Intel sockets: intel-rapl:0 package-0 {:0:0 core, :0:1 uncore, :0:2 dram},
// intel-rapl:1 package-1 {same}, intel-rapl:2 psys.
FakePowercapSpec fake_powercap_intel_2s();
// One AMD socket on a kernel that made one zone per die: intel-rapl:0 package-0-die-0 and
// intel-rapl:1 package-0-die-1 mirroring it, each with a core sub-zone (distinct counters).
FakePowercapSpec fake_powercap_amd_dies();
// One Intel socket (package-0 with core, uncore, dram) plus intel-rapl-mmio:0 package-0
// mirroring intel-rapl:0.
FakePowercapSpec fake_powercap_intel_mmio();

// The tree, its clock, its writer and its hooks. Throws std::runtime_error (with the path) when
// the tree cannot be built. All methods are thread-safe; `id` must name a zone of the spec.
class FakePowercap {
 public:
  // Builds the tree under $TMPDIR (default /tmp) and writes every counter for t = 0; the
  // writer is not running until writer_start().
  explicit FakePowercap(FakePowercapSpec spec);
  // Stops the writer and removes the tree.
  ~FakePowercap();
  FakePowercap(const FakePowercap&) = delete;
  FakePowercap& operator=(const FakePowercap&) = delete;

  // Where things are.
  const std::string& root() const { return root_; }  // the temp dir
  std::string sysfs_root() const;                    // root()/sys
  std::string proc_root() const;                     // root()/proc
  SourcePaths paths() const;  // sysfs_root, proc_root; dev_root root()/dev (absent); no NVML
  // "GREENBENCH_SYSFS_ROOT='...' GREENBENCH_PROC_ROOT='...'" for a shell command line.
  std::string env_prefix() const;
  std::string zone_dir(const std::string& id) const;  // under sys/devices/virtual/powercap
  // The energy_uj path a reader names: through sys/class/powercap when class links exist.
  std::string energy_path(const std::string& id) const;
  const FakePowercapSpec& spec() const { return spec_; }

  // The clock and the truth.
  double now_s() const;  // seconds since construction (steady clock): the writer's t
  // Exact joules the zone drew over [t0_s, t1_s] (integral of its power; resets do not matter).
  double energy_true_j(const std::string& id, double t0_s, double t1_s) const;
  uint64_t energy_uj_at(const std::string& id, double t_s) const;  // what the writer writes for t
  uint64_t energy_uj_written(const std::string& id) const;         // the value last written

  // The writer thread: every period_s it writes every counter for now_s().
  void writer_start(double period_s = 0.001);  // REQUIRES: not running
  void writer_stop();                          // joins; the files keep their last values
  bool writer_running() const { return writer_.joinable(); }
  void write_now();  // writes every (unfrozen) counter for now_s() once

  // Hooks.
  void power_set_w(const std::string& id, double power_w);  // from now on (mirrors follow)
  // The counter drops to to_uj now and counts on from there; power and truth are unchanged.
  void counter_reset(const std::string& id, uint64_t to_uj = 0);
  // energy_uj becomes owner root, mode 0400 (the kernel's since 5.10). Only a process without
  // CAP_DAC_OVERRIDE (not root) is then refused; chown needs root, else only the mode changes.
  void energy_deny_read(const std::string& id);
  // Replaces energy_uj's content in place with `bytes` (truncating) and freezes the zone: the
  // writer skips it until zone_resume().
  void energy_write_raw(const std::string& id, std::string_view bytes);
  void zone_resume(const std::string& id);  // unfreezes and writes the true value now
  // Unlinks energy_uj. An fd opened before keeps reading the old inode; the writer keeps
  // writing there.
  void energy_remove(const std::string& id);

 private:
  struct Segment {  // from t_s on the zone draws power_w
    double t_s, power_w;
  };
  struct ZoneState {
    FakeZone zone;
    size_t counter = 0;  // index of the zone whose counter this one shows (itself or mirror)
    std::vector<Segment> segments;  // power over time, t_s ascending, first at 0
    double base_t_s = 0;            // counter_reset rebase: at base_t_s the counter read base_uj
    uint64_t base_uj = 0;
    int fd = -1;  // energy_uj, open for writing
    bool frozen = false;
    uint64_t written_uj = 0;
  };
  size_t index_of(const std::string& id) const;
  double integral_j(const ZoneState& z, double t_s) const;  // REQUIRES: mu_ held
  uint64_t value_uj(const ZoneState& z, double t_s) const;  // REQUIRES: mu_ held
  void write_locked(ZoneState& z, double t_s);              // REQUIRES: mu_ held
  void writer_loop(double period_s);

  FakePowercapSpec spec_;
  std::string root_;
  std::chrono::steady_clock::time_point t0_;
  mutable std::mutex mu_;
  std::vector<ZoneState> zones_;
  std::thread writer_;
  std::atomic<bool> stop_{false};
};

}  // namespace greenbench::test
