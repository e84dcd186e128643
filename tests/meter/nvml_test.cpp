// Tests of the `nvml` source against the fake libnvidia-ml (tests/meter/fake_nvml.c): energy
// against the fake's exact truth, CUDA_VISIBLE_DEVICES, gaps and every unavailable case.
// Not the sampler's accumulation of these counters (sampler tests).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <time.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <thread>

#include "nvml_visible.hpp"
#include "sources.hpp"
#include "unavailable.hpp"

namespace greenbench {
namespace {

double monotonic_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Sets environment variables for one test and puts back what was there before.
class EnvGuard {
 public:
  ~EnvGuard() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second)
        setenv(it->first.c_str(), it->second->c_str(), 1);
      else
        unsetenv(it->first.c_str());
    }
  }
  void set(const std::string& name, const std::string& value) {
    save(name);
    setenv(name.c_str(), value.c_str(), 1);
  }
  void unset(const std::string& name) {
    save(name);
    unsetenv(name.c_str());
  }

 private:
  void save(const std::string& name) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

// Readings of every counter at a steady interval, stamped at each read's midpoint.
struct Readings {
  std::vector<double> t_s;
  std::vector<std::vector<std::optional<uint64_t>>> units;
};

Readings readings_take(EnergySource& source, double duration_s, double interval_s) {
  Readings r;
  auto start = std::chrono::steady_clock::now();
  for (int k = 0; k * interval_s <= duration_s + 1e-9; ++k) {
    std::this_thread::sleep_until(start + std::chrono::duration<double>(k * interval_s));
    std::vector<std::optional<uint64_t>> units;
    double before_s = monotonic_s();
    source.read(units);
    r.t_s.push_back(0.5 * (before_s + monotonic_s()));
    r.units.push_back(units);
  }
  return r;
}

class NvmlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name :
         {"FAKE_NVML_GPUS", "FAKE_NVML_POWER_W", "FAKE_NVML_STEP", "FAKE_NVML_RAMP_S",
          "FAKE_NVML_POWER_PERIOD_MS", "FAKE_NVML_ENERGY_UNSUPPORTED", "FAKE_NVML_FAIL_S",
          "FAKE_NVML_INIT_FAIL", "CUDA_VISIBLE_DEVICES", "GREENBENCH_NVML_LIBRARY"})
      env_.unset(name);
    // Keep both fakes loaded for the whole test, so their state (init count) outlives a source.
    for (const std::string& library :
         {std::string(FAKE_NVML_LIB), std::string(FAKE_NVML_NOENERGY_LIB)})
      fake_symbol(library, "fake_nvml_init_count");
  }
  void TearDown() override {
    for (void* h : handles_) dlclose(h);
  }

  std::unique_ptr<EnergySource> open(const std::string& library) {
    SourcePaths paths = SourcePaths::from_env();
    paths.nvml_library = library;
    return detail::nvml_source_open(paths);
  }
  // A symbol of the fake library itself (its truth and bookkeeping helpers).
  void* fake_symbol(const std::string& library, const char* symbol) {
    void* h = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
    EXPECT_NE(h, nullptr) << dlerror();
    if (!h) return nullptr;
    handles_.push_back(h);
    return dlsym(h, symbol);
  }
  double truth_j(const std::string& library, unsigned gpu, double t0_s, double t1_s) {
    auto fn = reinterpret_cast<double (*)(unsigned, double, double)>(
        fake_symbol(library, "fake_nvml_truth_j"));
    return fn ? fn(gpu, t0_s, t1_s) : -1.0;
  }
  int init_count(const std::string& library) {
    auto fn = reinterpret_cast<int (*)()>(fake_symbol(library, "fake_nvml_init_count"));
    return fn ? fn() : -1;
  }
  // Energy of counter i between the first and last reading, in joules.
  static double energy_j(const EnergySource& source, const Readings& r, size_t i) {
    EXPECT_TRUE(r.units.front()[i] && r.units.back()[i]);
    if (!r.units.front()[i] || !r.units.back()[i]) return -1.0;
    return static_cast<double>(*r.units.back()[i] - *r.units.front()[i]) *
           source.counters()[i].joules_per_unit;
  }
  // Checks every counter's energy against the truth of the NVML GPU behind it, within `rel`.
  void energy_check(const std::string& library, const EnergySource& source, const Readings& r,
                    double rel) {
    auto gpus = source.describe()["gpus"];
    for (size_t i = 0; i < source.counters().size(); ++i) {
      unsigned index = gpus[i]["index"];
      double truth = truth_j(library, index, r.t_s.front(), r.t_s.back());
      double got = energy_j(source, r, i);
      EXPECT_NEAR(got, truth, rel * truth) << source.counters()[i].domain << " (NVML GPU " << index
                                           << "): " << got << " J vs " << truth << " J";
    }
  }

  EnvGuard env_;
  std::vector<void*> handles_;
};

