// The energy meter's contract: sources of cumulative energy counters, the sampler that
// accumulates them in 64 bits, and measurement windows. Not the CLI (harness/) and not
// any one source's internals (meter/<source>.cpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace greenbench {

// What a counter measures. Totals add package + dram + gpu; core, uncore and psys are
// reported but not added where packages exist (they are inside a package, or contain it).
enum class DomainKind { package, dram, core, uncore, psys, gpu };
const char* domain_kind_name(DomainKind kind);

// One cumulative energy counter of a source.
struct CounterSpec {
  std::string domain;  // unique within a meter: "package-0", "dram-0", "core-0", "psys", "gpu-0"
  DomainKind kind;
  double joules_per_unit;  // raw unit to joules: 1e-6 for energy_uj, 2^-ESU for an MSR
  uint64_t wrap_units;     // the raw counter counts modulo this; 0 = never wraps (64-bit)
  std::string path;        // what is read (a file, an MSR, an NVML call), for messages
};

// A source the user or `auto` asked for that cannot be read. `file` names what failed
// and `fix` what to do about it (a chmod/udev rule, CAP_PERFMON, `modprobe msr`, ...).
struct SourceUnavailable : std::runtime_error {
  SourceUnavailable(std::string source, std::string reason, std::string file, std::string fix);
  std::string source, reason, file, fix;
  bool not_counting = false;  // it opened, but its counters did not advance (docs/meter.md)
};

// A counter a source has that the liveness check found present but not counting; it is left
// out of every figure and named wherever the source is (probe, stderr, JSON, meta.json).
struct DroppedCounter {
  std::string domain, path, reason;
};

// One source of energy counters (rapl, perf, msr, nvml, estimate). Implementations live in
// meter/<name>.cpp; the factory below opens them. A source is read from one thread at a time.
class EnergySource {
 public:
  virtual ~EnergySource() = default;
  virtual std::string name() const = 0;  // "rapl", "perf", "msr", "nvml", "estimate"
  // True when the figures come from a model rather than a counter.
  virtual bool estimated() const { return false; }
  virtual const std::vector<CounterSpec>& counters() const = 0;
  // Reads every counter once into units[i] (resized to counters().size()); nullopt is a failed
  // read, which the sampler treats as a gap, never as zero.
  virtual void read(std::vector<std::optional<uint64_t>>& units) = 0;
  // The longest the sampler may wait between two reads (e.g. NVML power integration at half
  // the update period); 0 = no constraint beyond counter wrap.
  virtual double max_interval_s() const { return 0.0; }
  // How often the hardware updates the counters, seconds (RAPL ~0.001, NVML ~0.1); 0 = no
  // such period (a model, a test source): no liveness check and no stale detection then.
  // A counter unchanged for stale_after_s() after it advanced is stuck (docs/meter.md).
  virtual double update_period_s() const { return 0.0; }
  double stale_after_s() const {
    return update_period_s() > 0 ? std::max(0.25, 20 * update_period_s()) : 0.0;
  }
  // Counters the liveness check left out (meter/liveness.cpp); none for a source as opened.
  virtual std::vector<DroppedCounter> dropped() const { return {}; }
  // Parameters worth recording beside the numbers: method, model parameters, device names.
  virtual nlohmann::json describe() const { return nlohmann::json::object(); }
};

// Where the sources look; tests point these at fake trees. Defaults come from the environment:
// $GREENBENCH_SYSFS_ROOT (/sys), $GREENBENCH_PROC_ROOT (/proc), $GREENBENCH_DEV_ROOT (/dev),
// $GREENBENCH_NVML_LIBRARY (libnvidia-ml.so.1). $GREENBENCH_PERF_EVENTS_ROOT, when set,
// replaces the perf_event_open syscall by files (a fake kernel for tests: meter/perf.cpp).
struct SourcePaths {
  std::string sysfs_root, proc_root, dev_root, nvml_library;
  std::string perf_events_root = "";  // "" = the kernel (GREENBENCH_PERF_EVENTS_ROOT: fake counts)
  static SourcePaths from_env();
};

// Liveness (docs/meter.md): reads every counter of `source` over at most `window_s` while one
// thread keeps a CPU busy, stopping as soon as every counter moved. Returns one entry per
// counter that did not move, with the reason ("... present but not counting: 61 reads over
// 300 ms, constant at 12345"). Sources with update_period_s() == 0 are not checked.
std::vector<DroppedCounter> counters_liveness_check(EnergySource& source, double window_s);
// The liveness window: $GREENBENCH_LIVENESS_MS (default 300 ms), at least three update periods.
double liveness_window_s(const EnergySource& source);
// `source` without the `dead` counters. Throws SourceUnavailable (not_counting) naming them when
// no package, psys or GPU counter is left.
std::unique_ptr<EnergySource> source_live_only(std::unique_ptr<EnergySource> source,
                                               std::vector<DroppedCounter> dead);

