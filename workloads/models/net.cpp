// Net: sizes one arena from the node list, initialises parameters as PyTorch does, and chains
// the kernels forward and backward. See net.hpp. Not an autograd: the node kinds are fixed.
#include "models/net.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>

#include "kernels/activation.hpp"
#include "kernels/batchnorm.hpp"
#include "kernels/conv2d.hpp"
#include "kernels/dense.hpp"
#include "kernels/depthwise_conv2d.hpp"
#include "kernels/global_avg_pool.hpp"
#include "kernels/pool.hpp"
#include "kernels/residual.hpp"
#include "kernels/threads.hpp"
#include "models/input_error.hpp"

namespace greenbench::models {

using kernels::Grad;

namespace {
constexpr float kBnMomentum = 0.1f, kBnEps = 1e-5f;  // PyTorch's BatchNorm2d defaults

bool has_params(NodeKind k) {
  return k == NodeKind::conv || k == NodeKind::conv_pool || k == NodeKind::dwconv ||
         k == NodeKind::dense || k == NodeKind::batchnorm;
}

// The activation nodes' kernels (kernels/activation.hpp); tanh's backward reads its output.
struct ActivationOp {
  NodeKind kind;
  kernels::ActivationForwardFn* forward;
  kernels::ActivationBackwardFn* backward;
  bool backward_reads_output;
};
const ActivationOp kActivations[] = {
    {NodeKind::relu, kernels::relu_forward, kernels::relu_backward, false},
    {NodeKind::gelu, kernels::gelu_forward, kernels::gelu_backward, false},
    {NodeKind::tanh, kernels::tanh_forward, kernels::tanh_backward, true},
};
const ActivationOp& activation_of(NodeKind kind) {
  for (const ActivationOp& a : kActivations)
    if (a.kind == kind) return a;
  throw std::logic_error("activation_of: not an activation node");
}
}  // namespace

std::vector<Node> nodes_fuse_conv_pool(std::vector<Node> nodes) {
  std::vector<int> uses(nodes.size(), 0);
  for (const Node& n : nodes) {
    if (n.in0 >= 0) uses[n.in0]++;
    if (n.in1 >= 0) uses[n.in1]++;
  }
  std::vector<Node> out;
  std::vector<int> id(nodes.size(), -1);  // old id -> new id
  for (std::size_t i = 0; i < nodes.size(); i++) {
    Node n = nodes[i];
    if (n.in0 >= 0) n.in0 = id[n.in0];
    if (n.in1 >= 0) n.in1 = id[n.in1];
    const bool chain = n.kind == NodeKind::conv && i + 2 < nodes.size() &&
                       nodes[i + 1].kind == NodeKind::relu && nodes[i + 1].in0 == int(i) &&
                       nodes[i + 2].kind == NodeKind::maxpool && nodes[i + 2].in0 == int(i + 1) &&
                       nodes[i + 2].s.K == 2 && nodes[i + 2].s.stride == 2 &&
                       nodes[i + 2].s.pad == 0 && uses[i] == 1 && uses[i + 1] == 1;
    if (chain) {
      n.kind = NodeKind::conv_pool;
      n.H = nodes[i + 2].H;
      n.W = nodes[i + 2].W;
      out.push_back(n);
      id[i] = id[i + 1] = id[i + 2] = int(out.size()) - 1;
      i += 2;
      continue;
    }
    out.push_back(n);
    id[i] = int(out.size()) - 1;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// NetBuilder

NetBuilder::NetBuilder(int C, int H, int W) {
  Node n;
  n.kind = NodeKind::input;
  n.name = "input";
  n.C = C, n.H = H, n.W = W;
  nodes_.push_back(n);
}

int NetBuilder::push(Node n) {
  if (n.C < 1 || n.H < 1 || n.W < 1) {
    const Node& p = node(n.in0);
    throw InputError(fmt::format("{}: its input of {}x{} pixels is too small for this "
                                 "architecture (the output would be {}x{})",
                                 n.name, p.H, p.W, n.H, n.W),
                     "", 0, 0, "use larger images, fewer stages, or a smaller kernel");
  }
  nodes_.push_back(std::move(n));
  return static_cast<int>(nodes_.size()) - 1;
}

static Node window(const Node& p, NodeKind kind, int in, int K, int stride, int pad,
                   const std::string& name) {
  Node n;
  n.kind = kind;
  n.name = name;
  n.in0 = in;
  n.s = kernels::Shape2d{1, p.C, p.H, p.W, K, stride, pad};
  n.C = p.C;
  n.H = p.H + 2 * pad >= K ? n.s.OH() : 0;
  n.W = p.W + 2 * pad >= K ? n.s.OW() : 0;
  return n;
}

int NetBuilder::conv(int in, int OC, int K, int stride, int pad, bool bias,
                     const std::string& name) {
  Node n = window(node(in), NodeKind::conv, in, K, stride, pad, name);
  n.C = OC;
  n.bias = bias;
  return push(n);
}

int NetBuilder::dwconv(int in, int K, int stride, int pad, bool bias, const std::string& name) {
  Node n = window(node(in), NodeKind::dwconv, in, K, stride, pad, name);
  n.bias = bias;
  return push(n);
}

int NetBuilder::maxpool(int in, int K, int stride) {
  return push(
      window(node(in), NodeKind::maxpool, in, K, stride, 0, fmt::format("pool{}", nodes_.size())));
}

int NetBuilder::dense(int in, int OC, const std::string& name) {
  const Node& p = node(in);
  Node n;
  n.kind = NodeKind::dense;
  n.name = name;
  n.in0 = in;
  n.in_features = p.C * p.H * p.W;
  n.C = OC;
  n.bias = true;
  return push(n);
}

static Node same_shape(const Node& p, NodeKind kind, int in, const std::string& name) {
  Node n;
  n.kind = kind;
  n.name = name;
  n.in0 = in;
  n.C = p.C, n.H = p.H, n.W = p.W;
  return n;
}

int NetBuilder::batchnorm(int in, const std::string& name) {
  return push(same_shape(node(in), NodeKind::batchnorm, in, name));
}
int NetBuilder::relu(int in) {
  return push(same_shape(node(in), NodeKind::relu, in, "relu"));
}
int NetBuilder::gelu(int in) {
  return push(same_shape(node(in), NodeKind::gelu, in, "gelu"));
}
int NetBuilder::tanh(int in) {
  return push(same_shape(node(in), NodeKind::tanh, in, "tanh"));
}

int NetBuilder::gap(int in) {
  Node n = same_shape(node(in), NodeKind::gap, in, "gap");
  n.H = n.W = 1;
  return push(n);
}

int NetBuilder::add(int a, int b) {
  const Node &pa = node(a), &pb = node(b);
  if (pa.C != pb.C || pa.H != pb.H || pa.W != pb.W)
    throw std::logic_error(fmt::format("add: shapes differ ({}x{}x{} vs {}x{}x{})", pa.C, pa.H,
                                       pa.W, pb.C, pb.H, pb.W));
  Node n = same_shape(pa, NodeKind::add, a, "add");
  n.in1 = b;
  return push(n);
}

// ---------------------------------------------------------------------------------------------
// Net

Net::Net(std::vector<Node> nodes, int Bmax, kernels::Optimizer optimizer, std::uint64_t seed,
         bool fuse, bool allocate, int threads)
    : nodes_(fuse ? nodes_fuse_conv_pool(std::move(nodes)) : std::move(nodes)),
      Bmax_(Bmax),
      optimizer_(optimizer),
      threads_max_(std::max(1, threads)) {
  const std::size_t N = nodes_.size();
  conv_pool_.assign(N, ConvPool{});
  pool_arg_.assign(N, nullptr);
  w_off_.assign(N, -1);
  b_off_.assign(N, -1);
  out_.assign(N, nullptr);
  dout_.assign(N, nullptr);
  bn_mean_.assign(N, nullptr);
  bn_rstd_.assign(N, nullptr);
  bn_rmean_.assign(N, nullptr);
  bn_rvar_.assign(N, nullptr);
  // Parameter layout, MACs and scratch from shapes.
  for (std::size_t i = 1; i < N; i++) {
    const Node& n = nodes_[i];
    std::int64_t wc = 0, bc = 0, macs = 0;
    int fan_in = 0;
    switch (n.kind) {
      case NodeKind::conv:
        fan_in = n.s.C * n.s.K * n.s.K;
        wc = std::int64_t(n.C) * fan_in;
        bc = n.bias ? n.C : 0;
        macs = kernels::conv2d_macs(n.s, n.C);
        slot_floats_ = std::max(slot_floats_, kernels::conv2d_worker_floats(n.s, n.C));
        break;
      case NodeKind::conv_pool:
        fan_in = n.s.C * n.s.K * n.s.K;
        wc = std::int64_t(n.C) * fan_in;
        bc = n.bias ? n.C : 0;
        macs = kernels::conv2d_macs(n.s, n.C);
        conv_pool_[i] = ConvPool{n.s, n.C, conv_pool_chunk(n.s, n.C, Bmax_)};
        slot_floats_ = std::max(slot_floats_, conv_pool_[i].worker_floats());
        break;
      case NodeKind::dwconv:
        fan_in = n.s.K * n.s.K;
        wc = std::int64_t(n.C) * fan_in;
        bc = n.bias ? n.C : 0;
        macs = kernels::depthwise_conv2d_macs(n.s);
        slot_floats_ = std::max(slot_floats_, kernels::depthwise_conv2d_worker_floats(n.s));
        break;
      case NodeKind::dense:
        fan_in = n.in_features;
        wc = std::int64_t(n.C) * fan_in;
        bc = n.C;
        macs = kernels::dense_macs(n.in_features, n.C);
        break;
      case NodeKind::batchnorm:
        wc = bc = n.C;
        break;
      default:
        break;
    }
    if (wc > 0) {
      w_off_[i] = n_params_;
      tensors_.push_back({n.name + ".weight", n_params_, wc, fan_in});
      n_params_ += wc;
    }
    if (bc > 0) {
      b_off_[i] = n_params_;
      tensors_.push_back({n.name + ".bias", n_params_, bc, fan_in});
      n_params_ += bc;
    }
    macs_ += macs;
    if (n.in0 != 0) macs_dinp_ += macs;
  }
  // How each backward writes its input gradients: the first writer (in backward order)
  // overwrites, later ones accumulate; a node that accumulates into its input also
  // accumulates into its parameter grads, which are then zeroed first.
  mode0_.assign(N, Grad::overwrite);
  mode1_.assign(N, Grad::overwrite);
  zero_grads_.assign(N, 0);
  std::vector<char> written(N, 0);
  for (std::size_t i = N; i-- > 1;) {
    const Node& n = nodes_[i];
    if (n.in0 > 0) {
      mode0_[i] = written[n.in0] ? Grad::accumulate : Grad::overwrite;
      written[n.in0] = 1;
    }
    if (n.in1 > 0) {
      mode1_[i] = written[n.in1] ? Grad::accumulate : Grad::overwrite;
      written[n.in1] = 1;
    }
    zero_grads_[i] = mode0_[i] == Grad::accumulate && has_params(n.kind);
  }
  layout(false);
  if (!allocate) return;
  arena_ = std::make_unique<kernels::Arena>(plan_bytes_);
  layout(true);
  init(seed);
}

float* Net::take(const std::string& name, std::size_t count, bool allocate) {
  if (!allocate) {
    plan_bytes_ += kernels::Arena::padded_bytes(count);
    return nullptr;
  }
  return arena_->alloc(name, count);
}

void Net::layout(bool a) {
  const std::size_t P = static_cast<std::size_t>(n_params_), B = static_cast<std::size_t>(Bmax_);
  params_ = take("params", P, a);
  grads_ = take("grads", P, a);
  state_ = take("optimizer_state", kernels::optim_state_floats(optimizer_, P), a);
  out_[0] = x_ = take("input", B * nodes_[0].C * nodes_[0].H * nodes_[0].W, a);
  if (a) {
    y_ = arena_->alloc<int>("targets", B);
  } else {
    plan_bytes_ += kernels::Arena::padded_bytes(B, sizeof(int));
  }
  probs_ = take("probs", B * nodes_.back().C, a);
  if (slot_floats_ > 0) {
    slot_floats_ = (slot_floats_ + 15) / 16 * 16;  // each worker's slot on its own cache lines
    scratch_floats_ = std::max(scratch_floats_, slot_floats_ * std::size_t(threads_max_));
  }
  scratch_ = take("conv_scratch", scratch_floats_, a);
  for (std::size_t i = 1; i < nodes_.size(); i++) {
    const Node& n = nodes_[i];
    const std::size_t size = B * n.C * n.H * n.W;
    out_[i] = take(n.name + ".out", size, a);
    dout_[i] = take(n.name + ".dout", size, a);
    if (n.kind == NodeKind::conv_pool) {
      if (a) {
        pool_arg_[i] = arena_->alloc<std::uint8_t>(n.name + ".argmax", size);
      } else {
        plan_bytes_ += kernels::Arena::padded_bytes(size, 1);
      }
    }
    if (n.kind == NodeKind::batchnorm) {
      bn_mean_[i] = take(n.name + ".mean", n.C, a);
      bn_rstd_[i] = take(n.name + ".rstd", n.C, a);
      bn_rmean_[i] = take(n.name + ".running_mean", n.C, a);
      bn_rvar_[i] = take(n.name + ".running_var", n.C, a);
    }
  }
}

void Net::init(std::uint64_t seed) {
  // Uniform in [0, 1) from the top 24 bits of mt19937_64: the same on every platform.
  std::mt19937_64 g(seed);
  auto uniform = [&g](float bound) {
    const float u = float(g() >> 40) * (1.0f / 16777216.0f);
    return (2.0f * u - 1.0f) * bound;
  };
  for (std::size_t i = 1; i < nodes_.size(); i++) {
    const Node& n = nodes_[i];
    if (n.kind == NodeKind::batchnorm) {
      for (int c = 0; c < n.C; c++) {
        params_[w_off_[i] + c] = 1.0f;
        params_[b_off_[i] + c] = 0.0f;
        bn_rmean_[i][c] = 0.0f;
        bn_rvar_[i][c] = 1.0f;
      }
    }
  }
  for (const ParamTensor& t : tensors_) {
    if (t.fan_in == 0) continue;  // batchnorm: set above
    // kaiming_uniform_(a = sqrt(5)): gain sqrt(1/3), bound = gain * sqrt(3 / fan_in).
    const float bound = 1.0f / std::sqrt(float(t.fan_in));
    for (std::int64_t k = 0; k < t.count; k++) params_[t.offset + k] = uniform(bound);
  }
}

void Net::threads_set(int threads) {
  threads = std::max(1, threads);
  // Nets with convolutions: our workers (a scratch slot each, sized for threads_max_ at
  // construction), OpenBLAS at one thread. Dense-only nets: OpenBLAS's own threads, which beat
  // splitting the GEMMs over our workers here (mlp 784-512-512-10, batch 128, 2 threads:
  // inference 1.1-1.2 ms vs 2.7-2.9 ms split by output columns; training about even).
  workers_ = slot_floats_ > 0 ? std::min(threads, threads_max_) : 1;
  kernels::threads_set(workers_ > 1 ? 1 : threads);
}

kernels::CrossEntropyResult Net::forward(int B, bool train) {
  for (std::size_t i = 1; i < nodes_.size(); i++) {
    const Node& n = nodes_[i];
    const float* in = out_[n.in0];  // (B, in.C, in.H, in.W)
    float* out = out_[i];           // (B, C, H, W)
    const float* w = w_off_[i] >= 0 ? params_ + w_off_[i] : nullptr;
    const float* b = b_off_[i] >= 0 ? params_ + b_off_[i] : nullptr;
    const std::int64_t size = std::int64_t(B) * n.C * n.H * n.W;
    kernels::Shape2d s = n.s;
    s.B = B;
    switch (n.kind) {
      case NodeKind::conv:
        kernels::conv2d_forward(out, scratch_, in, w, b, s, n.C, workers_, slot_floats_);
        break;
      case NodeKind::conv_pool:
        conv_pool_forward(out, pool_arg_[i], scratch_, in, w, b, conv_pool_[i], B, workers_,
                          slot_floats_);
        break;
      case NodeKind::dwconv:
        kernels::depthwise_conv2d_forward(out, in, w, b, s, workers_);
        break;
      case NodeKind::dense:
        kernels::dense_forward(out, in, w, b, B, n.in_features, n.C, workers_);
        break;
      case NodeKind::batchnorm:
        if (train)
          // One value per channel (a last batch of 1 on a 1x1 map; PyTorch refuses it): the
          // unbiased variance is undefined, so the running stats are left as they are.
          kernels::batchnorm_forward_train(
              out, bn_mean_[i], bn_rstd_[i], size > n.C ? bn_rmean_[i] : nullptr,
              size > n.C ? bn_rvar_[i] : nullptr, in, w, b, B, n.C, n.H, n.W, kBnMomentum, kBnEps);
        else
          kernels::batchnorm_forward_eval(out, in, w, b, bn_rmean_[i], bn_rvar_[i], B, n.C, n.H,
                                          n.W, kBnEps);
        break;
      case NodeKind::relu:
      case NodeKind::gelu:
      case NodeKind::tanh:
        activation_of(n.kind).forward(out, in, size);
        break;
      case NodeKind::maxpool:
        kernels::maxpool_forward(out, in, s);
        break;
      case NodeKind::add:
        kernels::residual_forward(out, in, out_[n.in1], size);
        break;
      case NodeKind::gap: {
        const Node& p = nodes_[n.in0];
        kernels::global_avg_pool_forward(out, in, B, p.C, p.H, p.W);
        break;
      }
      case NodeKind::input:
        break;
    }
  }
  return kernels::softmax_cross_entropy_forward(train ? probs_ : nullptr, out_.back(), y_, B,
                                                nodes_.back().C);
}

void Net::backward(int B) {
  backward_nodes(B, nullptr);
}

void Net::backward_update(int B, const kernels::OptimConfig& config, int step) {
  if (config.kind != kernels::Optimizer::momentum) {
    backward(B);
    update(config, step);
    return;
  }
  if (!velocity_prescaled_) {  // once: the state as update() left it, v, becomes mu * v
    for (std::int64_t i = 0; i < n_params_; i++) state_[i] *= config.momentum;
    velocity_prescaled_ = true;
  }
  backward_nodes(B, &config);
}

void Net::backward_nodes(int B, const kernels::OptimConfig* momentum) {
  kernels::softmax_cross_entropy_backward(dout_.back(), probs_, y_, B, nodes_.back().C, 1.0f,
                                          Grad::overwrite);
  for (std::size_t i = nodes_.size(); i-- > 1;) {
    const Node& n = nodes_[i];
    const float* in = out_[n.in0];
    const float* dout = dout_[i];
    float* dinp = n.in0 > 0 ? dout_[n.in0] : nullptr;  // no gradient w.r.t. the data
    const Grad mode = mode0_[i];
    const float* w = w_off_[i] >= 0 ? params_ + w_off_[i] : nullptr;
    float* dw = w_off_[i] >= 0 ? grads_ + w_off_[i] : nullptr;
    float* db = b_off_[i] >= 0 ? grads_ + b_off_[i] : nullptr;
    // Momentum with a dense layer: its weight-gradient GEMM adds the gradient into the
    // pre-scaled velocity (mu v + g: no scaling pass, no gradient array).
    const bool into_velocity = momentum != nullptr && n.kind == NodeKind::dense;
    if (zero_grads_[i] && !into_velocity) {
      for (const ParamTensor& t : tensors_)
        if (t.offset == w_off_[i] || t.offset == b_off_[i])
          std::memset(grads_ + t.offset, 0, sizeof(float) * t.count);
    }
    const std::int64_t size = std::int64_t(B) * n.C * n.H * n.W;
    kernels::Shape2d s = n.s;
    s.B = B;
    switch (n.kind) {
      case NodeKind::conv:
        kernels::conv2d_backward(dinp, dw, db, scratch_, dout, in, w, s, n.C, mode, workers_,
                                 slot_floats_);
        break;
      case NodeKind::conv_pool:
        conv_pool_backward(dinp, dw, db, scratch_, dout, pool_arg_[i], in, w, conv_pool_[i], B,
                           mode, workers_, slot_floats_);
        break;
      case NodeKind::dwconv:
        kernels::depthwise_conv2d_backward(dinp, dw, db, dout, in, w, s, mode, workers_, scratch_,
                                           slot_floats_);
        break;
      case NodeKind::dense:
        if (into_velocity) {
          float* vw = state_ + w_off_[i];
          float* vb = b_off_[i] >= 0 ? state_ + b_off_[i] : nullptr;
          kernels::dense_backward_modes(dinp, vw, vb, dout, in, w, B, n.in_features, n.C, mode,
                                        Grad::accumulate, workers_);
        } else {
          kernels::dense_backward(dinp, dw, db, dout, in, w, B, n.in_features, n.C, mode, workers_);
        }
        break;
      case NodeKind::batchnorm:
        kernels::batchnorm_backward(dinp, dw, db, dout, in, bn_mean_[i], bn_rstd_[i], w, B, n.C,
                                    n.H, n.W, mode);
        break;
      case NodeKind::relu:
      case NodeKind::gelu:
      case NodeKind::tanh: {
        const ActivationOp& a = activation_of(n.kind);
        if (dinp) a.backward(dinp, dout, a.backward_reads_output ? out_[i] : in, size, mode);
        break;
      }
      case NodeKind::maxpool:
        if (dinp) kernels::maxpool_backward(dinp, dout, in, s, mode);
        break;
      case NodeKind::add:
        if (dinp) kernels::residual_backward(dinp, nullptr, dout, size, mode);
        if (n.in1 > 0) kernels::residual_backward(nullptr, dout_[n.in1], dout, size, mode1_[i]);
        break;
      case NodeKind::gap: {
        const Node& p = nodes_[n.in0];
        if (dinp) kernels::global_avg_pool_backward(dinp, dout, B, p.C, p.H, p.W, mode);
        break;
      }
      case NodeKind::input:
        break;
    }
    if (momentum != nullptr) momentum_step_node(i, *momentum, into_velocity);
  }
}

// The momentum step of node i's parameters, right after its backward (its gradients or
// velocities are final and still in cache), on the pre-scaled velocity.
void Net::momentum_step_node(std::size_t i, const kernels::OptimConfig& c, bool into_velocity) {
  for (const ParamTensor& t : tensors_) {
    if (t.offset != w_off_[i] && t.offset != b_off_[i]) continue;
    float* p = params_ + t.offset;
    float* v = state_ + t.offset;
    if (into_velocity)
      kernels::momentum_apply_prescaled(p, v, t.count, c.lr, c.momentum, c.weight_decay);
    else
      kernels::momentum_update_prescaled(p, grads_ + t.offset, v, t.count, c.lr, c.momentum,
                                         c.weight_decay);
  }
}

void Net::update(const kernels::OptimConfig& config, int step) {
  if (config.kind == kernels::Optimizer::momentum && velocity_prescaled_) {
    // backward_update ran before: keep its convention (the state holds mu * v).
    kernels::momentum_update_prescaled(params_, grads_, state_, n_params_, config.lr,
                                       config.momentum, config.weight_decay);
    return;
  }
  kernels::optim_step(config, params_, grads_, state_, n_params_, step);
}

}  // namespace greenbench::models
