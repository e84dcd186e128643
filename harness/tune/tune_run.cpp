// One whole run for the tuner (docs/tuning.md): each training pass and the inference pass after
// it metered as the runner meters them, with two ways to stop early — the target accuracy
// reached, or (Zeus's rule) the cost so far past a cap, checked at each epoch's end. Not the
// runner: nothing is written to a results folder.
#include <cmath>

#include "greenbench/workload.hpp"
#include "knobs.hpp"
#include "tune.hpp"

namespace greenbench {
namespace {

class WholeObserver final : public PhaseObserver {
 public:
  WholeObserver(Meter& meter, std::string id) : meter_(meter), id_(std::move(id)) {}
  void phase_begin(const std::string&) override { meter_.begin(id_); }
  void phase_end(const PhaseResult& r) override {
    const EnergyWindow w = meter_.end(id_);
    energy_j += w.total_j;
    seconds += w.duration_s;
    last = r;
  }
  double energy_j = 0, seconds = 0;
  PhaseResult last;

 private:
  Meter& meter_;
  std::string id_;
};

}  // namespace

TuneRun tune_run_whole(const RunPlan& plan, Meter& meter, double target, const TuneCost& cost,
                       double cost_cap) {
  const auto knobs = knobs_apply_for(plan.config);  // restored when it goes (docs/knobs.md)
  auto workload = workload_make(plan.workload, workload_config_of(plan.config));
  WholeObserver obs(meter, plan.run_id + "/tune");
  TuneRun out;
  const int epochs = plan.runs("train") ? plan.config.value("epochs", 1) : 0;
  for (int e = 1; e <= epochs; ++e) {
    workload->train_epoch(e, obs);
    if (plan.runs("infer")) workload->infer(obs);
    out.epochs = e;
    if (std::isfinite(target) && obs.last.phase == "infer" && obs.last.accuracy >= target) {
      out.reached = true;
      break;
    }
    if (e < epochs && cost.of(obs.energy_j, obs.seconds) > cost_cap) {
      out.stopped = true;
      break;
    }
  }
  if (epochs == 0 && plan.runs("infer")) workload->infer(obs);
  out.energy_j = obs.energy_j;
  out.seconds = obs.seconds;
  return out;
}

}  // namespace greenbench
