#!/usr/bin/python3
"""PyTorch peer of `greenbench bench`: the same mlp, cnn, vit and lm models (parameter order
and shapes as workloads/models/), timed the same way, printing the same JSON. Also the model definitions
that tests/workloads/golden/make_model_golden.py imports. Not part of the build; needs torch
(Debian's python3-torch)."""
import argparse
import ctypes
import json
import math
import os
import sys
import time


def threads_from_argv(argv):
    """The `threads` of `--set threads=N` (default 1), read before torch loads."""
    threads = "1"
    for i, a in enumerate(argv):
        v = argv[i + 1] if a == "--set" and i + 1 < len(argv) else a[len("--set="):] if a.startswith("--set=") else ""
        if v.startswith("threads="):
            threads = v.split("=", 1)[1]
    return threads


if __name__ == "__main__":
    # torch.set_num_threads does not reach the OpenBLAS that Debian's torch calls for Linear
    # (the pthread build starts one thread per core); pin it before torch loads it, so
    # `threads` is the total, as in greenbench.
    os.environ["OPENBLAS_NUM_THREADS"] = threads_from_argv(sys.argv)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

WARMUP_STEPS = 3


def scaled(base, width):
    """base channels x width, at least 1 (C++ std::lround: halves away from zero)."""
    return max(1, int(math.floor(base * width + 0.5)))


class Gap(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3))


class BasicBlock(nn.Module):
    """CIFAR ResNet basic block; projection shortcut (1x1 conv + BN) when the shape changes."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = None
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, planes, 1, stride, 0, bias=False),
                                          nn.BatchNorm2d(planes))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x))


def conv_bn_relu(cin, cout, k, stride, bn, relu=True):
    layers = [nn.Conv2d(cin, cout, k, stride, k // 2, bias=not bn)]
    if bn:
        layers.append(nn.BatchNorm2d(cout))
    if relu:
        layers.append(nn.ReLU())
    return layers


def spatial(model, C, H, W):
    """Features out of `model` per sample; eval mode, so batch-norm running stats stay put."""
    model.eval()
    with torch.no_grad():
        n = model(torch.zeros(1, C, H, W)).shape[1:].numel()
    model.train()
    return n


def build_model(workload, cfg, C, H, W, classes=10):
    """The same network as mlp_build / cnn_build (workloads/models/), parameters in the same
    order. cfg: the completed keys (defaults as docs/workloads.md)."""
    if workload == "mlp":
        act = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh}[cfg.get("activation", "relu")]
        layers, n = [nn.Flatten()], C * H * W
        for width in cfg.get("hidden", [256, 128]):
            layers += [nn.Linear(n, width), act()]
            n = width
        layers.append(nn.Linear(n, classes))
        return nn.Sequential(*layers)
    arch = cfg.get("arch", "custom")
    w = cfg.get("width", 1.0)
    layers = []
    if arch == "custom":
        k, c = cfg.get("kernel", 3), C
        for oc in cfg.get("conv", [32, 64]):
            layers += conv_bn_relu(c, oc, k, 1, False) + [nn.MaxPool2d(2, 2)]
            c = oc
        fc = cfg.get("fc", [128])
    elif arch == "lenet5":
        layers = [nn.Conv2d(C, scaled(6, w), 5, 1, 2), nn.ReLU(), nn.MaxPool2d(2, 2),
                  nn.Conv2d(scaled(6, w), scaled(16, w), 5), nn.ReLU(), nn.MaxPool2d(2, 2)]
        fc = [scaled(120, w), scaled(84, w)]
    elif arch == "vgg":
        depth, bn, c = cfg.get("depth", 2), cfg.get("batch_norm", True), C
        for base in (32, 64, 128):
            for _ in range(depth):
                layers += conv_bn_relu(c, scaled(base, w), 3, 1, bn)
                c = scaled(base, w)
            layers.append(nn.MaxPool2d(2, 2))
        fc = [scaled(256, w)]
    elif arch == "resnet":
        depth = cfg.get("depth", 3)
        cin = scaled(16, w)
        layers = conv_bn_relu(C, cin, 3, 1, True)
        for stage in range(3):
            planes = scaled(16 << stage, w)
            for block in range(depth):
                layers.append(BasicBlock(cin, planes, 2 if stage > 0 and block == 0 else 1))
                cin = planes
        layers.append(Gap())
        fc = []
    elif arch == "mobilenet":
        depth = cfg.get("depth", 2)
        c = scaled(32, w)
        layers = conv_bn_relu(C, c, 3, 1, True)
        for base, stride in ((64, 1), (128, 2), (256, 2)):
            for block in range(depth):
                layers += [nn.Conv2d(c, c, 3, stride if block == 0 else 1, 1, groups=c, bias=False),
                           nn.BatchNorm2d(c), nn.ReLU()]
                layers += conv_bn_relu(c, scaled(base, w), 1, 1, True)
                c = scaled(base, w)
        layers.append(Gap())
        fc = []
    else:
        raise ValueError(f"arch: unknown {arch}")
    layers.append(nn.Flatten())
    n = spatial(nn.Sequential(*layers), C, H, W)
    for width in fc:
        layers += [nn.Linear(n, width), nn.ReLU()]
        n = width
    layers.append(nn.Linear(n, classes))
    return nn.Sequential(*layers)


class Vit(nn.Module):
    """vit (workloads/models/transformer.hpp): Conv2d patch embedding, a learned position
    table, pre-norm nn.TransformerEncoderLayer blocks (GELU, no dropout), LayerNorm, the mean
    over tokens, a linear head."""

    def __init__(self, cfg, C, H, W, classes=10):
        super().__init__()
        p, d = cfg.get("patch", 7), cfg.get("dim", 64)
        hidden = int(math.floor(d * cfg.get("mlp_ratio", 2.0) + 0.5))
        self.tokens = (H // p) * (W // p)
        self.patch_embed = nn.Conv2d(C, d, p, p)
        self.pos_embed = nn.Parameter(torch.zeros(1, self.tokens, d).normal_(0, 0.02))
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(d, cfg.get("heads", 4), hidden, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True)
            for _ in range(cfg.get("depth", 2))])
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def ordered_parameters(self):
        """(name, tensor) in greenbench's order."""
        out = [("patch_embed.weight", self.patch_embed.weight), ("patch_embed.bias", self.patch_embed.bias),
               ("pos_embed", self.pos_embed)]
        for i, b in enumerate(self.blocks):
            out += [(f"blocks.{i}.{n}", t) for n, t in b.named_parameters()]
        return out + [("norm.weight", self.norm.weight), ("norm.bias", self.norm.bias),
                      ("head.weight", self.head.weight), ("head.bias", self.head.bias)]

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2) + self.pos_embed
        for b in self.blocks:
            x = b(x)
        return self.head(self.norm(x).mean(dim=1))

    def macs(self):
        """Dense and attention-product MACs of one image, as Transformer::macs_per_sample."""
        t, d = self.tokens, self.head.in_features
        conv = self.patch_embed
        m = t * conv.in_channels * conv.kernel_size[0] * conv.kernel_size[1] * d
        for b in self.blocks:
            m += t * (3 * d * d + d * d + 2 * d * b.linear1.out_features) + 2 * t * t * d
        return m + d * self.head.out_features


