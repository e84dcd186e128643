// A feed-forward network as a list of nodes in topological order (a chain, plus residual adds),
// built by NetBuilder from shapes and run by Net over one arena: params, grads, optimizer state,
// activations for Bmax samples, scratch. Net only chains the kernels/ ops; it owns no math.
// Not the architectures (mlp.cpp, cnn.cpp) and not the training loop (classifier.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/arena.hpp"
#include "kernels/common.hpp"
#include "kernels/optim.hpp"
#include "kernels/softmax_cross_entropy.hpp"
#include "models/conv_pool.hpp"

namespace greenbench::models {

enum class NodeKind {
  input,
  conv,
  dwconv,
  dense,
  batchnorm,
  relu,
  gelu,
  tanh,
  maxpool,
  add,
  gap,
  conv_pool,  // conv + relu + 2x2/2 max-pool fused (models/conv_pool.hpp); made by Net
};

// One op. Output per sample is (C, H, W) (dense: (C), H = W = 1). Window ops keep their input
// geometry in `s` (s.B is set per call).
struct Node {
  NodeKind kind = NodeKind::input;
  std::string name;        // "conv1", "fc2", ...: names the node's parameter tensors
  int in0 = -1, in1 = -1;  // producer nodes (in1: add only)
  int C = 0, H = 1, W = 1;
  kernels::Shape2d s;
  int in_features = 0;  // dense: C*H*W of its input
  bool bias = false;    // conv, dwconv, dense
};

// Builds the node list from shapes. Each call returns the new node's id; node 0 is the input.
// Throws InputError when the spatial size of a node would drop below 1.
class NetBuilder {
 public:
  NetBuilder(int C, int H, int W);
  int conv(int in, int OC, int K, int stride, int pad, bool bias, const std::string& name);
  int dwconv(int in, int K, int stride, int pad, bool bias, const std::string& name);
  int dense(int in, int OC, const std::string& name);  // flattens (C, H, W)
  int batchnorm(int in, const std::string& name);
  int relu(int in);
  int gelu(int in);
  int tanh(int in);
  int maxpool(int in, int K, int stride);
  int gap(int in);        // global average pool -> (C)
  int add(int a, int b);  // same shapes
  const Node& node(int id) const { return nodes_.at(static_cast<std::size_t>(id)); }
  std::vector<Node> take() { return std::move(nodes_); }

 private:
  int push(Node n);
  std::vector<Node> nodes_;
};

// Replaces each conv -> relu -> maxpool(2, 2) chain whose conv and relu outputs feed nothing
// else by one conv_pool node, renumbering the producers of the nodes after it (what Net runs).
std::vector<Node> nodes_fuse_conv_pool(std::vector<Node> nodes);

// A parameter tensor inside the flat parameter vector.
struct ParamTensor {
  std::string name;     // "conv1.weight", "bn1.bias", ... (PyTorch-like)
  std::int64_t offset;  // floats from the start of params()
  std::int64_t count;
  int fan_in;  // weights and biases: the layer's fan-in; batchnorm: 0
};

class Net {
 public:
  // Sizes one arena for Bmax samples and `optimizer`'s state, and initialises the parameters as
  // PyTorch does (kaiming-uniform a = sqrt(5), bias U(+-1/sqrt(fan_in)), BN gamma 1 beta 0)
  // from `seed`. The last node's output is the logits (classes). fuse: conv -> relu -> 2x2
  // max-pool chains whose inner outputs feed nothing else become one conv_pool node (same
  // results, less memory traffic); false keeps every node as built (for tests). allocate false
  // only sizes the net (params, MACs, memory_bytes) without allocating or initialising anything.
  // threads: the most threads_set will be given (sizes the conv workers' scratch slots).
  Net(std::vector<Node> nodes, int Bmax, kernels::Optimizer optimizer, std::uint64_t seed,
      bool fuse = true, bool allocate = true, int threads = 1);

  // The run's thread budget, BLAS included. A net with convolutions (conv, conv_pool,
  // depthwise) splits their images over `threads` workers with OpenBLAS at one thread (their
  // per-image GEMMs are too small for OpenBLAS to split well: threads=2 ran slower than 1);
  // its dense layers split their output columns over the same workers, its other layers run
  // on one thread. A dense-only net gives OpenBLAS all `threads` (faster here).
  void threads_set(int threads);

