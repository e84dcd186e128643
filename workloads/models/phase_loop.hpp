// The one loop over a phase's batches, shared by every model's training epoch and inference
// pass: batch sizes, the observer's phase_begin / step_end / phase_end, loss and accuracy
// sums, and what a non-finite loss does (training stops before the update; inference marks
// the pass diverged and goes on). Models supply only how a batch is loaded and stepped.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "greenbench/workload.hpp"
#include "kernels/softmax_cross_entropy.hpp"

namespace greenbench::detail {

// Runs `phase` over `total` samples in batches of `batch`. forward(start, B) loads samples
// [start, start + B) and returns their cross-entropy; learn(B) is the training step after it
// (backward and update), not called for inference or after a non-finite loss. Accuracy is
// correct / (samples * outputs_per_sample) (an lm predicts T bytes per window). Returns false
// when the observer asked to stop or the loss diverged.
template <class Forward, class Learn>
bool phase_loop(const char* phase, std::int64_t total, int batch, std::int64_t outputs_per_sample,
                bool train, PhaseObserver& observer, Forward forward, Learn learn) {
  PhaseResult r;
  r.phase = phase;
  observer.phase_begin(phase);
  double loss_sum = 0;
  std::int64_t correct = 0;
  bool go = true;
  for (std::int64_t start = 0; start < total && go; start += batch) {
    const int B = static_cast<int>(std::min<std::int64_t>(batch, total - start));
    const kernels::CrossEntropyResult ce = forward(start, B);
    r.steps++;
    r.samples += B;
    loss_sum += double(ce.loss) * B;
    correct += ce.correct;
    if (!std::isfinite(ce.loss)) {
      r.diverged = true;
      if (train) break;
    }
    if (train) learn(B);
    go = observer.step_end(r.steps);
  }
  r.loss = r.samples ? loss_sum / double(r.samples) : 0.0;
  r.accuracy = r.samples ? double(correct) / double(r.samples * outputs_per_sample) : 0.0;
  observer.phase_end(r);
  return go && !r.diverged;
}

}  // namespace greenbench::detail
