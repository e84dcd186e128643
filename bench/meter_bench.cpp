// Micro-benchmarks of the meter: the cost of one read of each source, and the CPU the sampler
// thread takes at a 10 ms period (goal: under 0.5% of one core). Sources without hardware here
// are read through the test fakes (fake NVML library, fake powercap tree).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "fake_powercap.hpp"
#include "greenbench/meter.hpp"

using namespace greenbench;

namespace {

// One counter that never changes: what the sampler costs by itself.
class NullSource : public EnergySource {
 public:
  std::string name() const override { return "null"; }
  const std::vector<CounterSpec>& counters() const override { return specs_; }
  void read(std::vector<std::optional<uint64_t>>& units) override { units[0] = 0; }
  std::vector<CounterSpec> specs_{{"package-0", DomainKind::package, 1e-6, 0, "null"}};
};

// A two-socket Intel powercap tree (9 zones), static: reads cost what the kernel's would,
// minus the MSR access behind them.
test::FakePowercap& fake_rapl() {
  static test::FakePowercap fake(test::fake_powercap_intel_2s());
  return fake;
}

double process_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

std::unique_ptr<EnergySource> open_named(const std::string& name) {
  if (name == "null") return std::make_unique<NullSource>();
  SourcePaths paths = SourcePaths::from_env();
  if (name == "rapl") paths = fake_rapl().paths();
#ifdef FAKE_NVML_LIB
  if (name == "nvml") {
    paths.nvml_library = FAKE_NVML_LIB;
    setenv("FAKE_NVML_GPUS", "4", 1);
    unsetenv("CUDA_VISIBLE_DEVICES");
  }
#endif
  return source_open(name, paths);
}

void BM_SourceRead(benchmark::State& state, const std::string& name) {
  std::unique_ptr<EnergySource> src;
  try {
    src = open_named(name);
  } catch (const SourceUnavailable& e) {
    state.SkipWithError(e.what());
    return;
  }
  std::vector<std::optional<uint64_t>> units(src->counters().size());
  for (auto _ : state) {
    src->read(units);
    benchmark::DoNotOptimize(units.data());
  }
  state.counters["counters"] = static_cast<double>(src->counters().size());
}

// CPU time of the whole process while the main thread sleeps = the sampler's cost.
void BM_SamplerOverhead10ms(benchmark::State& state, const std::string& name) {
  for (auto _ : state) {
    std::vector<std::unique_ptr<EnergySource>> v;
    try {
      v.push_back(open_named(name));
    } catch (const SourceUnavailable& e) {
      state.SkipWithError(e.what());
      return;
    }
    Meter meter(std::move(v), MeterOptions{0.010, true});
    const double cpu0 = process_cpu_s();
    const auto t0 = std::chrono::steady_clock::now();
    meter.start();
    std::this_thread::sleep_for(std::chrono::seconds(2));
    meter.stop();
    const double wall_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu_s = process_cpu_s() - cpu0;
    state.SetIterationTime(wall_s);
    state.counters["core_pct"] = 100.0 * cpu_s / wall_s;
    state.counters["samples"] = static_cast<double>(meter.trace().size());
  }
}

// BM_SamplerOverhead10ms's settings: one 2 s run per repetition, timed by its own wall clock.
void sampler_overhead_settings(benchmark::internal::Benchmark* b) {
  b->UseManualTime()->Iterations(1)->Repetitions(3)->Unit(benchmark::kMillisecond);
}

}  // namespace

BENCHMARK_CAPTURE(BM_SourceRead, rapl_fake_9_zones, std::string("rapl"));
BENCHMARK_CAPTURE(BM_SourceRead, estimate, std::string("estimate"));
BENCHMARK_CAPTURE(BM_SourceRead, nvml_fake, std::string("nvml"));

BENCHMARK_CAPTURE(BM_SamplerOverhead10ms, null, std::string("null"))
    ->Apply(sampler_overhead_settings);
BENCHMARK_CAPTURE(BM_SamplerOverhead10ms, rapl_fake_9_zones, std::string("rapl"))
    ->Apply(sampler_overhead_settings);
BENCHMARK_CAPTURE(BM_SamplerOverhead10ms, estimate, std::string("estimate"))
    ->Apply(sampler_overhead_settings);
BENCHMARK_CAPTURE(BM_SamplerOverhead10ms, nvml_fake, std::string("nvml"))
    ->Apply(sampler_overhead_settings);

BENCHMARK_MAIN();
