// `greenbench profile --calibrate-host`: trains a fixed reference configuration for a while in
// blocks of equal time and records the relative Allan variance of its energy per sample at each
// time scale (host_noise.hpp; docs/profile.md, "Host calibration"). Not the statistics.
#pragma once

#include "greenbench/meter.hpp"
#include "host_noise.hpp"
#include "runner.hpp"

namespace greenbench {

// Trains `plan` (epochs repeated as needed) for `seconds`, metering blocks of about `block_s`
// on `meter` (started). The first block (warm-up) is dropped.
HostNoise host_calibrate(const RunPlan& plan, Meter& meter, double seconds, double block_s = 0.25);

}  // namespace greenbench
