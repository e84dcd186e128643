// The Meter: a sampler thread that reads every source, folds each raw counter into a 64-bit
// accumulator across wraps (gaps and resets accounted, never read as zero), keeps the power
// timeline, and answers begin/end windows. Not a source (meter/<source>.cpp) and not the CLI.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <fstream>
#include <limits>

#include "greenbench/meter.hpp"
#include "plausibility.hpp"

namespace greenbench {

// Per-domain accumulator. All fields are guarded by State::mu.
struct Meter::Counter {
  size_t source = 0, index = 0;  // which source, which of its counters
  CounterSpec spec;
  bool have_prev = false;
  bool failed_since_prev = false;  // a read failed after the last good one
  uint64_t prev_units = 0;
  double prev_t_s = 0;
  uint64_t acc_units = 0;  // energy since the first good read, in raw units, 64 bits
  double gap_s = 0;        // cumulative time not covered by exact deltas
  int resets = 0;          // cumulative counter resets seen
  double max_power_w = 0;  // the highest power seen so far (drives the wrap-safe interval)
  // Stuck detection (docs/meter.md): a counter that advanced before and then shows the same
  // value for longer than stale_after_s is stuck; the time since its last change is a gap.
  double stale_after_s = 0;  // 0 = never judged stuck (the estimate, test sources)
  bool moved = false;        // advanced at least once
  double changed_t_s = 0;    // when it last advanced
  bool stuck = false;
  double stuck_s = 0;  // cumulative time judged stuck (part of gap_s)
};

struct Meter::Snapshot {
  double t_s;
  std::vector<uint64_t> acc_units;
  std::vector<double> gap_s;
  std::vector<int> resets;
  std::vector<double> stuck_s;
  std::vector<uint64_t> model_acc_units;
  double busy_s = std::numeric_limits<double>::quiet_NaN();
};

struct Meter::State {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  MeterOptions options;
  mutable std::mutex mu;
  std::condition_variable cv;
  bool running = false, stopping = false;
  std::thread thread;
  std::vector<Counter> counters;
  std::vector<Counter> model_counters;  // the estimate beside the counters (model_j)
  std::map<std::string, Snapshot> open_windows;
  // The power timeline, flat: trace_t_s (P) and trace_w (P, D) for D domains; grown in chunks
  // so a sample does not allocate.
  std::vector<double> trace_t_s, trace_w;
  std::vector<std::optional<uint64_t>> scratch;  // one source's read, reused
  double last_sample_t_s = -1;
  std::vector<uint64_t> last_sample_acc;  // acc_units at the previous trace point
  std::vector<double> last_sample_gap;
};

Meter::Meter(std::vector<std::unique_ptr<EnergySource>> sources, MeterOptions options)
    : sources_(std::move(sources)), state_(std::make_unique<State>()) {
  state_->options = options;
  init();
}

Meter::Meter(OpenedSources opened, MeterOptions options)
    : sources_(std::move(opened.sources)),
      model_(std::move(opened.model)),
      bounds_(std::move(opened.bounds)),
      state_(std::make_unique<State>()) {
  state_->options = options;
  init();
}

void Meter::init() {
  const MeterOptions& options = state_->options;
  if (!(options.interval_s > 0)) throw std::invalid_argument("meter interval must be positive");
  for (size_t s = 0; s < sources_.size(); ++s) {
    const auto& specs = sources_[s]->counters();
    for (size_t i = 0; i < specs.size(); ++i) {
      for (const auto& other : specs_) {
        if (other.domain == specs[i].domain)
          throw std::invalid_argument("two counters name the domain " + specs[i].domain);
      }
      specs_.push_back(specs[i]);
      Counter c;
      c.source = s;
      c.index = i;
      c.spec = specs[i];
      c.stale_after_s = sources_[s]->stale_after_s();
      state_->counters.push_back(std::move(c));
    }
  }
  if (model_) {
    for (size_t i = 0; i < model_->counters().size(); ++i) {
      Counter c;
      c.index = i;
      c.spec = model_->counters()[i];
      state_->model_counters.push_back(std::move(c));
    }
  }
  state_->last_sample_acc.assign(specs_.size(), 0);
  state_->last_sample_gap.assign(specs_.size(), 0);
  sample();  // the first read sets every counter's origin
}

Meter::~Meter() {
  stop();
}

double Meter::now_s() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - state_->t0).count();
}

