// Internal: small sysfs helpers of the knobs (a file's first line, a write that reports errno,
// whether a file opens for writing) and the NVML knob's calls (knob_nvml.cpp).
#pragma once

#include <optional>
#include <string>

#include "knobs.hpp"

namespace greenbench::knobs_detail {

// The file's text without its trailing newline; nullopt when it cannot be read.
std::optional<std::string> line_read(const std::string& path);
// Writes `text` (no newline) in one write(2); returns "" or the system's error text.
std::string line_write(const std::string& path, const std::string& text);
// Fills target.settable / why_not / fix from whether `target.file` opens for writing.
void writable_check(KnobTarget& target);

// NVML power limits (knob_nvml.cpp): every GPU's target; the limit read (mW) or written.
std::vector<KnobTarget> nvml_targets(const SourcePaths& paths);
// Returns "" or what failed.
std::string nvml_limit_write(const std::string& library, int gpu_index, unsigned limit_mw);
std::optional<unsigned> nvml_limit_read(const std::string& library, int gpu_index);

}  // namespace greenbench::knobs_detail