class ByteLM(nn.Module):
    """lm: byte and position embeddings, causal pre-norm nn.TransformerEncoderLayer blocks
    (MLP 4 * dim, GELU, no dropout), LayerNorm, a linear head to 256 bytes per position."""

    def __init__(self, cfg):
        super().__init__()
        d, self.context = cfg.get("dim", 128), cfg.get("context", 128)
        self.wte = nn.Embedding(256, d)
        self.wpe = nn.Embedding(self.context, d)
        nn.init.normal_(self.wte.weight, 0, 0.02)
        nn.init.normal_(self.wpe.weight, 0, 0.02)
        self.blocks = nn.ModuleList([
            nn.TransformerEncoderLayer(d, cfg.get("heads", 4), 4 * d, dropout=0.0, activation="gelu",
                                       batch_first=True, norm_first=True)
            for _ in range(cfg.get("depth", 2))])
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 256)

    def ordered_parameters(self):
        out = [("wte.weight", self.wte.weight), ("wpe.weight", self.wpe.weight)]
        for i, b in enumerate(self.blocks):
            out += [(f"blocks.{i}.{n}", t) for n, t in b.named_parameters()]
        return out + [("norm.weight", self.norm.weight), ("norm.bias", self.norm.bias),
                      ("head.weight", self.head.weight), ("head.bias", self.head.bias)]

    def forward(self, idx):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T))
        mask = torch.triu(torch.full((T, T), float("-inf"), dtype=x.dtype), diagonal=1)
        for b in self.blocks:
            x = b(x, src_mask=mask)
        return self.head(self.norm(x))

    def macs(self):
        """MACs of one token of a full-context forward, as Transformer::macs_per_sample."""
        d, t = self.head.in_features, self.context
        m = sum(3 * d * d + d * d + 2 * d * b.linear1.out_features + 2 * t * d for b in self.blocks)
        return m + d * 256