// Folds one raw reading into a counter (a Meter::Counter). Wraps are resolved modulo
// wrap_units; a fall that a wrap cannot explain at a plausible power is a reset, and its
// interval becomes a gap. A failed read is a gap, bridged by the next good read when exact.
// Returns true when the counter was judged stuck by this reading.
static bool fold(auto& c, std::optional<uint64_t> raw, double t_s, double max_plausible_w) {
  bool stuck_now = false;
  if (!raw) {
    c.failed_since_prev = true;
    return false;
  }
  if (!c.have_prev) {
    c.have_prev = true;
    c.prev_units = *raw;
    c.prev_t_s = t_s;
    c.changed_t_s = t_s;
    c.failed_since_prev = false;
    return false;
  }
  const double dt = t_s - c.prev_t_s;
  const double jpu = c.spec.joules_per_unit;
  const uint64_t wrap = c.spec.wrap_units;
  uint64_t delta = 0;
  bool reset = false;
  if (*raw >= c.prev_units) {
    delta = *raw - c.prev_units;
  } else if (wrap > 0 && c.prev_units < wrap) {
    delta = (wrap - c.prev_units) + *raw;
  } else {
    reset = true;
  }
  if (!reset && dt > 0 && static_cast<double>(delta) * jpu / dt > max_plausible_w) reset = true;
  if (reset) {
    // Energy before the reset is lost; what the counter holds now is energy since the reset.
    const bool plausible_restart =
        dt > 0 && static_cast<double>(*raw) * jpu / dt <= max_plausible_w;
    if (plausible_restart) c.acc_units += *raw;
    c.resets += 1;
    c.gap_s += std::max(dt, 0.0);
  } else {
    // After failed reads the delta is exact only if no wrap could hide in the interval.
    if (c.failed_since_prev && wrap > 0) {
      const double wrap_j = static_cast<double>(wrap) * jpu;
      const double bound_w = std::max(c.max_power_w, 1e-9);
      if (dt * bound_w >= wrap_j * 0.5) c.gap_s += dt;
    }
    c.acc_units += delta;
    if (dt > 0) c.max_power_w = std::max(c.max_power_w, static_cast<double>(delta) * jpu / dt);
    if (delta > 0) {
      // Advancing again after being stuck: the interval up to now was not covered either.
      if (c.stuck) {
        c.gap_s += std::max(dt, 0.0);
        c.stuck_s += std::max(dt, 0.0);
        c.stuck = false;
      }
      c.moved = true;
      c.changed_t_s = t_s;
    } else if (c.stale_after_s > 0 && c.moved) {
      if (c.stuck) {
        c.gap_s += std::max(dt, 0.0);
        c.stuck_s += std::max(dt, 0.0);
      } else if (t_s - c.changed_t_s > c.stale_after_s) {
        // Stuck since its last change: all of that time becomes a gap now.
        c.stuck = true;
        c.gap_s += t_s - c.changed_t_s;
        c.stuck_s += t_s - c.changed_t_s;
        stuck_now = true;
      }
    }
  }
  c.prev_units = *raw;
  c.prev_t_s = t_s;
  c.failed_since_prev = false;
  return stuck_now;
}

void Meter::sample() {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto& st = *state_;
  size_t k = 0;
  double t_s = 0;
  std::vector<size_t> stuck_now;
  for (size_t s = 0; s < sources_.size(); ++s) {
    st.scratch.assign(sources_[s]->counters().size(), std::nullopt);
    sources_[s]->read(st.scratch);
    t_s = now_s();
    for (size_t i = 0; i < st.scratch.size(); ++i, ++k)
      if (fold(st.counters[k], st.scratch[i], t_s, st.options.max_plausible_w))
        stuck_now.push_back(k);
  }
  if (model_) {
    st.scratch.assign(model_->counters().size(), std::nullopt);
    model_->read(st.scratch);
    const double model_t_s = now_s();
    for (size_t i = 0; i < st.scratch.size(); ++i)
      fold(st.model_counters[i], st.scratch[i], model_t_s, st.options.max_plausible_w);
  }
  // A counter just judged stuck: the trace shows NaN back to its last change.
  const size_t d = st.counters.size();
  for (size_t i : stuck_now) {
    for (size_t p = st.trace_t_s.size(); p-- > 0 && st.trace_t_s[p] > st.counters[i].changed_t_s;)
      st.trace_w[p * d + i] = std::numeric_limits<double>::quiet_NaN();
  }
  // The power timeline: watts per domain since the previous sample; NaN across a gap.
  if (st.options.keep_trace && st.last_sample_t_s >= 0 && t_s > st.last_sample_t_s) {
    if (st.trace_t_s.size() == st.trace_t_s.capacity()) {
      st.trace_t_s.reserve(st.trace_t_s.size() + 4096);
      st.trace_w.reserve(st.trace_w.size() + 4096 * st.counters.size());
    }
    st.trace_t_s.push_back(t_s);
    const double dt = t_s - st.last_sample_t_s;
    for (size_t i = 0; i < st.counters.size(); ++i) {
      const auto& c = st.counters[i];
      const bool gap = c.failed_since_prev || c.gap_s > st.last_sample_gap[i];
      st.trace_w.push_back(gap ? std::numeric_limits<double>::quiet_NaN()
                               : static_cast<double>(c.acc_units - st.last_sample_acc[i]) *
                                     c.spec.joules_per_unit / dt);
    }
  }
  st.last_sample_t_s = t_s;
  for (size_t i = 0; i < st.counters.size(); ++i) {
    st.last_sample_acc[i] = st.counters[i].acc_units;
    st.last_sample_gap[i] = st.counters[i].gap_s;
  }
}