const std::string kFake = FAKE_NVML_LIB;
const std::string kFakeNoEnergy = FAKE_NVML_NOENERGY_LIB;

TEST_F(NvmlTest, EnergyCounterDomainsAndDescription) {
  env_.set("FAKE_NVML_GPUS", "2");
  auto source = open(kFake);
  EXPECT_EQ(source->name(), "nvml");
  EXPECT_FALSE(source->estimated());
  ASSERT_EQ(source->counters().size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const CounterSpec& c = source->counters()[i];
    EXPECT_EQ(c.domain, "gpu-" + std::to_string(i));
    EXPECT_EQ(c.kind, DomainKind::gpu);
    EXPECT_DOUBLE_EQ(c.joules_per_unit, 1e-3);
    EXPECT_EQ(c.wrap_units, 0u);
    EXPECT_NE(c.path.find("nvmlDeviceGetTotalEnergyConsumption"), std::string::npos) << c.path;
  }
  EXPECT_EQ(source->max_interval_s(), 0.0);
  auto d = source->describe();
  EXPECT_EQ(d["library"], kFake);
  EXPECT_TRUE(d["cuda_visible_devices"].is_null());
  EXPECT_FALSE(d.contains("power_update_period_s"));
  ASSERT_EQ(d["gpus"].size(), 2u);
  EXPECT_EQ(d["gpus"][1]["index"], 1);
  EXPECT_EQ(d["gpus"][1]["name"], "Fake NVML GPU 1");
  EXPECT_EQ(d["gpus"][1]["uuid"], "GPU-00000000-0000-0000-0000-000000000001");
  EXPECT_EQ(d["gpus"][0]["method"], "energy_counter");
  EXPECT_EQ(d["gpus"][1]["method"], "energy_counter");
}

TEST_F(NvmlTest, PowerIntegrationDomainsAndDescription) {
  env_.set("FAKE_NVML_GPUS", "2");
  auto source = open(kFakeNoEnergy);
  ASSERT_EQ(source->counters().size(), 2u);
  for (const CounterSpec& c : source->counters()) {
    EXPECT_DOUBLE_EQ(c.joules_per_unit, 1e-6);
    EXPECT_EQ(c.wrap_units, 0u);
    EXPECT_NE(c.path.find("nvmlDeviceGetPowerUsage"), std::string::npos) << c.path;
  }
  EXPECT_DOUBLE_EQ(source->max_interval_s(), 0.05);
  auto d = source->describe();
  EXPECT_EQ(d["gpus"][0]["method"], "power_integration");
  EXPECT_EQ(d["gpus"][1]["method"], "power_integration");
  EXPECT_FALSE(d["gpus"][0].contains("energy_counter_error"));
  EXPECT_DOUBLE_EQ(d["power_update_period_s"].get<double>(), 0.1);
}

