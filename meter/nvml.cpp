// The `nvml` energy source: NVIDIA GPUs through libnvidia-ml, loaded with dlopen at run time (no
// nvml.h at build time). Each visible GPU gives one counter: the driver's energy counter where
// it has one, else power integrated here. Not the sampler, and not CUDA_VISIBLE_DEVICES parsing.
#include <dlfcn.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <time.h>

#include <cstdlib>

#include "nvml_types.hpp"
#include "nvml_visible.hpp"
#include "sources.hpp"

namespace greenbench::detail {
namespace {

using namespace nvml;  // NVML's types and codes (nvml_types.hpp)

// Power integration assumes NVML refreshes power every 100 ms. NVML documents sample periods
// between 1/6 s and 1 s depending on the board; 100 ms is shorter than any of them, so reading
// at half of it (50 ms) sees every update at least once. Only GPUs without an energy counter
// (pre-Volta) integrate; 20 power reads a second per GPU cost nothing worth counting.
constexpr double kPowerUpdatePeriodS = 0.1;

constexpr const char* kFixInstall =
    "install the NVIDIA driver (it ships libnvidia-ml.so.1), or set GREENBENCH_NVML_LIBRARY";
constexpr const char* kFixDriver =
    "check that the NVIDIA kernel driver is loaded and matches libnvidia-ml (`nvidia-smi` must "
    "work), or set GREENBENCH_NVML_LIBRARY to the driver's library";

double monotonic_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Entry points of libnvidia-ml; total_energy is optional (absent from old drivers).
struct NvmlApi {
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*count)(unsigned*) = nullptr;
  nvmlReturn_t (*handle_by_index)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*uuid)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*power_usage)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*total_energy)(nvmlDevice_t, unsigned long long*) = nullptr;
};

struct Gpu {
  unsigned nvml_index = 0;
  nvmlDevice_t device = nullptr;
  std::string name, uuid;
  bool energy_counter = false;  // else power integration
  std::string energy_error;     // why a present energy counter was not used
  // Power integration: cumulative microjoules and the last good power sample.
  double energy_uj = 0;
  bool have_last = false;
  double last_t_s = 0, last_power_w = 0;
};

class NvmlSource : public EnergySource {
 public:
  NvmlSource(std::string library, void* handle) : library_(std::move(library)), handle_(handle) {}
  ~NvmlSource() override {
    if (initialized_) api_.shutdown();
    dlclose(handle_);
  }
  NvmlSource(const NvmlSource&) = delete;
  NvmlSource& operator=(const NvmlSource&) = delete;

  std::string name() const override { return "nvml"; }
  const std::vector<CounterSpec>& counters() const override { return specs_; }
  // NVML's energy counter and power readings update far slower than RAPL (tens of ms; power
  // averages over up to 1 s on recent GPUs).
  double update_period_s() const override { return 0.1; }
  double max_interval_s() const override {
    for (const Gpu& gpu : gpus_)
      if (!gpu.energy_counter) return kPowerUpdatePeriodS / 2;
    return 0.0;
  }

  void symbols_resolve();
  void init();
  void gpus_open();
  void read(std::vector<std::optional<uint64_t>>& units) override;
  nlohmann::json describe() const override;

 private:
  template <typename Fn>
  void symbol_bind(Fn& fn, const char* symbol, std::vector<std::string>* missing) {
    fn = reinterpret_cast<Fn>(dlsym(handle_, symbol));
    if (!fn && missing) missing->push_back(symbol);
  }
  std::string error_text(nvmlReturn_t rc) const {
    const char* text = api_.error_string ? api_.error_string(rc) : nullptr;
    return fmt::format("{} (NVML error {})", text ? text : "unknown error", rc);
  }
  [[noreturn]] void gpu_fail(unsigned nvml_index, const char* call, nvmlReturn_t rc) const {
    throw SourceUnavailable(
        "nvml", fmt::format("{}(GPU {}) failed: {}", call, nvml_index, error_text(rc)), library_,
        fmt::format("check the GPU with `nvidia-smi -q -i {}`, or leave it out with "
                    "CUDA_VISIBLE_DEVICES",
                    nvml_index));
  }
  void method_choose(Gpu& gpu);
  std::optional<uint64_t> power_integrate(Gpu& gpu);

  std::string library_;
  void* handle_;
  NvmlApi api_;
  bool initialized_ = false;
  std::optional<std::string> visible_;  // $CUDA_VISIBLE_DEVICES as read at open
  std::string visible_stopped_at_;
  std::vector<Gpu> gpus_;
  std::vector<CounterSpec> specs_;
};

