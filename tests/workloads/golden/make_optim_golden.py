#!/usr/bin/env python3
"""Writes optim_golden.json: three steps of torch.optim SGD, SGD(momentum), Adam and AdamW, with
and without weight decay, on a fixed 7-element parameter, and GELU (erf and tanh) values.
Run by hand (needs python3-torch): python3 make_optim_golden.py > optim_golden.json.
CI only reads the committed JSON."""
import json

import torch

torch.set_default_dtype(torch.float32)
P0 = [0.5, -1.25, 2.0, 0.0, -0.3, 1e-3, 3.5]
GRADS = [
    [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7],
    [-0.05, 0.4, 0.0, 0.25, -1.5, 0.01, 2.0],
    [0.3, 0.3, -0.7, 1e-4, 0.2, -0.9, -0.1],
]
CASES = [
    ("sgd", dict(lr=0.1, weight_decay=0.0)),
    ("sgd", dict(lr=0.1, weight_decay=0.05)),
    ("momentum", dict(lr=0.1, momentum=0.9, weight_decay=0.0)),
    ("momentum", dict(lr=0.05, momentum=0.8, weight_decay=0.01)),
    ("adam", dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)),
    ("adam", dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("adamw", dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)),
    ("adamw", dict(lr=0.05, betas=(0.85, 0.995), eps=1e-7, weight_decay=0.3)),
]


def make(kind, p, kw):
    if kind in ("sgd", "momentum"):
        return torch.optim.SGD([p], **kw)
    if kind == "adam":
        return torch.optim.Adam([p], **kw)
    return torch.optim.AdamW([p], **kw)


cases = []
for kind, kw in CASES:
    p = torch.nn.Parameter(torch.tensor(P0))
    opt = make(kind, p, kw)
    steps = []
    for g in GRADS:
        p.grad = torch.tensor(g)
        opt.step()
        steps.append([float(v) for v in p.detach()])
    cfg = dict(kw)
    if "betas" in cfg:
        cfg["beta1"], cfg["beta2"] = cfg.pop("betas")
    cases.append(dict(optimizer=kind, config=cfg, params_after_step=steps))

x = torch.linspace(-5.0, 5.0, 41)
gelu = dict(
    x=[float(v) for v in x],
    erf=[float(v) for v in torch.nn.functional.gelu(x)],
    tanh=[float(v) for v in torch.nn.functional.gelu(x, approximate="tanh")],
)
xg = x.clone().requires_grad_(True)
torch.nn.functional.gelu(xg).sum().backward()
gelu["erf_grad"] = [float(v) for v in xg.grad]
xg.grad = None
torch.nn.functional.gelu(xg, approximate="tanh").sum().backward()
gelu["tanh_grad"] = [float(v) for v in xg.grad]

print(json.dumps(dict(torch_version=torch.__version__, params_initial=P0, grads=GRADS,
                      optim=cases, gelu=gelu), indent=1))