// Energy against the fake's truth: with `env` set ("NAME=VALUE ..." of the FAKE_NVML_* knobs),
// `library` read every interval_s for duration_s; every counter within `rel` of its GPU's truth.
struct TruthCase {
  const char* name;
  const char* library;
  const char* env;
  double duration_s, interval_s, rel;
  // Bounds on counter 0's first raw value: the energy counter is the driver's count since it
  // loaded (the fake's starts at 1e9 mJ), not since open; integration starts at 0.
  uint64_t first_min, first_max;
};

// A failing case is reported by its name, not its bytes.
void PrintTo(const TruthCase& c, std::ostream* os) {
  *os << c.name;
}

class NvmlTruth : public NvmlTest, public ::testing::WithParamInterface<TruthCase> {};

TEST_P(NvmlTruth, EnergyMatchesTheFakesTruth) {
  const TruthCase& c = GetParam();
  std::istringstream knobs(c.env);
  for (std::string knob; knobs >> knob;) {
    const size_t eq = knob.find('=');
    ASSERT_NE(eq, std::string::npos) << knob;
    env_.set(knob.substr(0, eq), knob.substr(eq + 1));
  }
  auto source = open(c.library);
  Readings r = readings_take(*source, c.duration_s, c.interval_s);
  energy_check(c.library, *source, r, c.rel);
  ASSERT_TRUE(r.units.front()[0]);
  EXPECT_GE(*r.units.front()[0], c.first_min);
  EXPECT_LE(*r.units.front()[0], c.first_max);
}

constexpr uint64_t kSinceLoad = 1000000000u, kAny = std::numeric_limits<uint64_t>::max();

const TruthCase kTruthCases[] = {
    {"EnergyCounterAcrossAStep", FAKE_NVML_LIB,
     "FAKE_NVML_GPUS=2 FAKE_NVML_POWER_W=100,250 FAKE_NVML_STEP=0.5:200,50", 1.0, 0.02, 0.01,
     kSinceLoad, kAny},
    {"PowerIntegrationAcrossAStep", FAKE_NVML_NOENERGY_LIB,
     "FAKE_NVML_GPUS=2 FAKE_NVML_POWER_W=100,50 FAKE_NVML_STEP=0.4:200,150", 1.0, 0.02, 0.01, 0, 0},
    // A ramp tells the trapezoid rule (exact on linear power) from a rectangle rule, which would
    // be off by about (300 W - 100 W) * 50 ms / 2 = 5 J of about 190 J here.
    {"PowerIntegrationIsTrapezoidal", FAKE_NVML_NOENERGY_LIB,
     "FAKE_NVML_POWER_W=100 FAKE_NVML_STEP=0.2:300 FAKE_NVML_RAMP_S=0.6", 1.0, 0.05, 0.005, 0, 0},
    {"PowerAveragedOverAnUpdatePeriodStillIntegrates", FAKE_NVML_NOENERGY_LIB,
     "FAKE_NVML_POWER_W=120 FAKE_NVML_POWER_PERIOD_MS=100", 0.6, 0.02, 0.01, 0, 0},
};

