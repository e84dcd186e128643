// The host's own slow variability, calibrated per machine (docs/profile.md, "Host
// calibration"): a fixed reference workload's energy per sample in blocks of ~0.25 s for a few
// minutes, relative to its mean, recorded in $GREENBENCH_STATE_DIR/host-noise.json with its
// Allan variance by time scale (for people; the projection uses the series). The profile's
// interval takes the host's spread of (mean of the next R s - mean of the last P s) at its own
// P and R, where that is larger than what its blocks show. Pure functions and the state file;
// the calibration run itself is host_calibrate.hpp.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "allan.hpp"

namespace greenbench {

struct HostNoise {
  std::vector<AllanPoint> points;  // m: seconds; avar: relative (per mean^2); pairs: dof
  std::vector<double> series;      // each block's value / the mean
  double block_s = 0;              // the blocks' mean length
  double seconds = 0;              // the calibration's length
  std::string measured_at;         // UTC, ISO 8601
  std::string workload;            // the reference it ran
  bool empty() const { return points.empty(); }
  // The series shows slow variability (wander_detect on it): only then does the projection use
  // it, so a quiet host's calibration does not widen intervals with its estimate's noise.
  bool slow() const;
  // Relative Allan variance at `tau_s` seconds: log-log interpolation between points, white
  // (1 / tau) below the first, held at the last point's value above the last (the calibration
  // cannot see longer scales; a flat AVAR is flicker noise). *df: the nearest point's pairs.
  double rel_avar_at(double tau_s, double* df = nullptr) const;
  // The mean square, over every start in the series, of (mean of the next `future_s` - mean of
  // the `past_s` before), relative: the error of projecting the rest of a run from a profile,
  // as this host made it. A span longer than the series is cut to fit (the future first; it
  // cannot see longer scales). *df: how many such spans fit without overlap (at least 1).
  double rel_var_projection(double past_s, double future_s, double* df = nullptr) const;
  nlohmann::json to_json() const;
  static HostNoise from_json(const nlohmann::json& j);  // throws nlohmann errors on bad shapes
};

// From equal-time blocks' values (e.g. J per sample) each `block_s` long.
HostNoise host_noise_from_series(const std::vector<double>& values, double block_s);

// $GREENBENCH_STATE_DIR/host-noise.json (default /var/tmp/greenbench, as knobs-journal.json).
std::string host_noise_path();
// The recorded calibration; empty when there is none. A file that does not parse is an
// InputError naming it (and `--calibrate-host` to rewrite it).
HostNoise host_noise_load();
void host_noise_save(const HostNoise& noise);  // atomic (write and rename)

}  // namespace greenbench
