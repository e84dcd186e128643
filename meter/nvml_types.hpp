// The few NVML types and return codes greenbench uses, with nvml.h's values: libnvidia-ml is
// loaded with dlopen at run time, so no nvml.h is needed to build (docs/meter.md). Shared by the
// nvml energy source (meter/nvml.cpp) and the GPU power-limit knob (knobs/knob_nvml.cpp).
#pragma once

namespace greenbench::nvml {

using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
inline constexpr nvmlReturn_t NVML_SUCCESS = 0;
inline constexpr nvmlReturn_t NVML_ERROR_NOT_SUPPORTED = 3;
inline constexpr nvmlReturn_t NVML_ERROR_NO_PERMISSION = 4;
inline constexpr unsigned NVML_DEVICE_NAME_V2_BUFFER_SIZE = 96;
inline constexpr unsigned NVML_DEVICE_UUID_V2_BUFFER_SIZE = 96;

}  // namespace greenbench::nvml
