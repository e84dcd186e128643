// Internal: which NVML GPUs a CUDA process sees, from $CUDA_VISIBLE_DEVICES, in CUDA's order.
// Pure parsing over NVML indices and UUIDs; not NVML itself (meter/nvml.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace greenbench::detail {

struct VisibleGpus {
  std::vector<unsigned> nvml_indices;  // entry k is CUDA device k ("gpu-k")
  std::string stopped_at;              // the entry that ended the list early; "" when none did
};

// `visible` is $CUDA_VISIBLE_DEVICES (nullopt when unset: every GPU, in NVML order); `uuids[i]`
// is NVML GPU i's UUID ("" when unknown). Entries are indices or UUID prefixes ("GPU-..."); the
// first entry that names no GPU, names one ambiguously or names one twice ends the list, as in
// CUDA (a repeat ends it here so no GPU is counted twice). "" or "-1" selects no GPU.
// Indices are NVML's (PCI bus order), which is CUDA's order under CUDA_DEVICE_ORDER=PCI_BUS_ID;
// CUDA's default (fastest first) can differ on a machine of mixed GPUs, where UUIDs are safer.
VisibleGpus cuda_visible_gpus(const std::optional<std::string>& visible,
                              const std::vector<std::string>& uuids);

}  // namespace greenbench::detail
