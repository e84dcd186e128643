// net_cost: walks the node list and adds each node's forward and backward FLOPs, activation
// bytes and calls to its op kind. See cost.hpp; the conventions are in docs/estimate.md.
// Not the MAC count of macs_per_sample (Net::macs_per_sample), which counts conv and dense only.
#include "models/cost.hpp"

#include <stdexcept>

#include "kernels/conv2d.hpp"
#include "kernels/dense.hpp"
#include "kernels/depthwise_conv2d.hpp"
#include "models/conv_pool.hpp"

namespace greenbench::models {

using namespace cost_flops;

void dense_gemms_add(CostBreakdown& cost, std::int64_t rows, std::int64_t I, std::int64_t O,
                     bool first) {
  // kernels/dense.cpp: out (B, O) = in (B, I) W^T; dW (O, I) = dout^T in; din (B, I) = dout W.
  cost.gemms.push_back({false, false, true, rows, O, I, 'm', 0});
  cost.gemms.push_back({true, true, false, O, I, rows, 'k', 0});
  if (!first) cost.gemms.push_back({true, false, false, rows, I, O, 'm', 0});
}

void conv_gemms_add(CostBreakdown& cost, const kernels::Shape2d& s, std::int64_t OC, bool first,
                    std::int64_t group) {
  // kernels/conv2d.cpp per image (group 0), models/conv_pool.cpp per chunk of `group` images
  // (columns G OH OW): out (OC, OHW) = W (OC, CKK) col; dW = dout col^T; dcol = W^T dout.
  const std::int64_t ckk = std::int64_t(s.C) * s.K * s.K, ohw = std::int64_t(s.OH()) * s.OW();
  const char n_scaled = group > 0 ? 'n' : 0, k_scaled = group > 0 ? 'k' : 0;
  cost.gemms.push_back({false, false, false, OC, ohw, ckk, n_scaled, group});
  cost.gemms.push_back({true, false, true, OC, ckk, ohw, k_scaled, group});
  if (!first) cost.gemms.push_back({true, true, false, ckk, ohw, OC, n_scaled, group});
}

namespace {
// The nodes whose FLOPs are a number per output element (docs/estimate.md): their op kind and
// forward and backward FLOPs per element.
struct PerElement {
  NodeKind node;
  const char* kind;
  double fwd, bwd;
};
const PerElement kPerElement[] = {
    {NodeKind::batchnorm, "norm", kNormFwd, kNormBwd},
    {NodeKind::relu, "elementwise", kReluFwd, kReluBwd},
    {NodeKind::gelu, "transcendental", kGeluFwd, kGeluBwd},
    {NodeKind::tanh, "transcendental", kTanhFwd, kTanhBwd},
    {NodeKind::add, "elementwise", kAddFwd, kAddBwd},
};
const PerElement& per_element(NodeKind node) {
  for (const PerElement& e : kPerElement)
    if (e.node == node) return e;
  throw std::logic_error("per_element: not a per-element node");
}
}  // namespace

CostBreakdown net_cost(const std::vector<Node>& nodes, kernels::Optimizer optimizer) {
  CostBreakdown cost;
  auto add = [&cost](const char* kind, double fwd, double bwd, double act_elems) {
    cost_add(cost, kind, fwd, bwd, act_elems);
  };
  const Node& input = nodes.at(0);
  cost.input_bytes_per_sample = double(input.C) * input.H * input.W * kFloatBytes;
  for (std::size_t i = 1; i < nodes.size(); i++) {
    const Node& n = nodes[i];
    const double out = double(n.C) * n.H * n.W;  // output elements of one sample
    const bool first = n.in0 == 0;               // no input gradient into the data
    std::int64_t weights = 0, biases = 0;
    switch (n.kind) {
      case NodeKind::dense: {
        const double f = 2.0 * double(kernels::dense_macs(n.in_features, n.C));
        add("dense", f, first ? f : 2 * f, out);
        dense_gemms_add(cost, 1, n.in_features, n.C, first);
        weights = std::int64_t(n.in_features) * n.C, biases = n.C;
        break;
      }
      case NodeKind::conv:
      case NodeKind::conv_pool: {
        const double f = 2.0 * double(kernels::conv2d_macs(n.s, n.C));
        const double conv_out = double(n.C) * n.s.OH() * n.s.OW();
        add("conv", f, first ? f : 2 * f, n.kind == NodeKind::conv ? out : 0);
        // im2col: (C K K, OH OW) floats per sample, unless a 1x1 stride-1 conv reads its input.
        if (!(n.s.K == 1 && n.s.stride == 1 && n.s.pad == 0))
          cost.kinds["conv"].scratch_bytes +=
              double(n.s.C) * n.s.K * n.s.K * n.s.OH() * n.s.OW() * kFloatBytes;
        if (n.kind == NodeKind::conv_pool) {  // ReLU on the conv output, then the 2x2 pool
          add("elementwise", kReluFwd * conv_out, kReluBwd * conv_out, 0);
          add("pooling", 4 * out, conv_out, out);
        }
        conv_gemms_add(cost, n.s, n.C, first,
                       n.kind == NodeKind::conv_pool ? conv_pool_chunk(n.s, n.C, 1 << 30) : 0);
        weights = std::int64_t(n.C) * n.s.C * n.s.K * n.s.K, biases = n.bias ? n.C : 0;
        break;
      }
      case NodeKind::dwconv: {
        const double f = 2.0 * double(kernels::depthwise_conv2d_macs(n.s));
        add("depthwise", f, first ? f : 2 * f, out);
        weights = std::int64_t(n.C) * n.s.K * n.s.K, biases = n.bias ? n.C : 0;
        break;
      }
      case NodeKind::batchnorm:
        weights = biases = n.C;
        [[fallthrough]];
      case NodeKind::relu:
      case NodeKind::gelu:
      case NodeKind::tanh:
      case NodeKind::add: {
        const PerElement& e = per_element(n.kind);
        add(e.kind, e.fwd * out, e.bwd * out, out);
        break;
      }
      case NodeKind::maxpool: {
        const double in = double(n.s.C) * n.s.H * n.s.W;
        add("pooling", double(n.s.K) * n.s.K * out, in, out);
        break;
      }
      case NodeKind::gap: {
        const Node& p = nodes.at(std::size_t(n.in0));
        const double in = double(p.C) * p.H * p.W;
        add("pooling", in, in, out);
        break;
      }
      case NodeKind::input:
        break;
    }
    cost.params += weights + biases;
  }
  const double classes = nodes.back().C;
  add("loss", kLossFwd * classes, kLossBwd * classes, classes);
  cost.weight_bytes = double(cost.params) * kFloatBytes;
  cost.grad_bytes = cost.weight_bytes;
  cost.optimizer_state_bytes =
      double(kernels::optim_state_floats(optimizer, std::size_t(cost.params))) * kFloatBytes;
  return cost;
}

}  // namespace greenbench::models

