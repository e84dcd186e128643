// The GPU power-limit knob through NVML (docs/knobs.md): libnvidia-ml loaded with dlopen from
// SourcePaths::nvml_library (GREENBENCH_NVML_LIBRARY), every GPU NVML sees, its limit and the
// driver's constraints in milliwatts. Each call opens, initialises and shuts NVML down again: a
// knob changes once per run, so nothing is held between calls. Not the nvml energy source.
#include <dlfcn.h>
#include <fmt/format.h>

#include <functional>

#include "knob_sysfs.hpp"
#include "nvml_types.hpp"

namespace greenbench::knobs_detail {
namespace {

using namespace nvml;  // NVML's types and codes (meter/nvml_types.hpp)

struct Nvml {
  void* handle = nullptr;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*count)(unsigned*) = nullptr;
  nvmlReturn_t (*by_index)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*limit_get)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*constraints)(nvmlDevice_t, unsigned*, unsigned*) = nullptr;
  nvmlReturn_t (*limit_set)(nvmlDevice_t, unsigned) = nullptr;
  std::string error;  // why NVML cannot be used; "" when it can

  std::string text(nvmlReturn_t rc) const {
    return error_string ? error_string(rc) : fmt::format("NVML error {}", rc);
  }
};

template <typename Fn>
bool bind(Nvml& n, Fn& fn, const char* symbol) {
  fn = reinterpret_cast<Fn>(dlsym(n.handle, symbol));
  if (!fn && n.error.empty()) n.error = fmt::format("the library lacks {}", symbol);
  return fn != nullptr;
}

// Opens and initialises NVML, runs `body`, shuts it down. n.error says why when it cannot.
void with_nvml(const std::string& library, const std::function<void(Nvml&)>& body) {
  Nvml n;
  n.handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!n.handle) {
    n.error = fmt::format("cannot load {}: {}", library, dlerror());
    body(n);
    return;
  }
  bind(n, n.init, "nvmlInit_v2");
  bind(n, n.shutdown, "nvmlShutdown");
  bind(n, n.error_string, "nvmlErrorString");
  bind(n, n.count, "nvmlDeviceGetCount_v2");
  bind(n, n.by_index, "nvmlDeviceGetHandleByIndex_v2");
  bind(n, n.limit_get, "nvmlDeviceGetPowerManagementLimit");
  bind(n, n.constraints, "nvmlDeviceGetPowerManagementLimitConstraints");
  bind(n, n.limit_set, "nvmlDeviceSetPowerManagementLimit");
  bool initialised = false;
  if (n.error.empty()) {
    const nvmlReturn_t rc = n.init();
    if (rc == NVML_SUCCESS)
      initialised = true;
    else
      n.error = "nvmlInit_v2 failed: " + n.text(rc);
  }
  body(n);
  if (initialised) n.shutdown();
  dlclose(n.handle);
}

}  // namespace

std::vector<KnobTarget> nvml_targets(const SourcePaths& paths) {
  std::vector<KnobTarget> out;
  with_nvml(paths.nvml_library, [&](Nvml& n) {
    unsigned count = 0;
    if (!n.error.empty() || n.count(&count) != NVML_SUCCESS) return;  // no GPU: no target
    for (unsigned i = 0; i < count; ++i) {
      KnobTarget t;
      t.key = "gpu_power_limit_w";
      t.name = fmt::format("gpu{}", i);
      t.file = fmt::format("NVML gpu {} ({})", i, paths.nvml_library);
      t.gpu_index = static_cast<int>(i);
      t.file_per_unit = 1e3;  // milliwatts
      nvmlDevice_t dev = nullptr;
      unsigned limit = 0, lo = 0, hi = 0;
      nvmlReturn_t rc = n.by_index(i, &dev);
      if (rc == NVML_SUCCESS) rc = n.limit_get(dev, &limit);
      if (rc == NVML_SUCCESS) rc = n.constraints(dev, &lo, &hi);
      if (rc != NVML_SUCCESS) {
        t.why_not = "NVML cannot read its power limit: " + n.text(rc);
        t.fix = "this GPU or driver does not offer power limits";
      } else {
        t.value = std::to_string(limit);
        t.min = lo / 1e3, t.max = hi / 1e3;
        t.range_from = "nvmlDeviceGetPowerManagementLimitConstraints";
        // Setting the limit it has is how to learn whether setting is allowed.
        rc = n.limit_set(dev, limit);
        t.settable = rc == NVML_SUCCESS;
        if (!t.settable) {
          t.why_not = "nvmlDeviceSetPowerManagementLimit failed: " + n.text(rc);
          t.fix = rc == NVML_ERROR_NO_PERMISSION ? "run greenbench as root (sudo)"
                                                 : "this GPU or driver does not allow it";
        }
      }
      out.push_back(std::move(t));
    }
  });
  return out;
}

std::string nvml_limit_write(const std::string& library, int gpu_index, unsigned limit_mw) {
  std::string problem;
  with_nvml(library, [&](Nvml& n) {
    if (!n.error.empty()) {
      problem = n.error;
      return;
    }
    nvmlDevice_t dev = nullptr;
    nvmlReturn_t rc = n.by_index(static_cast<unsigned>(gpu_index), &dev);
    if (rc == NVML_SUCCESS) rc = n.limit_set(dev, limit_mw);
    if (rc != NVML_SUCCESS)
      problem = fmt::format("nvmlDeviceSetPowerManagementLimit(gpu {}, {} mW) failed: {}",
                            gpu_index, limit_mw, n.text(rc));
  });
  return problem;
}

std::optional<unsigned> nvml_limit_read(const std::string& library, int gpu_index) {
  std::optional<unsigned> out;
  with_nvml(library, [&](Nvml& n) {
    nvmlDevice_t dev = nullptr;
    unsigned limit = 0;
    if (n.error.empty() && n.by_index(static_cast<unsigned>(gpu_index), &dev) == NVML_SUCCESS &&
        n.limit_get(dev, &limit) == NVML_SUCCESS)
      out = limit;
  });
  return out;
}

}  // namespace greenbench::knobs_detail
