// Per-op cost of a classifier network from its node list (FLOPs by op kind, activation bytes,
// parameter and optimizer bytes), for Workload::cost_breakdown and the estimator. Counting
// conventions: docs/estimate.md. Not a timing model and not the estimator itself.
#pragma once

#include <vector>

#include "greenbench/workload.hpp"
#include "kernels/optim.hpp"
#include "models/net.hpp"

namespace greenbench::models {

// The cost of `nodes` (as built, or as fused by nodes_fuse_conv_pool: a conv_pool node counts
// as its conv, ReLU and pooling) with `classes` logits, a softmax cross-entropy loss, and
// `optimizer`'s state.
CostBreakdown net_cost(const std::vector<Node>& nodes, kernels::Optimizer optimizer);

}  // namespace greenbench::models