namespace greenbench {

double CostBreakdown::act_bytes_per_sample() const {
  double sum = 0;
  for (const auto& [kind, k] : kinds) sum += k.act_bytes;
  return sum;
}

double CostBreakdown::scratch_bytes_per_sample() const {
  double sum = 0;
  for (const auto& [kind, k] : kinds) sum += k.scratch_bytes;
  return sum;
}

nlohmann::json CostBreakdown::to_json() const {
  nlohmann::json j = {{"params", params},
                      {"weight_bytes", weight_bytes},
                      {"grad_bytes", grad_bytes},
                      {"optimizer_state_bytes", optimizer_state_bytes},
                      {"input_bytes_per_sample", input_bytes_per_sample},
                      {"act_bytes_per_sample", act_bytes_per_sample()},
                      {"param_bytes_per_train_step", param_bytes_per_train_step()}};
  for (const auto& [kind, k] : kinds)
    j["kinds"][kind] = {{"fwd_flops", k.fwd_flops},
                        {"bwd_flops", k.bwd_flops},
                        {"act_bytes", k.act_bytes},
                        {"scratch_bytes", k.scratch_bytes},
                        {"calls", k.calls}};
  if (infer_pass_forwards > 0) {
    j["infer_pass_forwards"] = infer_pass_forwards;
    j["infer_pass_flops"] = infer_pass_flops;
  }
  return j;
}

}  // namespace greenbench
