// Energy knobs (docs/knobs.md): machine settings a grid may set per run — cpufreq's
// scaling_max_freq and governor, the RAPL powercap limits, the NVML GPU power limit — and the
// software knob blas_core. Set before a run's first metered phase, read back (the value in force
// is what the row records), restored after the run. Every change is journalled first in a state
// file per machine ($GREENBENCH_STATE_DIR), so `greenbench knobs restore` can put originals back
// after a crash or kill -9. All paths go through SourcePaths (GREENBENCH_SYSFS_ROOT,
// GREENBENCH_NVML_LIBRARY), so fake trees and the fake NVML test them.
// Not the meter (meter/) and not the runner (harness/run/).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "greenbench/meter.hpp"

namespace greenbench {

// The knob keys, in the order they are applied (docs/grids.md, "Knobs"): every workload accepts
// them; a run that gives none changes nothing.
const std::vector<std::string>& knob_keys();
// The hardware knobs (all of knob_keys but blas_core).
const std::vector<std::string>& knob_hardware_keys();
bool knob_key_is(const std::string& key);

// Checks a knob value's type and machine-independent range: InputError "KEY: what" (the grid
// expander points it at the value's file position).
void knob_value_check(const std::string& key, const nlohmann::json& value);

// The run keys: keys every workload accepts in a grid that the harness reads, not the workload:
// the knobs, target_accuracy and adapt (docs/grids.md). A run that gives none has none in its
// config, so configurations without them keep their config_id.
const std::vector<std::string>& run_keys();
bool run_key_is(const std::string& key);
// Checks a run key's value: InputError "KEY: what".
void run_key_check(const std::string& key, const nlohmann::json& value);

// The knob keys of a run's config, as {key: value}; and the config without the run keys (what
// the workload sees).
nlohmann::json knobs_of(const nlohmann::json& config);
nlohmann::json workload_config_of(const nlohmann::json& config);

// One thing a knob sets on this machine: a CPU's cpufreq file, a package's powercap constraint,
// a GPU's power limit.
struct KnobTarget {
  std::string key;                   // the knob key
  std::string name;                  // "cpu3", "package-0", "gpu0"
  std::string file;                  // the sysfs file, or "NVML gpu I (LIBRARY)"
  int gpu_index = -1;                // NVML targets: the device index; -1 for sysfs files
  std::string value;                 // its value now, as the file holds it ("" when unreadable)
  double file_per_unit = 1;          // file units per key unit: uW per W, mW per W, kHz per kHz
  double min = 0, max = 0;           // allowed range in key units (max 0 = no upper bound known)
  std::string range_from;            // where the range came from (files, or the NVML call)
  std::vector<std::string> choices;  // cpu_governor: scaling_available_governors
  bool settable = false;
  std::string why_not, fix;  // when not settable
};

// Every target of `key` on this machine (cpu knobs: the CPUs this process may run on). Empty
// when the machine has none (no cpufreq, no RAPL package, no GPU); never throws.
std::vector<KnobTarget> knob_targets(const std::string& key, const SourcePaths& paths);

// greenbench's per-machine state folder: $GREENBENCH_STATE_DIR, default /var/tmp/greenbench
// (docs/knobs.md). It holds the knobs' journal and the host calibration (docs/profile.md).
std::string state_dir();

// The state file: state_dir()/knobs-journal.json.
std::string knobs_journal_path();

// InputError (exit 2) when the journal says knobs are changed and not restored, naming who
// changed them and `greenbench knobs restore`.
void knobs_journal_require_clean();

// Checks that every knob value in `runs` (each a {key: value} of knobs_of) can be set here:
// a target exists, is writable, the value is in range. InputError naming the file and the fix.
void knobs_check(const std::vector<nlohmann::json>& runs, const SourcePaths& paths);

// Sets knobs for one run and puts the originals back when restored (or destroyed). Each
// target's original is journalled (fsynced) before its first write.
class KnobSession {
 public:
  explicit KnobSession(SourcePaths paths);
  ~KnobSession();  // restore(), errors printed
  KnobSession(const KnobSession&) = delete;
  KnobSession& operator=(const KnobSession&) = delete;

  // Writes each knob of `knobs` ({key: value}), then reads them back: returns the values in
  // force {key: value, or a list when targets differ}. blas_core is recorded, not written (the
  // runner runs it in a process whose OpenBLAS loaded that core). Throws std::runtime_error
  // when a write fails (the journal then holds what to restore).
  nlohmann::json apply(const nlohmann::json& knobs);
  // Writes every original back (reverse order) and removes the journal. Returns the errors
  // (empty: all restored; the journal is kept while any remains).
  std::vector<std::string> restore();

 private:
  SourcePaths paths_;
  bool changed_ = false;
};

// The knobs of a run's config set for the run: a session holding them (restored when it goes),
// nullptr when the config sets none. `in_force` (when given) receives apply's answer.
std::unique_ptr<KnobSession> knobs_apply_for(const nlohmann::json& config,
                                             nlohmann::json* in_force = nullptr);

// `greenbench knobs restore`: puts back every original the journal holds, with the paths the
// journal recorded. Returns the lines to print; throws std::runtime_error when one fails.
std::vector<std::string> knobs_journal_restore();

// `greenbench knobs show`: every target of every hardware knob plus blas_core, as JSON rows
// {key, target, file, value, settable, why_not, fix, min, max, choices}.
nlohmann::json knobs_show(const SourcePaths& paths);

}  // namespace greenbench
