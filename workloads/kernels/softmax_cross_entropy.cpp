// Fused softmax cross-entropy and its double-precision reference. See softmax_cross_entropy.hpp.
#include "kernels/softmax_cross_entropy.hpp"

#include <cmath>
#include <cstdint>

#include "kernels/multiversion.hpp"

namespace greenbench::kernels {

GREENBENCH_MULTIVERSION
CrossEntropyResult softmax_cross_entropy_forward(float* probs, const float* logits,
                                                 const int* targets, int B, int OC) {
  double loss = 0.0;
  int correct = 0;
  for (int b = 0; b < B; b++) {
    const float* z = logits + (std::int64_t)b * OC;
    int arg = 0;
    for (int o = 1; o < OC; o++)
      if (z[o] > z[arg]) arg = o;
    const float zmax = z[arg];
    float sum = 0.0f;
    if (probs != nullptr) {
      float* p = probs + (std::int64_t)b * OC;
      for (int o = 0; o < OC; o++) {
        p[o] = std::exp(z[o] - zmax);
        sum += p[o];
      }
      const float inv = 1.0f / sum;
      for (int o = 0; o < OC; o++) p[o] *= inv;
    } else {
      for (int o = 0; o < OC; o++) sum += std::exp(z[o] - zmax);
    }
    const int t = targets[b];
    loss += std::log(sum) + zmax - z[t];  // log-sum-exp minus the target logit
    correct += arg == t;
  }
  return {(float)(loss / B), correct};
}

GREENBENCH_MULTIVERSION
void softmax_cross_entropy_backward(float* dlogits, const float* probs, const int* targets, int B,
                                    int OC, float dloss, Grad mode) {
  const float scale = dloss / B;
  for (int b = 0; b < B; b++) {
    const float* p = probs + (std::int64_t)b * OC;
    float* d = dlogits + (std::int64_t)b * OC;
    const int t = targets[b];
    for (int o = 0; o < OC; o++) {
      float g = (p[o] - (o == t ? 1.0f : 0.0f)) * scale;
      d[o] = mode == Grad::accumulate ? d[o] + g : g;
    }
  }
}

CrossEntropyResult softmax_cross_entropy_forward_naive(float* probs, const float* logits,
                                                       const int* targets, int B, int OC) {
  // Textbook: log-sum-exp in double with the max shift, probs = exp(z - lse).
  double loss = 0.0;
  int correct = 0;
  for (int b = 0; b < B; b++) {
    double m = logits[b * OC];
    int arg = 0;
    for (int o = 0; o < OC; o++)
      if (logits[b * OC + o] > m) {
        m = logits[b * OC + o];
        arg = o;
      }
    double s = 0.0;
    for (int o = 0; o < OC; o++) s += std::exp(logits[b * OC + o] - m);
    double lse = m + std::log(s);
    if (probs != nullptr)
      for (int o = 0; o < OC; o++) probs[b * OC + o] = (float)std::exp(logits[b * OC + o] - lse);
    loss += lse - logits[b * OC + targets[b]];
    if (arg == targets[b]) correct++;
  }
  return {(float)(loss / B), correct};
}

void softmax_cross_entropy_backward_naive(float* dlogits, const float* probs, const int* targets,
                                          int B, int OC, float dloss, Grad mode) {
  for (int b = 0; b < B; b++)
    for (int o = 0; o < OC; o++) {
      double g = ((double)probs[b * OC + o] - (targets[b] == o)) * dloss / B;
      int i = b * OC + o;
      dlogits[i] = (float)(mode == Grad::accumulate ? dlogits[i] + g : g);
    }
}

}  // namespace greenbench::kernels
