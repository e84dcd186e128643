// The host calibration's run: see host_calibrate.hpp.
#include "host_calibrate.hpp"

#include <chrono>

#include "host_info.hpp"
#include "knobs.hpp"

namespace greenbench {
namespace {

// Meters blocks of about block_s of training steps; stops the phase once `seconds` have passed.
class CalibrationObserver final : public PhaseObserver {
 public:
  CalibrationObserver(Meter& meter, double seconds, double block_s, std::int64_t batch)
      : meter_(meter), seconds_(seconds), block_s_(block_s), batch_(batch) {}

  std::vector<double> j_per_sample;  // one per closed block
  double elapsed_s = 0;

  void phase_begin(const std::string& phase) override {
    train_ = phase == "train";
    if (train_) open();
  }
  void phase_end(const PhaseResult&) override {
    if (train_ && open_) meter_.end("calibrate/block"), open_ = false;  // a partial block: dropped
    train_ = false;
  }
  bool step_end(std::int64_t) override {
    if (!train_) return true;
    samples_ += batch_;
    const double block = since(block_start_);
    if (block < block_s_) return true;
    const EnergyWindow w = meter_.end("calibrate/block");
    open_ = false;
    j_per_sample.push_back(w.total_j / double(samples_));
    elapsed_s += block;
    if (elapsed_s >= seconds_) return false;
    open();
    return true;
  }
  bool done() const { return elapsed_s >= seconds_; }

 private:
  using Clock = std::chrono::steady_clock;
  static double since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  }
  void open() {
    meter_.begin("calibrate/block");
    open_ = true;
    samples_ = 0;
    block_start_ = Clock::now();
  }
  Meter& meter_;
  double seconds_, block_s_;
  std::int64_t batch_, samples_ = 0;
  bool train_ = false, open_ = false;
  Clock::time_point block_start_;
};

}  // namespace

HostNoise host_calibrate(const RunPlan& plan, Meter& meter, double seconds, double block_s) {
  auto workload = workload_make(plan.workload, workload_config_of(plan.config));
  CalibrationObserver obs(meter, seconds, block_s, plan.config.value("batch_size", 64));
  for (int epoch = 1; !obs.done(); epoch++) workload->train_epoch(epoch, obs);
  std::vector<double> values(obs.j_per_sample.begin() + (obs.j_per_sample.empty() ? 0 : 1),
                             obs.j_per_sample.end());
  // Blocks close at the first step past block_s: their mean length is the scale's unit.
  const double mean_block_s =
      obs.j_per_sample.empty() ? block_s : obs.elapsed_s / double(obs.j_per_sample.size());
  HostNoise h = host_noise_from_series(values, mean_block_s);
  h.measured_at = time_now_iso();
  h.workload = plan.label;
  return h;
}

}  // namespace greenbench