def count_macs(model, x):
    """Conv + linear MACs of one sample (as ptflops/thop), and those of the layers after the
    first (their input gradient is computed in training)."""
    macs = []

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            macs.append(out[0].numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1])
        elif isinstance(m, nn.Linear):
            macs.append(m.in_features * m.out_features)

    hs = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model.eval()
        model(x[:1])
        model.train()
    for h in hs:
        h.remove()
    return sum(macs), sum(macs[1:])


def median_ms(step, steps):
    for _ in range(WARMUP_STEPS):
        step()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[steps // 2] if steps % 2 else 0.5 * (times[steps // 2 - 1] + times[steps // 2])


def parse_sets(sets):
    import yaml
    cfg = {}
    for kv in sets:
        key, _, value = kv.partition("=")
        cfg[key] = yaml.safe_load(value)
    return cfg


def blas_core():
    """The OpenBLAS kernels this process runs: Debian's torch calls the system OpenBLAS for
    Linear and matmul (its convolutions run on oneDNN, which picks its own ISA)."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return lib.openblas_get_corename().decode()
    except (OSError, AttributeError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workload", required=True, choices=["mlp", "cnn", "vit", "lm"])
    ap.add_argument("--set", action="append", default=[], dest="sets")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    cfg = parse_sets(args.sets)
    threads = cfg.get("threads", 1)
    torch.set_num_threads(threads)
    # PEER_MKLDNN=0: convolutions through PyTorch's im2col + the same OpenBLAS greenbench links
    # (slow_conv2d) instead of oneDNN's JIT kernels, which ignore OPENBLAS_CORETYPE.
    torch.backends.mkldnn.enabled = os.environ.get("PEER_MKLDNN", "1") != "0"
    torch.manual_seed(cfg.get("seed", 0))
    B = cfg.get("batch_size", 64)
    IB = cfg.get("infer_batch_size", B)
    C, H, W = cfg.get("input_shape", [1, 28, 28])
    if args.workload == "lm":
        model = ByteLM(cfg)
        T = model.context
        x = torch.randint(0, 256, (max(B, IB), T))
        y = torch.randint(0, 256, (max(B, IB), T))
        macs, macs_dinp = model.macs() * T, model.macs() * T  # per window, for the GFLOP/s
    elif args.workload == "vit":
        model = Vit(cfg, C, H, W)
        macs = macs_dinp = model.macs()
    else:
        model = build_model(args.workload, cfg, C, H, W)
    opt_name = cfg.get("optimizer", "momentum")
    lr, mom, wd = cfg.get("learning_rate", 0.01), cfg.get("momentum", 0.9), cfg.get("weight_decay", 0.0)
    opt = {"sgd": lambda p: torch.optim.SGD(p, lr, weight_decay=wd),
           "momentum": lambda p: torch.optim.SGD(p, lr, momentum=mom, weight_decay=wd),
           "adam": lambda p: torch.optim.Adam(p, lr, weight_decay=wd),
           "adamw": lambda p: torch.optim.AdamW(p, lr, weight_decay=wd)}[opt_name](model.parameters())
    if args.workload != "lm":
        x = torch.randn(max(B, IB), C, H, W)
        y = torch.randint(0, 10, (max(B, IB),))
    if args.workload in ("mlp", "cnn"):
        macs, macs_dinp = count_macs(model, x)

    def loss_of(n):
        logits = model(x[:n])
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y[:n].reshape(-1))

    def train_step():
        model.train()
        opt.zero_grad(set_to_none=True)
        loss = loss_of(B)
        loss.backward()
        opt.step()

    def infer_step():
        model.eval()
        with torch.no_grad():
            loss_of(IB)

    train_ms = median_ms(train_step, args.steps)
    infer_ms = median_ms(infer_step, args.steps)
    out = {"workload": args.workload, "params": sum(p.numel() for p in model.parameters()),
           "macs_per_sample": model.macs() if args.workload == "lm" else macs,  # lm: per token "batch_size": B, "infer_batch_size": IB, "threads": threads,
           "train_step_ms": train_ms, "infer_step_ms": infer_ms,
           "train_gflops": (4 * macs + 2 * macs_dinp) * B / (train_ms * 1e6),
           "infer_gflops": 2 * macs * IB / (infer_ms * 1e6), "steps": args.steps,
           "torch": torch.__version__, "mkldnn": torch.backends.mkldnn.enabled,
           "blas_core": blas_core()}
    print(json.dumps(out) if args.json else json.dumps(out, indent=1))


if __name__ == "__main__":
    sys.exit(main())
