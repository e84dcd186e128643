// The `cnn` architectures: custom (conv list + fc list), lenet5, vgg, resnet (CIFAR-style basic
// blocks), mobilenet (depthwise-separable blocks); their keys and node lists. The shapes are
// documented in docs/workloads.md. Not the training loop (classifier.cpp).
#include <fmt/format.h>

#include <cmath>

#include "models/archs.hpp"
#include "models/config.hpp"
#include "models/input_error.hpp"

namespace greenbench::models {

namespace {

const std::vector<std::string> kArchs = {"custom", "lenet5", "vgg", "resnet", "mobilenet"};

// Keys each arch takes beyond `arch`.
std::vector<std::string> arch_keys(const std::string& arch) {
  if (arch == "custom") return {"conv", "kernel", "fc"};
  if (arch == "lenet5") return {"width"};
  if (arch == "vgg") return {"width", "depth", "batch_norm"};
  return {"width", "depth"};  // resnet, mobilenet
}

int default_depth(const std::string& arch) {
  return arch == "resnet" ? 3 : 2;  // resnet 3 = ResNet-20; vgg, mobilenet: 2 per stage
}

// base channels x width, at least 1.
int scaled(int base, double width) {
  return std::max(1, static_cast<int>(std::lround(base * width)));
}

struct Ctx {
  NetBuilder& b;
  int n = 0;  // layer counter for names
  std::string next(const char* kind) { return fmt::format("{}{}", kind, ++n); }
};

int conv_bn_relu(Ctx& c, int x, int OC, int K, int stride, bool bn, bool relu = true) {
  x = c.b.conv(x, OC, K, stride, K / 2, !bn, c.next("conv"));
  if (bn) x = c.b.batchnorm(x, c.next("bn"));
  return relu ? c.b.relu(x) : x;
}

int build_custom(Ctx& c, const WorkloadConfig& cfg, int x) {
  const int K = cfg.at("kernel").get<int>();
  for (int oc : cfg.at("conv").get<std::vector<int>>()) {
    x = conv_bn_relu(c, x, oc, K, 1, false);
    x = c.b.maxpool(x, 2, 2);
  }
  for (int width : cfg.at("fc").get<std::vector<int>>())
    x = c.b.relu(c.b.dense(x, width, c.next("fc")));
  return x;
}

int build_lenet5(Ctx& c, double w, int x) {
  x = c.b.relu(c.b.conv(x, scaled(6, w), 5, 1, 2, true, c.next("conv")));
  x = c.b.maxpool(x, 2, 2);
  x = c.b.relu(c.b.conv(x, scaled(16, w), 5, 1, 0, true, c.next("conv")));
  x = c.b.maxpool(x, 2, 2);
  x = c.b.relu(c.b.dense(x, scaled(120, w), c.next("fc")));
  return c.b.relu(c.b.dense(x, scaled(84, w), c.next("fc")));
}

int build_vgg(Ctx& c, double w, int depth, bool bn, int x) {
  for (int base : {32, 64, 128}) {
    for (int d = 0; d < depth; d++) x = conv_bn_relu(c, x, scaled(base, w), 3, 1, bn);
    x = c.b.maxpool(x, 2, 2);
  }
  return c.b.relu(c.b.dense(x, scaled(256, w), c.next("fc")));
}

int build_resnet(Ctx& c, double w, int depth, int x) {
  int planes_in = scaled(16, w);
  x = conv_bn_relu(c, x, planes_in, 3, 1, true);
  for (int stage = 0; stage < 3; stage++) {
    const int planes = scaled(16 << stage, w);
    for (int block = 0; block < depth; block++) {
      const int stride = stage > 0 && block == 0 ? 2 : 1;
      int y = conv_bn_relu(c, x, planes, 3, stride, true);
      y = conv_bn_relu(c, y, planes, 3, 1, true, false);
      int shortcut = x;
      if (stride != 1 || planes_in != planes)  // projection shortcut: 1x1 conv + BN
        shortcut = conv_bn_relu(c, x, planes, 1, stride, true, false);
      x = c.b.relu(c.b.add(y, shortcut));
      planes_in = planes;
    }
  }
  return c.b.gap(x);
}

int build_mobilenet(Ctx& c, double w, int depth, int x) {
  x = conv_bn_relu(c, x, scaled(32, w), 3, 1, true);
  const int bases[] = {64, 128, 256}, strides[] = {1, 2, 2};
  for (int stage = 0; stage < 3; stage++) {
    for (int block = 0; block < depth; block++) {
      x = c.b.dwconv(x, 3, block == 0 ? strides[stage] : 1, 1, false, c.next("dwconv"));
      x = c.b.relu(c.b.batchnorm(x, c.next("bn")));
      x = conv_bn_relu(c, x, scaled(bases[stage], w), 1, 1, true);
    }
  }
  return c.b.gap(x);
}

}  // namespace

std::vector<std::string> cnn_keys() {
  return {"arch", "width", "depth", "conv", "kernel", "fc", "batch_norm"};
}

void cnn_complete(const WorkloadConfig& in, WorkloadConfig& out) {
  const std::string arch = key_enum(in, "arch", kArchs, "custom");
  out["arch"] = arch;
  const auto keys = arch_keys(arch);
  for (const std::string& k : cnn_keys()) {
    if (k != "arch" && in.contains(k) && std::find(keys.begin(), keys.end(), k) == keys.end()) {
      std::string list;
      for (const auto& a : keys) list += (list.empty() ? "" : ", ") + a;
      throw InputError(fmt::format("{}: does not apply to arch {}", k, arch), "", 0, 0,
                       fmt::format("arch {} takes {}", arch, list));
    }
  }
  if (arch == "custom") {
    out["conv"] = key_int_list(in, "conv", true, {32, 64});
    const auto K = key_int(in, "kernel", 1, 15, 3);
    if (K % 2 == 0)
      throw InputError(
          fmt::format("kernel: expected an odd integer in [1, 15] (same padding), "
                      "got {}",
                      K));
    out["kernel"] = K;
    out["fc"] = key_int_list(in, "fc", true, {128});
    return;
  }
  out["width"] = key_number(in, "width", 0, 64, true, 1.0);
  if (arch == "lenet5") return;
  out["depth"] = key_int(in, "depth", 1, 64, default_depth(arch));
  if (arch == "vgg") out["batch_norm"] = key_bool(in, "batch_norm", true);
}

std::vector<Node> cnn_build(const WorkloadConfig& cfg, int C, int H, int W, int classes) {
  NetBuilder b(C, H, W);
  Ctx c{b};
  const std::string arch = cfg.at("arch").get<std::string>();
  int x = 0;
  if (arch == "custom") {
    x = build_custom(c, cfg, x);
  } else {
    const double w = cfg.at("width").get<double>();
    const int depth = cfg.contains("depth") ? cfg.at("depth").get<int>() : 1;
    if (arch == "lenet5") x = build_lenet5(c, w, x);
    if (arch == "vgg") x = build_vgg(c, w, depth, cfg.at("batch_norm").get<bool>(), x);
    if (arch == "resnet") x = build_resnet(c, w, depth, x);
    if (arch == "mobilenet") x = build_mobilenet(c, w, depth, x);
  }
  b.dense(x, classes, c.next("fc"));
  return b.take();
}

}  // namespace greenbench::models