  std::int64_t params() const { return n_params_; }
  // Conv, depthwise conv and dense MACs of one sample (BN, pooling, activations not counted,
  // as ptflops/thop count conv + linear).
  std::int64_t macs_per_sample() const { return macs_; }
  std::int64_t memory_bytes() const {
    return static_cast<std::int64_t>(arena_ ? arena_->capacity_bytes() : plan_bytes_);
  }
  int Bmax() const { return Bmax_; }
  int classes() const { return nodes_.back().C; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<ParamTensor>& param_tensors() const { return tensors_; }

  float* input() { return x_; }                        // (Bmax, C, H, W)
  int* targets() { return y_; }                        // (Bmax)
  float* param_data() { return params_; }              // (params)
  float* grad_data() { return grads_; }                // (params)
  const float* logits() const { return out_.back(); }  // (B, classes)
  const float* output(int node) const { return out_.at(static_cast<std::size_t>(node)); }

  // Forward over input()[0..B) with targets()[0..B): mean cross-entropy and top-1 hits.
  // train: batch statistics (and running-stat updates) in batch norm, probs kept for backward.
  kernels::CrossEntropyResult forward(int B, bool train);
  // Gradients of the last train forward's mean loss into grad_data().
  void backward(int B);
  // backward then update, fused where that saves memory traffic: with momentum SGD each
  // layer's parameters are updated right after its backward, the velocity is kept pre-scaled
  // (mu * v) and a dense layer's weight-gradient GEMM adds its gradient into it with beta 1 (no
  // gradient array, no scaling pass; grad_data() is not written for dense layers). The same
  // parameters as backward then update up to float rounding; update() keeps the pre-scaled
  // state afterwards; other optimizers run the two unfused.
  void backward_update(int B, const kernels::OptimConfig& config, int step);
  // One optimizer step (step counts from 1).
  void update(const kernels::OptimConfig& config, int step);

  // FLOPs of one step on B samples from the conv/dense MACs: forward 2*MACs*B; backward the
  // weight-gradient GEMMs (2*MACs*B) plus input-gradient GEMMs except for the first layer.
  double infer_flops(int B) const { return 2.0 * double(macs_) * B; }
  double train_flops(int B) const { return (4.0 * double(macs_) + 2.0 * double(macs_dinp_)) * B; }

 private:
  void layout(bool allocate);
  float* take(const std::string& name, std::size_t count, bool allocate);
  void init(std::uint64_t seed);

  std::vector<Node> nodes_;
  int Bmax_;
  kernels::Optimizer optimizer_;
  std::unique_ptr<kernels::Arena> arena_;
  std::size_t plan_bytes_ = 0;
  void backward_nodes(int B, const kernels::OptimConfig* momentum);
  void momentum_step_node(std::size_t node, const kernels::OptimConfig& c, bool into_velocity);

  std::int64_t n_params_ = 0, macs_ = 0, macs_dinp_ = 0;
  std::vector<ParamTensor> tensors_;
  // Per node (index = node id): weight/bias offsets into params_ (-1 none), activation buffers.
  std::vector<std::int64_t> w_off_, b_off_;
  std::vector<float*> out_;   // (Bmax, C, H, W)
  std::vector<float*> dout_;  // (Bmax, C, H, W), gradient of the loss w.r.t. out_
  std::vector<float*> bn_mean_, bn_rstd_, bn_rmean_, bn_rvar_;  // (C) each, batchnorm nodes
  std::vector<ConvPool> conv_pool_;                             // per node: conv_pool geometry
  std::vector<std::uint8_t*> pool_arg_;       // per node: conv_pool argmax (Bmax, C, H, W)
  std::vector<kernels::Grad> mode0_, mode1_;  // per node: how its backward writes into in0, in1
  std::vector<char> zero_grads_;              // per node: its param grads need zeroing first
  float* params_ = nullptr;                   // (params)
  float* grads_ = nullptr;                    // (params)
  float* state_ = nullptr;                    // optimizer state
  bool velocity_prescaled_ = false;           // momentum state holds mu * v (backward_update)
  float* x_ = nullptr;                        // (Bmax, C, H, W)
  int* y_ = nullptr;                          // (Bmax)
  float* probs_ = nullptr;                    // (Bmax, classes)
  float* scratch_ = nullptr;  // one slot per worker: im2col or conv_pool scratch, own grads
  std::size_t scratch_floats_ = 0;
  std::size_t slot_floats_ = 0;  // one conv worker's scratch (max over conv nodes)
  int threads_max_ = 1;          // workers the scratch has slots for
  int workers_ = 1;              // pool workers the conv and dense layers use now (threads_set)
};

}  // namespace greenbench::models
