// Optimizer updates (PyTorch semantics). See optim.hpp.
#include "kernels/optim.hpp"

#include <cmath>
#include <iterator>
#include <stdexcept>
#include <string>

#include "kernels/multiversion.hpp"

namespace greenbench::kernels {

Optimizer optimizer_parse(std::string_view name) {
  if (name == "sgd") return Optimizer::sgd;
  if (name == "momentum") return Optimizer::momentum;
  if (name == "adam") return Optimizer::adam;
  if (name == "adamw") return Optimizer::adamw;
  throw std::invalid_argument("unknown optimizer '" + std::string(name) +
                              "'; use one of sgd, momentum, adam, adamw");
}

std::string_view optimizer_name(Optimizer kind) {
  static constexpr std::string_view kNames[] = {"sgd", "momentum", "adam", "adamw"};
  static_assert(std::size(kNames) == size_t(Optimizer::adamw) + 1);
  return size_t(kind) < std::size(kNames) ? kNames[size_t(kind)] : "?";
}

std::size_t optim_state_floats(Optimizer kind, std::size_t N) {
  switch (kind) {
    case Optimizer::sgd:
      return 0;
    case Optimizer::momentum:
      return N;
    case Optimizer::adam:
    case Optimizer::adamw:
      return 2 * N;
  }
  return 0;
}

void optim_step(const OptimConfig& cfg, float* param, const float* grad, float* state,
                std::int64_t N, int step) {
  switch (cfg.kind) {
    case Optimizer::sgd:
      sgd_update(param, grad, N, cfg.lr, cfg.weight_decay);
      break;
    case Optimizer::momentum:
      momentum_update(param, grad, state, N, cfg.lr, cfg.momentum, cfg.weight_decay);
      break;
    case Optimizer::adam:
      adam_update(param, grad, state, state + N, N, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps,
                  cfg.weight_decay, step);
      break;
    case Optimizer::adamw:
      adamw_update(param, grad, state, state + N, N, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps,
                   cfg.weight_decay, step);
      break;
  }
}

GREENBENCH_MULTIVERSION
void sgd_update(float* param, const float* grad, std::int64_t N, float lr, float weight_decay) {
  for (std::int64_t i = 0; i < N; i++) param[i] -= lr * (grad[i] + weight_decay * param[i]);
}

GREENBENCH_MULTIVERSION
void momentum_update(float* param, const float* grad, float* velocity, std::int64_t N, float lr,
                     float mu, float weight_decay) {
  for (std::int64_t i = 0; i < N; i++) {
    float g = grad[i] + weight_decay * param[i];
    velocity[i] = mu * velocity[i] + g;
    param[i] -= lr * velocity[i];
  }
}

GREENBENCH_MULTIVERSION
void momentum_update_prescaled(float* param, const float* grad, float* scaled_velocity,
                               std::int64_t N, float lr, float mu, float weight_decay) {
  for (std::int64_t i = 0; i < N; i++) {
    const float v = scaled_velocity[i] + grad[i] + weight_decay * param[i];
    param[i] -= lr * v;
    scaled_velocity[i] = mu * v;
  }
}

GREENBENCH_MULTIVERSION
void momentum_apply_prescaled(float* param, float* scaled_velocity, std::int64_t N, float lr,
                              float mu, float weight_decay) {
  for (std::int64_t i = 0; i < N; i++) {
    const float v = scaled_velocity[i] + weight_decay * param[i];
    param[i] -= lr * v;
    scaled_velocity[i] = mu * v;
  }
}

GREENBENCH_MULTIVERSION
void adam_update(float* param, const float* grad, float* m, float* v, std::int64_t N, float lr,
                 float beta1, float beta2, float eps, float weight_decay, int step) {
  const float step_size = (float)(lr / (1.0 - std::pow((double)beta1, step)));
  const float sqrt_bc2 = (float)std::sqrt(1.0 - std::pow((double)beta2, step));
  for (std::int64_t i = 0; i < N; i++) {
    float g = grad[i] + weight_decay * param[i];
    m[i] = beta1 * m[i] + (1.0f - beta1) * g;
    v[i] = beta2 * v[i] + (1.0f - beta2) * g * g;
    param[i] -= step_size * m[i] / (std::sqrt(v[i]) / sqrt_bc2 + eps);
  }
}

void adamw_update(float* param, const float* grad, float* m, float* v, std::int64_t N, float lr,
                  float beta1, float beta2, float eps, float weight_decay, int step) {
  const float decay = 1.0f - lr * weight_decay;
  for (std::int64_t i = 0; i < N; i++) param[i] *= decay;
  adam_update(param, grad, m, v, N, lr, beta1, beta2, eps, 0.0f, step);
}

}  // namespace greenbench::kernels
