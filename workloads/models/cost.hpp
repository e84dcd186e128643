// Per-op cost of a classifier network from its node list (FLOPs by op kind, activation bytes,
// parameter and optimizer bytes), for Workload::cost_breakdown and the estimator. Counting
// conventions: docs/estimate.md. Not a timing model and not the estimator itself.
#pragma once

#include <vector>

#include "greenbench/workload.hpp"
#include "kernels/optim.hpp"
#include "models/net.hpp"

namespace greenbench::models {

// FLOPs per element of the element-wise and normalisation ops (forward, backward), shared by
// net_cost and transformer_cost. Dense and conv count 2 per MAC (bias adds not counted).
namespace cost_flops {
constexpr double kFloatBytes = 4;
constexpr double kReluFwd = 1, kReluBwd = 1;
constexpr double kGeluFwd = 8, kGeluBwd = 12;
constexpr double kTanhFwd = 4, kTanhBwd = 3;
constexpr double kAddFwd = 1, kAddBwd = 1;
constexpr double kNormFwd = 6, kNormBwd = 10;  // batch or layer norm: stats, normalise, affine
constexpr double kLossFwd = 5, kLossBwd = 2;   // softmax cross-entropy, per logit
}  // namespace cost_flops

// One op of `kind`: forward and backward FLOPs per sample, and the floats it writes per sample
// and keeps for backward (in-place ops: 0).
inline void cost_add(CostBreakdown& cost, const char* kind, double fwd, double bwd,
                     double act_elems) {
  OpKindCost& k = cost.kinds[kind];
  k.fwd_flops += fwd;
  k.bwd_flops += bwd;
  k.act_bytes += act_elems * cost_flops::kFloatBytes;
  k.calls += 1;
}

// The sgemms of a dense layer over `rows` rows per sample (I -> O; `first`: no input
// gradient), and of a conv (per image, or per chunk of up to `group` images when group > 0).
void dense_gemms_add(CostBreakdown& cost, std::int64_t rows, std::int64_t I, std::int64_t O,
                     bool first);
void conv_gemms_add(CostBreakdown& cost, const kernels::Shape2d& s, std::int64_t OC, bool first,
                    std::int64_t group);

// The cost of `nodes` (as built, or as fused by nodes_fuse_conv_pool: a conv_pool node counts
// as its conv, ReLU and pooling) with `classes` logits, a softmax cross-entropy loss, and
// `optimizer`'s state.
CostBreakdown net_cost(const std::vector<Node>& nodes, kernels::Optimizer optimizer);

}  // namespace greenbench::models