double Meter::interval_s() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  double interval = state_->options.interval_s;
  for (const auto& src : sources_) {
    if (src->max_interval_s() > 0) interval = std::min(interval, src->max_interval_s());
  }
  // Read each wrapping counter at least four times per wrap at the highest power seen so far.
  for (const auto& c : state_->counters) {
    if (c.spec.wrap_units == 0 || c.max_power_w <= 0) continue;
    const double wrap_s =
        static_cast<double>(c.spec.wrap_units) * c.spec.joules_per_unit / c.max_power_w;
    interval = std::min(interval, wrap_s / 4);
  }
  return std::max(interval, 0.001);
}

void Meter::start() {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->running) throw std::logic_error("meter already started");
  state_->running = true;
  state_->stopping = false;
  state_->thread = std::thread([this] {
    for (;;) {
      const double wait_s = interval_s();
      {
        std::unique_lock<std::mutex> lock(state_->mu);
        if (state_->cv.wait_for(lock, std::chrono::duration<double>(wait_s),
                                [this] { return state_->stopping; }))
          return;
      }
      sample();
    }
  });
}

void Meter::stop() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->running) return;
    state_->stopping = true;
  }
  state_->cv.notify_all();
  state_->thread.join();
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->running = false;
}

void Meter::begin(const std::string& name) {
  sample();
  std::lock_guard<std::mutex> lock(state_->mu);
  auto& st = *state_;
  if (st.open_windows.count(name)) throw std::logic_error("meter window already open: " + name);
  Snapshot snap{st.last_sample_t_s, {}, {}, {}, {}, {}};
  for (const auto& c : st.counters) {
    snap.acc_units.push_back(c.acc_units);
    snap.gap_s.push_back(c.gap_s);
    snap.resets.push_back(c.resets);
    snap.stuck_s.push_back(c.stuck_s);
  }
  for (const auto& c : st.model_counters) snap.model_acc_units.push_back(c.acc_units);
  if (!bounds_.proc_stat_path.empty())
    snap.busy_s = cpu_busy_s_read(bounds_.proc_stat_path).value_or(snap.busy_s);
  st.open_windows.emplace(name, std::move(snap));
}

EnergyWindow Meter::end(const std::string& name) {
  sample();
  std::lock_guard<std::mutex> lock(state_->mu);
  auto& st = *state_;
  auto it = st.open_windows.find(name);
  if (it == st.open_windows.end()) throw std::logic_error("meter window not open: " + name);
  const Snapshot& snap = it->second;
  EnergyWindow w;
  w.name = name;
  w.start_s = snap.t_s;
  w.duration_s = st.last_sample_t_s - snap.t_s;
  bool have_package = false, have_psys = false;
  for (const auto& c : st.counters) {
    have_package |= c.spec.kind == DomainKind::package;
    have_psys |= c.spec.kind == DomainKind::psys;
  }
  for (size_t i = 0; i < st.counters.size(); ++i) {
    const auto& c = st.counters[i];
    const double j = static_cast<double>(c.acc_units - snap.acc_units[i]) * c.spec.joules_per_unit;
    w.energy_j[c.spec.domain] = j;
    w.gap_s = std::max(w.gap_s, c.gap_s - snap.gap_s[i]);
    w.resets += c.resets - snap.resets[i];
    // Total = packages + DRAM + GPUs. Without packages, psys stands for the platform; without
    // either, the cores are the best lower bound there is.
    bool counted = false;
    switch (c.spec.kind) {
      case DomainKind::package:
      case DomainKind::dram:
      case DomainKind::gpu:
        counted = true;
        break;
      case DomainKind::psys:
        counted = !have_package;
        break;
      case DomainKind::core:
        counted = !have_package && !have_psys;
        break;
      case DomainKind::uncore:
        counted = false;
        break;
    }
    if (counted) w.total_j += j;
    if (sources_[c.source]->estimated()) w.estimated = true;
    // Stuck time is booked when it is recognised, back to the last change: clamp to the window.
    const double stuck_s = std::min(c.stuck_s - snap.stuck_s[i], w.duration_s);
    if (stuck_s > 0)
      w.warnings.push_back(fmt::format(
          "{}: the counter stopped advancing for {:.3f} s inside the window (no change for more "
          "than {:.3f} s after it had advanced); that time is a gap (gap_s), not zero energy",
          c.spec.domain, stuck_s, c.stale_after_s));
  }
  w.energy_j["total"] = w.total_j;
  w.gap_s = std::min(w.gap_s, w.duration_s);
  w.source = source_name();
  // The estimate beside the counters: its CPU + DRAM, plus the GPUs as measured (the model has
  // no GPU part). Where the CPU source is the estimate, the model's figure is the total itself.
  if (model_) {
    double model_j = 0;
    for (size_t i = 0; i < st.model_counters.size(); ++i) {
      const auto& c = st.model_counters[i];
      model_j +=
          static_cast<double>(c.acc_units - snap.model_acc_units[i]) * c.spec.joules_per_unit;
    }
    for (const auto& c : st.counters)
      if (c.spec.kind == DomainKind::gpu) model_j += w.energy_j[c.spec.domain];
    w.model_j = model_j;
  } else if (w.estimated) {
    w.model_j = w.total_j;
  }
  // Plausibility of each measured domain's implied power.
  double busy_cpus = std::numeric_limits<double>::quiet_NaN();
  if (!bounds_.proc_stat_path.empty() && std::isfinite(snap.busy_s) && w.duration_s > 0) {
    if (auto busy = cpu_busy_s_read(bounds_.proc_stat_path))
      busy_cpus = (*busy - snap.busy_s) / w.duration_s;
  }
  std::vector<bool> modelled;
  for (const auto& c : st.counters) modelled.push_back(sources_[c.source]->estimated());
  for (auto& text : detail::window_plausibility_check(w, specs_, modelled, bounds_, busy_cpus))
    w.warnings.push_back(std::move(text));
  st.open_windows.erase(it);
  return w;
}