void NvmlSource::symbols_resolve() {
  std::vector<std::string> missing;
  symbol_bind(api_.init, "nvmlInit_v2", &missing);
  symbol_bind(api_.shutdown, "nvmlShutdown", &missing);
  symbol_bind(api_.error_string, "nvmlErrorString", &missing);
  symbol_bind(api_.count, "nvmlDeviceGetCount_v2", &missing);
  symbol_bind(api_.handle_by_index, "nvmlDeviceGetHandleByIndex_v2", &missing);
  symbol_bind(api_.name, "nvmlDeviceGetName", &missing);
  symbol_bind(api_.uuid, "nvmlDeviceGetUUID", &missing);
  symbol_bind(api_.power_usage, "nvmlDeviceGetPowerUsage", &missing);
  symbol_bind(api_.total_energy, "nvmlDeviceGetTotalEnergyConsumption", nullptr);
  if (!missing.empty())
    throw SourceUnavailable(
        "nvml", fmt::format("the library lacks NVML symbols: {}", fmt::join(missing, ", ")),
        library_,
        "point GREENBENCH_NVML_LIBRARY at the NVIDIA driver's "
        "libnvidia-ml.so.1, or update the driver");
}

void NvmlSource::init() {
  nvmlReturn_t rc = api_.init();
  if (rc != NVML_SUCCESS)
    throw SourceUnavailable("nvml", "nvmlInit_v2 failed: " + error_text(rc), library_, kFixDriver);
  initialized_ = true;
}

void NvmlSource::gpus_open() {
  unsigned count = 0;
  nvmlReturn_t rc = api_.count(&count);
  if (rc != NVML_SUCCESS)
    throw SourceUnavailable("nvml", "nvmlDeviceGetCount_v2 failed: " + error_text(rc), library_,
                            kFixDriver);

  // UUIDs of every GPU, best effort: only CUDA_VISIBLE_DEVICES' UUID entries need them.
  std::vector<nvmlDevice_t> devices(count, nullptr);
  std::vector<std::string> uuids(count);
  for (unsigned i = 0; i < count; ++i) {
    char text[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = {};
    if (api_.handle_by_index(i, &devices[i]) != NVML_SUCCESS) devices[i] = nullptr;
    if (devices[i] && api_.uuid(devices[i], text, sizeof text) == NVML_SUCCESS) uuids[i] = text;
  }

  if (const char* env = std::getenv("CUDA_VISIBLE_DEVICES")) visible_ = env;
  VisibleGpus visible = cuda_visible_gpus(visible_, uuids);
  visible_stopped_at_ = visible.stopped_at;
  if (visible.nvml_indices.empty()) {
    if (count == 0)
      throw SourceUnavailable("nvml", "NVML sees no GPU", library_,
                              "check that `nvidia-smi -L` lists a GPU, or measure with a CPU "
                              "source (--source rapl)");
    throw SourceUnavailable(
        "nvml",
        fmt::format("CUDA_VISIBLE_DEVICES='{}' selects none of the {} GPU(s) NVML sees{}",
                    *visible_, count,
                    visible.stopped_at.empty() ? "" : " (stopped at '" + visible.stopped_at + "')"),
        library_,
        "unset CUDA_VISIBLE_DEVICES, or list GPU indices or UUIDs as `nvidia-smi -L` prints them");
  }

  for (unsigned index : visible.nvml_indices) {
    Gpu gpu;
    gpu.nvml_index = index;
    rc = api_.handle_by_index(index, &gpu.device);
    if (rc != NVML_SUCCESS) gpu_fail(index, "nvmlDeviceGetHandleByIndex_v2", rc);
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE] = {};
    rc = api_.name(gpu.device, name, sizeof name);
    if (rc != NVML_SUCCESS) gpu_fail(index, "nvmlDeviceGetName", rc);
    gpu.name = name;
    char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE] = {};
    rc = api_.uuid(gpu.device, uuid, sizeof uuid);
    if (rc != NVML_SUCCESS) gpu_fail(index, "nvmlDeviceGetUUID", rc);
    gpu.uuid = uuid;
    method_choose(gpu);

    std::string domain = fmt::format("gpu-{}", gpus_.size());
    if (gpu.energy_counter)
      specs_.push_back(
          {domain, DomainKind::gpu, 1e-3, 0,
           fmt::format("{}: nvmlDeviceGetTotalEnergyConsumption(GPU {})", library_, index)});
    else
      specs_.push_back(
          {domain, DomainKind::gpu, 1e-6, 0,
           fmt::format("{}: nvmlDeviceGetPowerUsage(GPU {}), integrated", library_, index)});
    gpus_.push_back(std::move(gpu));
  }
}

