// Liveness before trust (docs/meter.md): every counter of a freshly opened source is read over
// a short window with one CPU kept busy; a counter that never moves is present but not counting
// and is left out, and a source with no counting package, psys or GPU counter is unavailable.
// Not the factory's choice of source (meter/factory.cpp) and not stuck detection mid-window
// (meter/sampler.cpp).
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "sources.hpp"

namespace greenbench {
namespace {

constexpr double kDefaultWindowS = 0.3;
constexpr double kReadEveryS = 0.005;

// `inner` with only the counters in `keep`; everything else is forwarded.
class LiveSource final : public EnergySource {
 public:
  LiveSource(std::unique_ptr<EnergySource> inner, std::vector<size_t> keep,
             std::vector<DroppedCounter> dead)
      : inner_(std::move(inner)), keep_(std::move(keep)), dead_(std::move(dead)) {
    for (size_t i : keep_) specs_.push_back(inner_->counters()[i]);
  }
  std::string name() const override { return inner_->name(); }
  bool estimated() const override { return inner_->estimated(); }
  const std::vector<CounterSpec>& counters() const override { return specs_; }
  void read(std::vector<std::optional<uint64_t>>& units) override {
    inner_->read(scratch_);
    units.resize(keep_.size());
    for (size_t k = 0; k < keep_.size(); ++k)
      units[k] = keep_[k] < scratch_.size() ? scratch_[keep_[k]] : std::nullopt;
  }
  double max_interval_s() const override { return inner_->max_interval_s(); }
  double update_period_s() const override { return inner_->update_period_s(); }
  std::vector<DroppedCounter> dropped() const override { return dead_; }
  nlohmann::json describe() const override {
    nlohmann::json d = inner_->describe();
    nlohmann::json list = nlohmann::json::array();
    for (const auto& c : dead_)
      list.push_back({{"domain", c.domain}, {"path", c.path}, {"reason", c.reason}});
    d["dropped"] = list;
    return d;
  }

 private:
  std::unique_ptr<EnergySource> inner_;
  std::vector<size_t> keep_;
  std::vector<DroppedCounter> dead_;
  std::vector<CounterSpec> specs_;
  std::vector<std::optional<uint64_t>> scratch_;
};

bool kind_carries_total(DomainKind kind) {
  return kind == DomainKind::package || kind == DomainKind::psys || kind == DomainKind::gpu;
}

}  // namespace

double liveness_window_s(const EnergySource& source) {
  double window_s = kDefaultWindowS;
  if (const char* v = std::getenv("GREENBENCH_LIVENESS_MS"); v && *v) {
    char* end = nullptr;
    const double ms = std::strtod(v, &end);
    if (end == v || *end != '\0' || !(ms > 0) || ms > 10000)
      throw SourceUnavailable(source.name(),
                              fmt::format("GREENBENCH_LIVENESS_MS='{}' is not a number of "
                                          "milliseconds in (0, 10000]",
                                          v),
                              "GREENBENCH_LIVENESS_MS", "unset it, or set e.g. 300");
    window_s = ms / 1000.0;
  }
  return std::max(window_s, 3 * source.update_period_s());
}

std::vector<DroppedCounter> counters_liveness_check(EnergySource& source, double window_s) {
  const auto& specs = source.counters();
  if (source.update_period_s() <= 0 || specs.empty()) return {};
  // One spinning thread: a busy CPU makes every live package, core and psys counter move.
  std::atomic<bool> stop{false};
  std::thread spinner([&stop] {
    volatile uint64_t x = 0;
    while (!stop.load(std::memory_order_relaxed)) x = x + 1;
  });
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::optional<uint64_t>> first(specs.size()), now;
  std::vector<bool> moved(specs.size(), false);
  std::vector<int> good_reads(specs.size(), 0);
  int reads = 0;
  double elapsed_s = 0;
  for (;;) {
    source.read(now);
    ++reads;
    elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    bool all_moved = true;
    for (size_t i = 0; i < specs.size(); ++i) {
      if (i < now.size() && now[i]) {
        ++good_reads[i];
        if (!first[i])
          first[i] = now[i];
        else if (*now[i] != *first[i])
          moved[i] = true;
      }
      all_moved = all_moved && moved[i];
    }
    if (all_moved || elapsed_s >= window_s) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(kReadEveryS));
  }
  stop = true;
  spinner.join();
  std::vector<DroppedCounter> dead;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (moved[i]) continue;
    std::string why;
    if (good_reads[i] == 0)
      why = fmt::format("{} ({}) present but unreadable: {} reads over {:.0f} ms, every one failed",
                        specs[i].domain, specs[i].path, reads, elapsed_s * 1000);
    else
      why = fmt::format(
          "{} ({}) present but not counting: {} reads over {:.0f} ms with a CPU busy, constant "
          "at {}",
          specs[i].domain, specs[i].path, good_reads[i], elapsed_s * 1000, *first[i]);
    dead.push_back({specs[i].domain, specs[i].path, why});
  }
  return dead;
}

std::unique_ptr<EnergySource> source_live_only(std::unique_ptr<EnergySource> source,
                                               std::vector<DroppedCounter> dead) {
  if (dead.empty()) return source;
  const auto& specs = source->counters();
  std::vector<size_t> keep;
  bool carries_total = false;
  for (size_t i = 0; i < specs.size(); ++i) {
    bool is_dead = false;
    for (const auto& d : dead) is_dead = is_dead || d.domain == specs[i].domain;
    if (is_dead) continue;
    keep.push_back(i);
    carries_total = carries_total || kind_carries_total(specs[i].kind);
  }
  if (!carries_total) {
    std::string reason;
    for (const auto& d : dead) reason += (reason.empty() ? "" : "; ") + d.reason;
    if (!keep.empty()) reason += "; no package, psys or GPU counter is left";
    SourceUnavailable e(
        source->name(), reason, dead.front().path,
        "the platform (often a hypervisor) exposes these counters without updating them: use "
        "another source (`--source rapl|perf|msr|nvml`) or `--source estimate` (a labelled power "
        "model); `auto` skips this source by itself");
    e.not_counting = true;
    throw e;
  }
  return std::make_unique<LiveSource>(std::move(source), std::move(keep), std::move(dead));
}

}  // namespace greenbench