// Parameters of the `estimate` source's power model; every figure it yields is estimated.
struct EstimateParams {
  std::string cpu_model;      // as /proc/cpuinfo names it
  double tdp_w = 0;           // thermal design power of one package, watts
  double idle_fraction = 0;   // idle power as a fraction of TDP
  int package_threads = 0;    // logical CPUs of one package of that model
  int visible_threads = 0;    // logical CPUs this OS sees
  double dram_w_per_gib = 0;  // DRAM power per GiB of installed memory
  double dram_gib = 0;        // installed memory, GiB
  std::string tdp_source;     // where tdp_w came from: the shipped table's citation or "override"
};

// Source names in order of preference for `auto` on the CPU side.
const std::vector<std::string>& cpu_source_names();

// Opens the named source ("rapl", "perf", "msr", "nvml", "estimate").
// Throws SourceUnavailable with the file and the fix when it cannot be read.
std::unique_ptr<EnergySource> source_open(const std::string& name, const SourcePaths& paths);

// Opens the `estimate` source with explicit parameters (overrides of the shipped table).
std::unique_ptr<EnergySource> estimate_source_open(const EstimateParams& params,
                                                   const SourcePaths& paths);
// The parameters the estimate would use on this machine: TDP from the shipped table keyed by
// CPU model, unless overridden by $GREENBENCH_TDP_W / $GREENBENCH_IDLE_FRACTION.
EstimateParams estimate_params_detect(const SourcePaths& paths);

// Probe result of one source: available, or why not.
struct SourceProbe {
  std::string name;
  bool available = false;
  std::vector<CounterSpec> counters;    // when available
  std::string reason, file, fix;        // when not
  bool not_counting = false;            // unavailable because its counters do not advance
  nlohmann::json details;               // describe() when available
  std::vector<DroppedCounter> dropped;  // counters present but not counting (left out)
};
std::vector<SourceProbe> sources_probe(const SourcePaths& paths);

// Opens what `spec` names: one source, or `auto` = the best readable CPU source plus nvml
// where GPUs exist, falling back to estimate (then `fallback_note` says why). Every counter
// source passes the liveness check first, once per process (docs/meter.md).
struct PlausibilityBounds {
  double package_max_w = 0;    // a package (or core) domain above this is flagged; 0 = off
  double busy_floor_w = 0;     // a package/psys domain below this while CPUs are busy; 0 = off
  double busy_cpus_min = 0.5;  // "busy": at least this many CPUs busy on average
  std::string proc_stat_path;  // where busy CPU time is read; "" = no floor check
};
// Bounds for this machine: ceiling 2.5 x the TDP table's package power, floor 1 W while at least
// half a CPU is busy (docs/meter.md).
PlausibilityBounds plausibility_bounds_detect(const SourcePaths& paths);
// Busy CPU-seconds since boot from a /proc/stat (user+nice+system+irq+softirq); nullopt if
// unreadable.
std::optional<double> cpu_busy_s_read(const std::string& proc_stat_path);

struct OpenedSources {
  std::vector<std::unique_ptr<EnergySource>> sources;
  std::string fallback_note;       // non-empty when auto fell back to the estimate
  std::vector<std::string> notes;  // dropped counters, sources auto skipped: for stderr
  // The estimate model run beside counters (energy_model_j); null when the CPU source is the
  // estimate itself or the model cannot be opened.
  std::unique_ptr<EnergySource> model;
  PlausibilityBounds bounds;  // from the estimate's TDP table (meter/plausibility.cpp)
};
OpenedSources sources_open(const std::string& spec, const SourcePaths& paths);

// Energy over one window, per domain and in total. Units in names.
struct EnergyWindow {
  std::string name;
  double start_s = 0;  // seconds since the meter started
  double duration_s = 0;
  std::map<std::string, double> energy_j;  // per domain, plus "total"
  double total_j = 0;                      // packages + dram + gpus (see DomainKind)
  bool estimated = false;                  // any figure came from a model
  double gap_s = 0;    // time inside the window not covered by good reads (longest domain)
  int resets = 0;      // counters that fell by more than a wrap explains inside the window
  std::string source;  // "rapl", "rapl+nvml", "estimate", ...
  // What the estimate model says for the same window (CPU + DRAM modelled, GPUs as measured);
  // equals total_j when the CPU source is the estimate; NaN when no model ran.
  double model_j = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::string> warnings;  // stuck counters, implausible power (docs/meter.md)
  double avg_power_w() const { return duration_s > 0 ? total_j / duration_s : 0.0; }
  nlohmann::json to_json() const;
};

