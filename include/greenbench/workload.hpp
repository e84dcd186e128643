// The workloads' contract: a model with its data that trains epoch by epoch and infers, and
// reports its size (params, MACs) from shapes. Phases are announced to an observer, so the
// runner can meter each without the workload knowing about meters. Not the kernels, the data
// readers or the runner.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace greenbench {

// What one metered phase did. Losses are mean cross-entropy in nats (per sample, or per byte
// for `lm`); accuracy is a fraction in [0, 1] (NaN where it does not apply, e.g. decode).
struct PhaseResult {
  std::string phase;    // "train", "infer"; for lm inference "prefill", "decode"
  int64_t samples = 0;  // samples (or sequences) processed
  int64_t tokens = 0;   // lm: tokens processed (prefill) or generated (decode); else 0
  int64_t steps = 0;    // optimizer steps (train) or batches (infer)
  double loss = 0;
  double accuracy = 0;
  bool diverged = false;  // the loss became NaN or infinite; the run stops here
};

// The runner's side: told when each phase starts and ends, and after every step (so a profiler
// can meter steps, and a grid can be interrupted between steps).
class PhaseObserver {
 public:
  virtual ~PhaseObserver() = default;
  virtual void phase_begin(const std::string& phase) = 0;
  virtual void phase_end(const PhaseResult& result) = 0;
  // After each step of the current phase; returning false stops the phase early.
  virtual bool step_end(int64_t step) {
    (void)step;
    return true;
  }
};

// What one configuration costs, from shapes alone (no data, no timing), for the estimator
// (harness/estimate/estimate_*). Per-sample figures are one forward (or backward) pass of one
// sample; per-step figures are one training step whatever its batch size. FLOP conventions
// per op kind are in docs/estimate.md. Kinds: "dense", "conv", "depthwise", "norm",
// "elementwise" (relu, add), "transcendental" (gelu, tanh, exp), "pooling", "attention",
// "softmax", "embedding", "loss"; a workload uses the ones it has, and the estimator adds the
// kinds it has no feature of its own for into flops_other.
struct OpKindCost {
  double fwd_flops = 0;      // forward FLOPs of one sample
  double bwd_flops = 0;      // backward FLOPs of one sample (input and parameter gradients)
  double act_bytes = 0;      // bytes of activations one sample's forward writes (kept for backward)
  double scratch_bytes = 0;  // temporaries one sample's forward writes and reads back (im2col)
  std::int64_t calls = 0;    // op invocations per forward pass (a backward pass makes as many)
};
// One OpenBLAS sgemm a layer makes, row-major C (m, n) = op(A) (m, k) op(B) (k, n), for the
// estimator's per-shape timing (harness/estimate/gemm_times). `scaled` says how the batch
// enters: 0, these dims once per image; 'm', 'n' or 'k', that dim times G images in one call,
// G = the batch (group 0) or min(group, batch), ceil(batch / G) calls per batch.
struct GemmCall {
  bool backward = false;  // made by the backward pass (else by every forward)
  bool ta = false, tb = false;
  std::int64_t m = 0, n = 0, k = 0;
  char scaled = 0;
  std::int64_t group = 0;
};
struct CostBreakdown {
  std::map<std::string, OpKindCost> kinds;  // per op kind
  // The sgemms behind the dense and conv FLOPs above (kinds.dense / kinds.conv), where the
  // workload lists them; their FLOPs are inside those kinds' totals.
  std::vector<GemmCall> gemms;
  std::int64_t params = 0;
  double weight_bytes = 0;            // parameters, fp32
  double grad_bytes = 0;              // parameter gradients
  double optimizer_state_bytes = 0;   // momentum / Adam moments
  double input_bytes_per_sample = 0;  // one input sample as the model reads it
  // Work of one inference pass beyond test_samples x the forward above (lm: generation):
  // FLOPs by op kind, and the forward calls it makes (each reads every weight once).
  std::map<std::string, double> infer_pass_flops;
  double infer_pass_forwards = 0;
  // Bytes moved per training step for the parameters: read forward and backward, gradients
  // written and read, the optimizer's read-modify-write of params and state.
  double param_bytes_per_train_step() const {
    return 3 * weight_bytes + 2 * grad_bytes + 2 * optimizer_state_bytes;
  }
  double act_bytes_per_sample() const;      // sum over kinds
  double scratch_bytes_per_sample() const;  // sum over kinds
  bool empty() const { return kinds.empty(); }
  nlohmann::json to_json() const;
};

