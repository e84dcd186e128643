#!/usr/bin/python3
"""Writes the PyTorch golden files of the model tests (model_golden_test.cpp): for each tiny
model of tests/workloads/model_cases.hpp, one train-mode forward and backward in float64 with
deterministic weights and inputs (the formulas of model_cases.hpp), and the eval-mode logits
after it; plus params and MACs of the full-size default models. Run with Debian's
python3-torch: /usr/bin/python3 tests/workloads/golden/make_model_golden.py. CI does not run
it; the JSON files it writes are committed."""
import json
import math
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench"))
from peer_pytorch import build_model, count_macs  # noqa: E402

B = 4
# Keep in step with model_cases() in tests/workloads/model_cases.hpp.
CASES = [
    ("mlp_relu", "mlp", {"hidden": [7, 5], "activation": "relu"}, (1, 6, 6)),
    ("mlp_gelu", "mlp", {"hidden": [6], "activation": "gelu"}, (1, 5, 5)),
    ("mlp_tanh", "mlp", {"hidden": [6, 4], "activation": "tanh"}, (1, 5, 5)),
    ("cnn_custom", "cnn", {"arch": "custom", "conv": [3, 4], "fc": [6]}, (1, 8, 8)),
    ("cnn_custom_k5", "cnn", {"arch": "custom", "conv": [3], "kernel": 5, "fc": []}, (3, 6, 6)),
    ("cnn_lenet5", "cnn", {"arch": "lenet5", "width": 0.5}, (1, 12, 12)),
    ("cnn_vgg", "cnn", {"arch": "vgg", "width": 0.125, "depth": 1}, (3, 8, 8)),
    ("cnn_vgg_nobn", "cnn", {"arch": "vgg", "width": 0.125, "depth": 2, "batch_norm": False}, (1, 8, 8)),
    ("cnn_resnet", "cnn", {"arch": "resnet", "width": 0.25, "depth": 1}, (3, 8, 8)),
    ("cnn_resnet_d2", "cnn", {"arch": "resnet", "width": 0.25, "depth": 2}, (1, 8, 8)),
    ("cnn_mobilenet", "cnn", {"arch": "mobilenet", "width": 0.125, "depth": 1}, (3, 8, 8)),
]
# Full-size models whose params and MACs the C++ counts must equal.
COUNTS = [
    ("mlp", {"hidden": [256, 128]}, (1, 28, 28)),
    ("mlp", {"hidden": [512, 512]}, (1, 28, 28)),
    ("cnn", {"arch": "custom", "conv": [32, 64], "fc": [128]}, (1, 28, 28)),
    ("cnn", {"arch": "custom", "conv": [16, 32, 64], "kernel": 5, "fc": [256, 64]}, (3, 32, 32)),
    ("cnn", {"arch": "lenet5"}, (1, 28, 28)),
    ("cnn", {"arch": "lenet5", "width": 2}, (3, 32, 32)),
    ("cnn", {"arch": "vgg"}, (1, 28, 28)),
    ("cnn", {"arch": "vgg", "width": 2, "depth": 1, "batch_norm": False}, (3, 32, 32)),
    ("cnn", {"arch": "resnet"}, (3, 32, 32)),
    ("cnn", {"arch": "resnet", "width": 2, "depth": 1}, (1, 28, 28)),
    ("cnn", {"arch": "mobilenet"}, (1, 28, 28)),
    ("cnn", {"arch": "mobilenet", "width": 0.5, "depth": 1}, (3, 32, 32)),
]


def fan_in(module, name):
    if isinstance(module, nn.Conv2d):
        return module.in_channels // module.groups * module.kernel_size[0] * module.kernel_size[1]
    if isinstance(module, nn.Linear):
        return module.in_features
    return 0  # batch norm


def set_params(model):
    owners = [(m, n) for m in model.modules() for n, _ in m.named_parameters(recurse=False)]
    for t, (m, n) in enumerate(owners):
        p = getattr(m, n)
        k = torch.arange(p.numel(), dtype=torch.float64)
        f = fan_in(m, n)
        if f > 0:
            v = torch.sin(0.7 * k + 1.3 * t + 0.1) / math.sqrt(f)
        elif n == "weight":
            v = 1.0 + 0.2 * torch.sin(k + t)
        else:
            v = 0.1 * torch.cos(k + t)
        with torch.no_grad():
            p.copy_(v.reshape(p.shape))
    return owners


def r(x):
    return [float(f"{v:.9g}") for v in x.detach().reshape(-1).tolist()]


def golden(label, workload, keys, shape):
    C, H, W = shape
    model = build_model(workload, keys, C, H, W).double()
    owners = set_params(model)
    n = B * C * H * W
    x = (torch.sin(0.37 * torch.arange(n, dtype=torch.float64) + 0.2) * 1.5).reshape(B, C, H, W)
    y = torch.tensor([(3 * b + 1) % 10 for b in range(B)])
    model.train()
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    macs, _ = count_macs(model.float(), x.float())
    return {
        "label": label, "workload": workload, "keys": keys, "input_shape": list(shape), "B": B,
        "params": sum(p.numel() for p in model.parameters()), "macs_per_sample": macs,
        "loss": float(loss), "logits": r(logits), "eval_logits": r(eval_logits),
        "tensors": [{"torch_name": f"{type(m).__name__}.{n}", "count": getattr(m, n).numel(),
                     "grad": r(getattr(m, n).grad)} for m, n in owners],
    }


def main():
    torch.set_num_threads(1)
    for case in CASES:
        g = golden(*case)
        path = os.path.join(HERE, f"model_{case[0]}.json")
        with open(path, "w") as f:
            json.dump(g, f, separators=(",", ":"))
        print(f"{path}: {os.path.getsize(path)} bytes, {g['params']} params")
    counts = []
    for workload, keys, (C, H, W) in COUNTS:
        model = build_model(workload, keys, C, H, W)
        macs, _ = count_macs(model, torch.zeros(1, C, H, W))
        counts.append({"workload": workload, "keys": keys, "input_shape": [C, H, W],
                       "params": sum(p.numel() for p in model.parameters()), "macs_per_sample": macs})
    with open(os.path.join(HERE, "model_counts.json"), "w") as f:
        json.dump(counts, f, indent=1)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