// The energy counter where it exists and answers; else power, which must answer.
void NvmlSource::method_choose(Gpu& gpu) {
  if (api_.total_energy) {
    unsigned long long energy_mj = 0;
    nvmlReturn_t rc = api_.total_energy(gpu.device, &energy_mj);
    if (rc == NVML_SUCCESS) {
      gpu.energy_counter = true;
      return;
    }
    if (rc != NVML_ERROR_NOT_SUPPORTED)
      gpu.energy_error = "nvmlDeviceGetTotalEnergyConsumption failed: " + error_text(rc);
  }
  unsigned power_mw = 0;
  nvmlReturn_t rc = api_.power_usage(gpu.device, &power_mw);
  if (rc != NVML_SUCCESS) gpu_fail(gpu.nvml_index, "nvmlDeviceGetPowerUsage", rc);
}

// Trapezoid rule between successive good power samples, timed at each call's midpoint. A
// failed call is a gap; the next good sample integrates across it as if power were linear.
std::optional<uint64_t> NvmlSource::power_integrate(Gpu& gpu) {
  unsigned power_mw = 0;
  double before_s = monotonic_s();
  nvmlReturn_t rc = api_.power_usage(gpu.device, &power_mw);
  double t_s = 0.5 * (before_s + monotonic_s());
  if (rc != NVML_SUCCESS) return std::nullopt;
  double power_w = power_mw * 1e-3;
  if (gpu.have_last && t_s > gpu.last_t_s)
    gpu.energy_uj += 0.5 * (gpu.last_power_w + power_w) * (t_s - gpu.last_t_s) * 1e6;
  gpu.have_last = true;
  gpu.last_t_s = t_s;
  gpu.last_power_w = power_w;
  return static_cast<uint64_t>(gpu.energy_uj);
}

void NvmlSource::read(std::vector<std::optional<uint64_t>>& units) {
  units.assign(gpus_.size(), std::nullopt);
  for (size_t i = 0; i < gpus_.size(); ++i) {
    Gpu& gpu = gpus_[i];
    if (!gpu.energy_counter) {
      units[i] = power_integrate(gpu);
      continue;
    }
    unsigned long long energy_mj = 0;
    if (api_.total_energy(gpu.device, &energy_mj) == NVML_SUCCESS) units[i] = energy_mj;
  }
}

nlohmann::json NvmlSource::describe() const {
  nlohmann::json gpus = nlohmann::json::array();
  for (size_t i = 0; i < gpus_.size(); ++i) {
    const Gpu& gpu = gpus_[i];
    nlohmann::json g = {{"domain", specs_[i].domain},
                        {"index", gpu.nvml_index},
                        {"name", gpu.name},
                        {"uuid", gpu.uuid},
                        {"method", gpu.energy_counter ? "energy_counter" : "power_integration"}};
    if (!gpu.energy_error.empty()) g["energy_counter_error"] = gpu.energy_error;
    gpus.push_back(std::move(g));
  }
  nlohmann::json out = {{"library", library_},
                        {"cuda_visible_devices", visible_ ? nlohmann::json(*visible_) : nullptr},
                        {"gpus", std::move(gpus)}};
  if (!visible_stopped_at_.empty()) out["cuda_visible_devices_stopped_at"] = visible_stopped_at_;
  if (max_interval_s() > 0) out["power_update_period_s"] = kPowerUpdatePeriodS;
  return out;
}

}  // namespace

std::unique_ptr<EnergySource> nvml_source_open(const SourcePaths& paths) {
  std::string library = paths.nvml_library.empty() ? "libnvidia-ml.so.1" : paths.nvml_library;
  dlerror();
  void* handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw SourceUnavailable(
        "nvml", std::string("cannot load the NVML library: ") + (why ? why : "dlopen failed"),
        library, kFixInstall);
  }
  auto source = std::make_unique<NvmlSource>(library, handle);  // owns the handle from here
  source->symbols_resolve();
  source->init();
  source->gpus_open();
  return source;
}

}  // namespace greenbench::detail
