// Optimizer updates with PyTorch semantics (torch.optim.SGD with and without momentum, Adam,
// AdamW; dampening 0, no Nesterov, no amsgrad). weight_decay is L2 (g += wd * p) for sgd,
// momentum and adam, and decoupled (p *= 1 - lr * wd) for adamw. Plain elementwise loops;
// tested against a PyTorch golden (tests/workloads/golden/), so there is no _naive twin.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace greenbench::kernels {

enum class Optimizer { sgd, momentum, adam, adamw };

// Parses "sgd", "momentum", "adam", "adamw"; throws std::invalid_argument naming the bad value
// and the valid ones.
Optimizer optimizer_parse(std::string_view name);
std::string_view optimizer_name(Optimizer kind);

struct OptimConfig {
  Optimizer kind = Optimizer::sgd;
  float lr = 0.01f;
  float momentum = 0.9f;                            // momentum only
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;  // adam, adamw
  float weight_decay = 0.0f;
};

// Floats of optimizer state per N parameters: sgd 0, momentum N (velocity), adam/adamw 2N
// (m, then v). Zero it once before the first step (an arena does).
std::size_t optim_state_floats(Optimizer kind, std::size_t N);

// One update of param (N) from grad (N); state (optim_state_floats(kind, N)); step counts
// from 1 (the Adam bias correction uses it).
void optim_step(const OptimConfig& cfg, float* param, const float* grad, float* state,
                std::int64_t N, int step);

// momentum_update with the velocity kept pre-scaled between steps (s = mu * v, as Net's fused
// step keeps it): v = s + g + wd * p; p -= lr * v; s = mu * v. The next step's gradient can
// then be added into s by a GEMM with beta 1, which needs no separate scaling pass.
void momentum_update_prescaled(float* param, const float* grad, float* scaled_velocity,
                               std::int64_t N, float lr, float mu, float weight_decay);
// The same where s already holds s + g (a GEMM added the gradient: dense_backward_modes with
// param_mode accumulate): v = s + wd * p; p -= lr * v; s = mu * v.
void momentum_apply_prescaled(float* param, float* scaled_velocity, std::int64_t N, float lr,
                              float mu, float weight_decay);
// p -= lr * (g + wd * p)
void sgd_update(float* param, const float* grad, std::int64_t N, float lr, float weight_decay);
// g' = g + wd * p; v = mu * v + g'; p -= lr * v  (v starts at 0, so v_1 = g'_1 as in PyTorch)
void momentum_update(float* param, const float* grad, float* velocity, std::int64_t N, float lr,
                     float mu, float weight_decay);
// g' = g + wd * p; m = b1 m + (1 - b1) g'; v = b2 v + (1 - b2) g'^2;
// p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
void adam_update(float* param, const float* grad, float* m, float* v, std::int64_t N, float lr,
                 float beta1, float beta2, float eps, float weight_decay, int step);
// p *= 1 - lr * wd; then adam_update with weight_decay 0.
void adamw_update(float* param, const float* grad, float* m, float* v, std::int64_t N, float lr,
                  float beta1, float beta2, float eps, float weight_decay, int step);

}  // namespace greenbench::kernels