INSTANTIATE_TEST_SUITE_P(NvmlTest, NvmlTruth, ::testing::ValuesIn(kTruthCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(NvmlTest, EnergyNotSupportedFallsBackPerGpu) {
  env_.set("FAKE_NVML_GPUS", "2");
  env_.set("FAKE_NVML_POWER_W", "100,200");
  env_.set("FAKE_NVML_ENERGY_UNSUPPORTED", "1");
  auto source = open(kFake);
  auto d = source->describe();
  EXPECT_EQ(d["gpus"][0]["method"], "energy_counter");
  EXPECT_EQ(d["gpus"][1]["method"], "power_integration");
  EXPECT_DOUBLE_EQ(source->counters()[0].joules_per_unit, 1e-3);
  EXPECT_DOUBLE_EQ(source->counters()[1].joules_per_unit, 1e-6);
  EXPECT_DOUBLE_EQ(source->max_interval_s(), 0.05);
  Readings r = readings_take(*source, 0.5, 0.02);
  energy_check(kFake, *source, r, 0.01);
}

// Reads that fail are gaps (nullopt), never zero; the counters carry on after the gap.
TEST_F(NvmlTest, FailedReadsAreGaps) {
  for (const std::string& library : {kFake, kFakeNoEnergy}) {
    SCOPED_TRACE(library);
    env_.set("FAKE_NVML_POWER_W", "100");
    env_.set("FAKE_NVML_FAIL_S", "0.2:0.4");
    double before_open_s = monotonic_s();
    auto source = open(library);
    double after_open_s = monotonic_s();
    Readings r = readings_take(*source, 0.6, 0.02);
    int gaps = 0;
    for (size_t k = 0; k < r.t_s.size(); ++k) {
      // Seconds since the fake's nvmlInit, which lies between before_open_s and after_open_s.
      double late_s = r.t_s[k] - before_open_s, early_s = r.t_s[k] - after_open_s;
      bool inside = early_s > 0.2 + 0.005 && late_s < 0.4 - 0.005;
      bool outside = late_s < 0.2 - 0.005 || early_s > 0.4 + 0.005;
      if (inside) {
        EXPECT_FALSE(r.units[k][0]) << "read at " << late_s << " s";
        ++gaps;
      }
      if (outside) {
        EXPECT_TRUE(r.units[k][0]) << "read at " << late_s << " s";
      }
    }
    EXPECT_GT(gaps, 5);
    // Constant power, so even integration across the gap is exact.
    energy_check(library, *source, r, 0.01);
  }
}

TEST_F(NvmlTest, VisibleDevicesUnsetIsEveryGpuInNvmlOrder) {
  env_.set("FAKE_NVML_GPUS", "4");
  auto source = open(kFake);
  auto d = source->describe();
  ASSERT_EQ(d["gpus"].size(), 4u);
  for (unsigned i = 0; i < 4; ++i) EXPECT_EQ(d["gpus"][i]["index"], i);
}

TEST_F(NvmlTest, VisibleDevicesIndicesSetCudaOrder) {
  env_.set("FAKE_NVML_GPUS", "4");
  env_.set("FAKE_NVML_POWER_W", "10,20,30,40");
  env_.set("CUDA_VISIBLE_DEVICES", "2,0");
  auto source = open(kFake);
  ASSERT_EQ(source->counters().size(), 2u);
  EXPECT_EQ(source->counters()[0].domain, "gpu-0");
  EXPECT_EQ(source->counters()[1].domain, "gpu-1");
  auto d = source->describe();
  EXPECT_EQ(d["cuda_visible_devices"], "2,0");
  EXPECT_EQ(d["gpus"][0]["index"], 2);
  EXPECT_EQ(d["gpus"][0]["domain"], "gpu-0");
  EXPECT_EQ(d["gpus"][1]["index"], 0);
  // gpu-0 really reads NVML GPU 2 (30 W), gpu-1 NVML GPU 0 (10 W).
  Readings r = readings_take(*source, 0.4, 0.02);
  double duration_s = r.t_s.back() - r.t_s.front();
  EXPECT_NEAR(energy_j(*source, r, 0) / duration_s, 30.0, 0.3);
  EXPECT_NEAR(energy_j(*source, r, 1) / duration_s, 10.0, 0.3);
}

TEST_F(NvmlTest, VisibleDevicesUuids) {
  env_.set("FAKE_NVML_GPUS", "4");
  env_.set("CUDA_VISIBLE_DEVICES", "GPU-00000000-0000-0000-0000-000000000003, 1");
  auto source = open(kFake);
  auto d = source->describe();
  ASSERT_EQ(d["gpus"].size(), 2u);
  EXPECT_EQ(d["gpus"][0]["index"], 3);
  EXPECT_EQ(d["gpus"][0]["uuid"], "GPU-00000000-0000-0000-0000-000000000003");
  EXPECT_EQ(d["gpus"][1]["index"], 1);
}

TEST_F(NvmlTest, VisibleDevicesInvalidEntryEndsTheList) {
  env_.set("FAKE_NVML_GPUS", "4");
  for (const char* visible : {"1,7,2", "1,MIG-abc,2", "1,1,2", "1,GPU-ffff,2"}) {
    SCOPED_TRACE(visible);
    env_.set("CUDA_VISIBLE_DEVICES", visible);
    auto source = open(kFake);
    auto d = source->describe();
    ASSERT_EQ(d["gpus"].size(), 1u);
    EXPECT_EQ(d["gpus"][0]["index"], 1);
    EXPECT_TRUE(d.contains("cuda_visible_devices_stopped_at"));
  }
}

TEST_F(NvmlTest, VisibleDevicesSelectingNoneIsUnavailable) {
  env_.set("FAKE_NVML_GPUS", "2");
  for (const char* visible : {"", "-1", "5"}) {
    SCOPED_TRACE(visible);
    env_.set("CUDA_VISIBLE_DEVICES", visible);
    try {
      open(kFake);
      ADD_FAILURE() << "opened with CUDA_VISIBLE_DEVICES='" << visible << "'";
    } catch (const SourceUnavailable& e) {
      EXPECT_EQ(e.source, "nvml");
      EXPECT_NE(e.reason.find("CUDA_VISIBLE_DEVICES"), std::string::npos) << e.reason;
      EXPECT_NE(e.fix.find("CUDA_VISIBLE_DEVICES"), std::string::npos) << e.fix;
      EXPECT_EQ(e.file, kFake);
    }
    EXPECT_EQ(init_count(kFake), 0) << "nvmlShutdown not called after a failed open";
  }
}

TEST(NvmlVisibleTest, ParsesAsCudaDoes) {
  std::vector<std::string> uuids = {"GPU-aaaa-0001", "GPU-aaaa-0002", "GPU-bbbb-0003"};
  using detail::cuda_visible_gpus;
  EXPECT_EQ(cuda_visible_gpus(std::nullopt, uuids).nvml_indices, (std::vector<unsigned>{0, 1, 2}));
  EXPECT_EQ(cuda_visible_gpus("2,0", uuids).nvml_indices, (std::vector<unsigned>{2, 0}));
  EXPECT_EQ(cuda_visible_gpus("GPU-b", uuids).nvml_indices, (std::vector<unsigned>{2}));
  EXPECT_EQ(cuda_visible_gpus("1,GPU-aaaa", uuids).nvml_indices,
            (std::vector<unsigned>{1}));  // ambiguous prefix
  EXPECT_EQ(cuda_visible_gpus("1,GPU-aaaa", uuids).stopped_at, "GPU-aaaa");
  EXPECT_EQ(cuda_visible_gpus("0, 2 ,x,1", uuids).nvml_indices, (std::vector<unsigned>{0, 2}));
  EXPECT_EQ(cuda_visible_gpus("0,GPU-aaaa-0001", uuids).nvml_indices,
            (std::vector<unsigned>{0}));  // the same GPU twice
  EXPECT_TRUE(cuda_visible_gpus("", uuids).nvml_indices.empty());
  EXPECT_TRUE(cuda_visible_gpus("-1", uuids).nvml_indices.empty());
  EXPECT_TRUE(cuda_visible_gpus("99999999999999999999", uuids).nvml_indices.empty());
  EXPECT_TRUE(cuda_visible_gpus("GPU-", {"", ""}).nvml_indices.empty());  // UUIDs unknown
}

TEST_F(NvmlTest, MissingLibraryIsUnavailable) {
  const std::string library = "/nonexistent/libnvidia-ml.so.1";
  const SourceUnavailable e = testing::unavailable_of([&] { open(library); });
  EXPECT_EQ(e.source, "nvml");
  EXPECT_EQ(e.file, library);
  EXPECT_NE(e.reason.find("No such file"), std::string::npos) << e.reason;  // dlerror's words
  EXPECT_NE(e.fix.find("install the NVIDIA driver"), std::string::npos) << e.fix;
  EXPECT_NE(e.fix.find("GREENBENCH_NVML_LIBRARY"), std::string::npos) << e.fix;
}

TEST_F(NvmlTest, InitFailureIsUnavailable) {
  env_.set("FAKE_NVML_INIT_FAIL", "1");
  const SourceUnavailable e = testing::unavailable_of([&] { open(kFake); });
  EXPECT_EQ(e.file, kFake);
  EXPECT_NE(e.reason.find("nvmlInit_v2"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("Driver Not Loaded"), std::string::npos) << e.reason;
  EXPECT_NE(e.fix.find("nvidia-smi"), std::string::npos) << e.fix;
  EXPECT_EQ(init_count(kFake), 0);
}

TEST_F(NvmlTest, MissingSymbolsAreNamed) {
  const std::string library = "libm.so.6";  // loads, but is no NVML
  const SourceUnavailable e = testing::unavailable_of([&] { open(library); });
  EXPECT_EQ(e.file, library);
  EXPECT_NE(e.reason.find("nvmlInit_v2"), std::string::npos) << e.reason;
  EXPECT_NE(e.reason.find("nvmlDeviceGetPowerUsage"), std::string::npos) << e.reason;
  // Optional: its absence only changes the method.
  EXPECT_EQ(e.reason.find("nvmlDeviceGetTotalEnergyConsumption"), std::string::npos) << e.reason;
  EXPECT_NE(e.fix.find("GREENBENCH_NVML_LIBRARY"), std::string::npos) << e.fix;
}

TEST_F(NvmlTest, NoGpuIsUnavailable) {
  env_.set("FAKE_NVML_GPUS", "0");
  const SourceUnavailable e = testing::unavailable_of([&] { open(kFake); });
  EXPECT_NE(e.reason.find("no GPU"), std::string::npos) << e.reason;
  EXPECT_NE(e.fix.find("nvidia-smi"), std::string::npos) << e.fix;
  EXPECT_EQ(init_count(kFake), 0);
}

TEST_F(NvmlTest, DestructorShutsNvmlDown) {
  {
    auto source = open(kFake);
    EXPECT_EQ(init_count(kFake), 1);
  }
  EXPECT_EQ(init_count(kFake), 0);
}

TEST_F(NvmlTest, EnvironmentNamesTheLibrary) {
  env_.set("GREENBENCH_NVML_LIBRARY", kFakeNoEnergy);
  auto source = detail::nvml_source_open(SourcePaths::from_env());
  EXPECT_EQ(source->describe()["library"], kFakeNoEnergy);
  EXPECT_EQ(source->describe()["gpus"][0]["method"], "power_integration");
}

// The real default: on a machine without the driver (this VM) a clean SourceUnavailable; on
// one with it, the source opens or says why not, never anything else.
TEST_F(NvmlTest, RealDefaultLibrary) {
  SourcePaths paths = SourcePaths::from_env();
  ASSERT_EQ(paths.nvml_library, "libnvidia-ml.so.1");
  void* real = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (real) dlclose(real);
  testing::real_opens_or_says_why(
      "nvml", real != nullptr, [&] { return detail::nvml_source_open(paths); },
      [&](const SourceUnavailable& e) {
        EXPECT_EQ(e.file, "libnvidia-ml.so.1");
        if (!real) {
          EXPECT_NE(e.reason.find("cannot load"), std::string::npos) << e.reason;
          EXPECT_NE(e.fix.find("install the NVIDIA driver"), std::string::npos) << e.fix;
        }
      });
}

}  // namespace
}  // namespace greenbench
