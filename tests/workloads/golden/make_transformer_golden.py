#!/usr/bin/python3
"""Writes the PyTorch golden files of the transformer tests (model_transformer_test.cpp): for a
tiny vit and a tiny lm (bench/peer_pytorch.py's Vit and ByteLM, built on
nn.TransformerEncoderLayer), deterministic parameters and inputs, one forward and backward in
float64: the parameters, the loss, the logits and every parameter gradient; plus params and
MACs of full-size models. Run with Debian's python3-torch:
/usr/bin/python3 tests/workloads/golden/make_transformer_golden.py. CI does not run it; the
JSON files it writes are committed."""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "bench"))
from peer_pytorch import ByteLM, Vit  # noqa: E402

B = 3
VIT_CFG = {"patch": 4, "dim": 8, "depth": 2, "heads": 2, "mlp_ratio": 1.5}
VIT_SHAPE = (2, 8, 12)  # 2 x 3 = 6 patches of 2 x 4 x 4
LM_CFG = {"context": 7, "dim": 8, "depth": 2, "heads": 2}
COUNTS = [
    ("vit", {"patch": 7, "dim": 64, "depth": 2, "heads": 4, "mlp_ratio": 2}, (1, 28, 28)),
    ("vit", {"patch": 4, "dim": 96, "depth": 3, "heads": 6, "mlp_ratio": 4}, (3, 32, 32)),
    ("lm", {"context": 128, "dim": 128, "depth": 2, "heads": 4}, None),
    ("lm", {"context": 256, "dim": 64, "depth": 3, "heads": 2}, None),
]


def r(x):
    return [float(f"{v:.10g}") for v in x.detach().reshape(-1).tolist()]


def set_params(model):
    """Deterministic values of every tensor t (greenbench order), element k: layer-norm weights
    1 + 0.2 sin(k + t), other vectors 0.1 cos(k + t), matrices sin(0.7 k + 1.3 t + 0.1) / sqrt(fan_in)."""
    params = []
    for t, (name, p) in enumerate(model.ordered_parameters()):
        k = torch.arange(p.numel(), dtype=torch.float64)
        if "norm" in name and name.endswith("weight"):
            v = 1.0 + 0.2 * torch.sin(k + t)
        elif p.dim() == 1:
            v = 0.1 * torch.cos(k + t)
        else:
            v = torch.sin(0.7 * k + 1.3 * t + 0.1) / math.sqrt(p[0].numel())
        with torch.no_grad():
            p.copy_(v.reshape(p.shape))
        params.append((name, p))
    return params


def golden(model, x, y, extra):
    model = model.double()
    params = set_params(model)
    model.train()
    logits = model(x)
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    loss.backward()
    out = dict(extra)
    out.update({"B": B, "params": sum(p.numel() for _, p in params), "macs_per_sample": model.macs(),
                "loss": loss.item(), "logits": r(logits),
                "tensors": [{"name": n, "count": p.numel(), "value": r(p), "grad": r(p.grad)}
                            for n, p in params]})
    return out


def main():
    torch.manual_seed(0)
    C, H, W = VIT_SHAPE
    x = torch.tensor([[[[math.sin(0.37 * (((b * C + c) * H + h) * W + w) + 0.5) for w in range(W)]
                        for h in range(H)] for c in range(C)] for b in range(B)], dtype=torch.float64)
    y = torch.tensor([(3 * b + 1) % 10 for b in range(B)])
    vit = golden(Vit(VIT_CFG, C, H, W), x, y,
                 {"keys": VIT_CFG, "input_shape": list(VIT_SHAPE), "images": r(x), "targets": y.tolist()})
    T = LM_CFG["context"]
    seq = torch.tensor([[(37 * (b * (T + 1) + t) * (b + 1) + 11) % 256 for t in range(T + 1)]
                        for b in range(B)])
    lm = golden(ByteLM(LM_CFG), seq[:, :-1], seq[:, 1:],
                {"keys": LM_CFG, "tokens": seq[:, :-1].reshape(-1).tolist(),
                 "targets": seq[:, 1:].reshape(-1).tolist()})
    counts = []
    for workload, cfg, shape in COUNTS:
        m = Vit(cfg, *shape) if workload == "vit" else ByteLM(cfg)
        counts.append({"workload": workload, "keys": cfg, "input_shape": list(shape) if shape else None,
                       "params": sum(p.numel() for p in m.parameters()), "macs_per_sample": m.macs()})
    for name, data in (("transformer_vit.json", vit), ("transformer_lm.json", lm),
                       ("transformer_counts.json", counts)):
        with open(os.path.join(HERE, name), "w") as f:
            json.dump(data, f, separators=(",", ":"))
            f.write("\n")
        print("wrote", name)


if __name__ == "__main__":
    main()