double Meter::idle_power_measure_w(double seconds) {
  const std::string name = "__idle_baseline";
  begin(name);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  return end(name).avg_power_w();
}

std::vector<TracePoint> Meter::trace() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  const auto& st = *state_;
  const size_t d = st.counters.size();
  std::vector<TracePoint> points;
  points.reserve(st.trace_t_s.size());
  for (size_t p = 0; p < st.trace_t_s.size(); ++p)
    points.push_back({st.trace_t_s[p], std::vector<double>(st.trace_w.begin() + p * d,
                                                           st.trace_w.begin() + (p + 1) * d)});
  return points;
}

std::string Meter::trace_csv(double from_s, double to_s) const {
  const auto points = trace();
  std::string out = "t_s";
  for (const auto& s : specs_) out += "," + s.domain + "_w";
  out += "\n";
  for (const auto& p : points) {
    if (p.t_s < from_s || p.t_s > to_s) continue;
    out += fmt::format("{:.6f}", p.t_s);
    for (double w : p.power_w) out += std::isnan(w) ? std::string(",") : fmt::format(",{:.4f}", w);
    out += "\n";
  }
  return out;
}

void Meter::trace_write_csv(const std::string& path, double from_s, double to_s) const {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw std::runtime_error("cannot write the power trace to " + path);
  out << trace_csv(from_s, to_s);
  out.flush();
  if (!out) throw std::runtime_error("failed writing the power trace to " + path);
}

std::string Meter::source_name() const {
  std::string name;
  for (const auto& s : sources_) {
    if (!name.empty()) name += '+';
    name += s->name();
  }
  return name;
}

bool Meter::estimated() const {
  return std::any_of(sources_.begin(), sources_.end(),
                     [](const auto& s) { return s->estimated(); });
}

nlohmann::json Meter::describe() const {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& s : sources_) {
    nlohmann::json d = s->describe();
    d["estimated"] = s->estimated();
    nlohmann::json domains = nlohmann::json::array();
    for (const auto& c : s->counters())
      domains.push_back(
          {{"domain", c.domain}, {"kind", domain_kind_name(c.kind)}, {"path", c.path}});
    d["domains"] = domains;
    j[s->name()] = d;
  }
  if (model_) {
    nlohmann::json d = model_->describe();
    d["role"] = "energy_model_j only: the estimate beside the counters, never in energy_j";
    j["energy_model"] = d;
  }
  return j;
}

nlohmann::json EnergyWindow::to_json() const {
  return {{"name", name},
          {"start_s", start_s},
          {"duration_s", duration_s},
          {"energy_j", energy_j},
          {"total_j", total_j},
          {"avg_power_w", avg_power_w()},
          {"estimated", estimated},
          {"gap_s", gap_s},
          {"resets", resets},
          {"source", source},
          {"energy_model_j",
           std::isfinite(model_j) ? nlohmann::json(model_j) : nlohmann::json(nullptr)},
          {"warnings", warnings}};
}

}  // namespace greenbench
