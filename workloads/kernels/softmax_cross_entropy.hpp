// Fused softmax + cross-entropy over class logits, numerically stable (max-shifted
// log-sum-exp), mean over the batch, loss in nats; also counts correct top-1 predictions.
// Not a standalone softmax (attention has its own).
#pragma once

#include "kernels/common.hpp"

namespace greenbench::kernels {

struct CrossEntropyResult {
  float loss;   // mean over B of -log softmax(logits)[target], nats
  int correct;  // rows whose first arg-max equals the target
};

// probs (B, OC) = softmax(logits (B, OC)) row-wise, saved for the backward; may be nullptr
// (inference). targets (B) in [0, OC).
CrossEntropyResult softmax_cross_entropy_forward(float* probs, const float* logits,
                                                 const int* targets, int B, int OC);
// dlogits (B, OC) = dloss * (probs - onehot(targets)) / B, the gradient of the mean loss.
void softmax_cross_entropy_backward(float* dlogits, const float* probs, const int* targets, int B,
                                    int OC, float dloss, Grad mode);

CrossEntropyResult softmax_cross_entropy_forward_naive(float* probs, const float* logits,
                                                       const int* targets, int B, int OC);
void softmax_cross_entropy_backward_naive(float* dlogits, const float* probs, const int* targets,
                                          int B, int OC, float dloss, Grad mode);

// FLOPs of one forward call: about 4 per logit (max, subtract, exp, sum).
inline double softmax_cross_entropy_flops(int B, int OC) {
  return 4.0 * B * OC;
}

}  // namespace greenbench::kernels
