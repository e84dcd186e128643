// Meters its own loop with greenbench's meter, as README.md's example does, and prints what
// the windows cost as one JSON line for tests/package/package_test.sh to check.
// Usage: app SOURCE (auto, estimate, ...)
#include <chrono>
#include <cmath>
#include <greenbench/meter.hpp>
#include <iostream>

int main(int argc, char** argv) {
  const std::string source = argc > 1 ? argv[1] : "auto";
  std::vector<std::string> notes;
  auto meter = greenbench::meter_open(source, {}, &notes);
  for (const auto& note : notes) std::cerr << "note: " << note << "\n";

  // The loop, metered by begin/end (today's API) and, around it, a self-ending window.
  greenbench::EnergyWindow outer;
  greenbench::EnergyWindow loop;
  double work = 0;
  const auto t0 = std::chrono::steady_clock::now();
  {
    greenbench::MeterWindow window(*meter, "outer", &outer);
    meter->begin("loop");
    for (long i = 1; i < 60'000'000; ++i) work += std::sqrt(double(i));
    loop = meter->end("loop");
  }
  const double wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  nlohmann::json out = {{"source", loop.source},           {"estimated", loop.estimated},
                        {"loop_s", loop.duration_s},       {"loop_j", loop.total_j},
                        {"outer_s", outer.duration_s},     {"outer_j", outer.total_j},
                        {"outer_name", outer.name},        {"wall_s", wall_s},
                        {"domains", loop.energy_j.size()}, {"work", work}};
  std::cout << out.dump() << "\n";
  return 0;
}