// One point of the power timeline: watts per domain over the interval ending at t_s.
struct TracePoint {
  double t_s;
  std::vector<double> power_w;  // per domain, in domains() order; NaN over a gap
};

struct MeterOptions {
  double interval_s = 0.1;          // sampler period; shortened when a counter could wrap sooner
  bool keep_trace = true;           // record the power timeline
  double max_plausible_w = 5000.0;  // per domain; a larger implied power is a reset, not a wrap
};

// Samples every source on a background thread, accumulating each counter in 64 bits across
// wraps, and answers begin/end windows. Windows may nest and overlap.
class Meter {
 public:
  Meter(std::vector<std::unique_ptr<EnergySource>> sources, MeterOptions options = {});
  // With the opened sources' model (model_j) and plausibility bounds.
  Meter(OpenedSources opened, MeterOptions options);
  ~Meter();
  Meter(const Meter&) = delete;
  Meter& operator=(const Meter&) = delete;

  // Starts the sampler thread; REQUIRES: not started.
  void start();
  // Stops the sampler after a final read; idempotent.
  void stop();

  // Opens a window now. Names must be unique among open windows.
  void begin(const std::string& name);
  // Closes the window and returns its energy. REQUIRES: begin(name) was called.
  EnergyWindow end(const std::string& name);

  // Reads every source now and folds the readings in (the sampler calls this too).
  void sample();
  // Measures average total power over `seconds` of the caller's idleness (sleeps).
  double idle_power_measure_w(double seconds);

  // Domains in trace order, their kinds, and the power timeline so far.
  const std::vector<CounterSpec>& domains() const { return specs_; }
  std::vector<TracePoint> trace() const;
  // Writes the trace as CSV: t_s, then one `<domain>_w` column per domain; only the points
  // with from_s <= t_s <= to_s (seconds since the meter started).
  void trace_write_csv(const std::string& path, double from_s = 0,
                       double to_s = std::numeric_limits<double>::infinity()) const;
  // The same CSV as text (the results writer writes it into a folder, atomically).
  std::string trace_csv(double from_s = 0,
                        double to_s = std::numeric_limits<double>::infinity()) const;
  std::string source_name() const;
  bool estimated() const;
  nlohmann::json describe() const;
  double interval_s() const;  // the period in force now
  double now_s() const;       // seconds since construction

 private:
  struct Counter;   // per-domain accumulator (meter/sampler.cpp)
  struct Snapshot;  // accumulated state at a window's begin
  struct State;
  void init();
  std::vector<std::unique_ptr<EnergySource>> sources_;
  std::unique_ptr<EnergySource> model_;
  PlausibilityBounds bounds_;
  std::vector<CounterSpec> specs_;
  std::unique_ptr<State> state_;
};

// One call to meter your own code (README.md, "Metering your own code"): opens `spec` ("auto",
// "rapl", "perf", "msr", "nvml", "estimate") with the paths from the environment
// (SourcePaths::from_env), builds the Meter with the opened model and plausibility bounds, and
// starts it. `notes`, when given, receives what `auto` fell back to and what it skipped or
// dropped (worth printing: "... using the `estimate` power model"). Throws SourceUnavailable as
// sources_open does.
std::unique_ptr<Meter> meter_open(const std::string& spec = "auto", MeterOptions options = {},
                                  std::vector<std::string>* notes = nullptr);

// A window that ends itself: begins `name` on construction and ends it at end() or, at the
// latest, when it goes out of scope, writing the figures to *result when one is given.
class MeterWindow {
 public:
  MeterWindow(Meter& meter, std::string name, EnergyWindow* result = nullptr);
  ~MeterWindow();  // ends the window unless end() did; never throws
  MeterWindow(const MeterWindow&) = delete;
  MeterWindow& operator=(const MeterWindow&) = delete;

  // Ends the window now and returns its figures (also written to *result). REQUIRES: not ended.
  EnergyWindow end();
  bool ended() const { return ended_; }
  const std::string& name() const { return name_; }

 private:
  Meter& meter_;
  std::string name_;
  EnergyWindow* result_;
  bool ended_ = false;
};

// Grams of CO2e for `energy_j` at `intensity_g_per_kwh` and data-centre `pue`.
double carbon_g(double energy_j, double intensity_g_per_kwh, double pue);

// A grid's carbon intensity for a region code ("GB", "FR", "US", "WORLD", ...), from the
// shipped table, with its source and year. Throws std::out_of_range for an unknown region.
struct CarbonIntensity {
  std::string region;
  double g_per_kwh;
  std::string source;
  int year;
};
const CarbonIntensity& carbon_intensity_lookup(const std::string& region);
const std::vector<CarbonIntensity>& carbon_intensity_table();

}  // namespace greenbench