// The most compute threads a run may be given (the `threads` key, and each value an `adapt` of
// threads may choose).
inline constexpr int kThreadsMax = 4096;

class Workload {
 public:
  virtual ~Workload() = default;
  virtual std::string name() const = 0;  // "mlp", "cnn", "vit", "lm"
  virtual int64_t params() const = 0;    // trainable parameters
  virtual int64_t macs_per_sample()
      const = 0;  // one forward pass of one sample (lm: per token at full context)
  virtual int64_t memory_bytes() const = 0;  // the model's arena: params, grads, state, activations
  virtual int64_t train_samples() const = 0;  // per epoch
  virtual int64_t test_samples() const = 0;   // per inference pass
  virtual int64_t steps_per_epoch() const = 0;

  // Trains one epoch (1-based) over the shuffled train split; one phase "train".
  virtual void train_epoch(int epoch, PhaseObserver& observer) = 0;
  // Inference over the test split: one phase "infer" (lm: "prefill" then "decode").
  virtual void infer(PhaseObserver& observer) = 0;

  // Changes the run's thread budget (`threads`, BLAS included: never more compute threads than
  // this) from the next step on; the next epochs and inference passes keep it. Callable between
  // steps, e.g. from PhaseObserver::step_end (in-run adaptation, docs/grids.md "adapt").
  // REQUIRES: 1 <= threads <= the config's `threads` (what the workload was built for: a cnn's
  // worker scratch is sized then); throws std::invalid_argument otherwise.
  virtual void threads_set(int threads) = 0;
  // The thread budget in force.
  virtual int threads() const = 0;

  // Benchmarks: one training step / one inference step on a fixed batch, for `greenbench bench`.
  virtual void bench_train_step() = 0;
  virtual void bench_infer_step() = 0;
  // FLOPs of one such step (forward 2*MACs per sample; training counts forward + backward).
  virtual double bench_train_flops() const = 0;
  virtual double bench_infer_flops() const = 0;

  // Per-op cost from shapes, for the estimator; empty where a workload does not say (the
  // estimator then refuses it by name). mlp and cnn implement it; a new workload overrides it.
  virtual CostBreakdown cost_breakdown() const { return {}; }
};

// The keys of a run (docs/workloads.md): the common keys plus the workload's own, with defaults
// applied by workload_config_complete. Values are YAML/JSON values ("hidden": [256, 128]).
using WorkloadConfig = nlohmann::json;

// Names of the workloads this build knows.
const std::vector<std::string>& workload_names();
// Fills in defaults and checks every key of `config` for workload `name`: unknown keys, wrong
// types and impossible values throw InputError naming the key and what was expected.
WorkloadConfig workload_config_complete(const std::string& name, const WorkloadConfig& config);
// Every key workload `name` accepts (the common keys, then its own; some apply only to some
// values of others, e.g. `conv` to cnn arch custom). Throws InputError for an unknown name.
std::vector<std::string> workload_keys(const std::string& name);

// A run's size and cost from shapes alone, without loading data or allocating the model: what
// grid checks and `--dry-run` need. Checks that the data files exist (dataset_check).
// REQUIRES: config came from workload_config_complete. Throws InputError for missing data.
struct WorkloadSize {
  int64_t params = 0;
  int64_t macs_per_sample = 0;
  int64_t memory_bytes = 0;           // the model's arena (Workload::memory_bytes)
  int64_t data_bytes = 0;             // the loaded data set in memory (both splits)
  int64_t train_samples = 0;          // per epoch
  int64_t test_samples = 0;           // per inference pass
  double train_flops_per_sample = 0;  // forward + backward of one training sample
  double infer_flops_per_sample = 0;  // forward of one inference sample
};
WorkloadSize workload_size(const std::string& name, const WorkloadConfig& config);

// Builds the model and loads its data. REQUIRES: config came from workload_config_complete.
// Throws InputError for bad data files.
std::unique_ptr<Workload> workload_make(const std::string& name, const WorkloadConfig& config);
// The configuration's cost breakdown without loading its data where the workload allows
// (mlp, cnn: from the node list); other workloads are built with workload_make and asked.
// REQUIRES: config came from workload_config_complete.
CostBreakdown workload_cost_breakdown(const std::string& name, const WorkloadConfig& config);

}  // namespace greenbench
