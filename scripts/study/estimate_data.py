#!/usr/bin/env python3
"""Builds the estimator's data: many short metered runs over mlp and cnn architectures, in two
disjoint sets of architectures — `train` (what `estimate fit` learns from) and `heldout`
(architectures the model never sees, for the honest number). One results folder per run under
OUT/<set>/<name>/, skipped when it already holds a finished run (so a stopped script resumes).
Each run is sized to about --gflop GFLOP of training from its MACs (`greenbench bench`).
Not a grid file: each run is its own folder so a stopped script resumes per run; this calls
`greenbench run --workload`.

Usage: scripts/study/estimate_data.py [--bin build/greenbench] [--out results/estimate]
                              [--sets train,heldout,repeat] [--gflop 30] [--meter estimate]
Runs go in a fixed shuffled order so the shared machine's load drifts over all sets alike;
`repeat` runs four configurations four times each, for the noise floor.
Then:  greenbench estimate fit results/estimate/train/* -o model.json \
           --holdout results/estimate/heldout/*
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys

from study_util import macs_of, sets_args

# (name, workload, {keys}) — an architecture is the workload with its shape keys.
TRAIN = [
    ("mlp-64", "mlp", {"hidden": [64]}),
    ("mlp-256", "mlp", {"hidden": [256]}),
    ("mlp-1024", "mlp", {"hidden": [1024]}),
    ("mlp-256-256", "mlp", {"hidden": [256, 256]}),
    ("mlp-512-128", "mlp", {"hidden": [512, 128]}),
    ("mlp-128x3", "mlp", {"hidden": [128, 128, 128]}),
    ("mlp-256-gelu", "mlp", {"hidden": [256], "activation": "gelu"}),
    ("mlp-512-tanh", "mlp", {"hidden": [512], "activation": "tanh"}),
    ("cnn-c8", "cnn", {"arch": "custom", "conv": [8], "fc": []}),
    ("cnn-c16-32-f64", "cnn", {"arch": "custom", "conv": [16, 32], "fc": [64]}),
    ("cnn-c32k5-f128", "cnn", {"arch": "custom", "conv": [32], "kernel": 5, "fc": [128]}),
    ("cnn-lenet5", "cnn", {"arch": "lenet5"}),
    ("cnn-vgg-0.125", "cnn", {"arch": "vgg", "width": 0.125, "depth": 1}),
    ("cnn-resnet-0.25", "cnn", {"arch": "resnet", "width": 0.25, "depth": 1}),
    ("cnn-mobilenet-0.25", "cnn", {"arch": "mobilenet", "width": 0.25, "depth": 1}),
    # A second net with depthwise convs: with one, leaving it out left no fitted run to price
    # depthwise work, and that fold alone held the leave-one-out MAPE at 14% (docs/estimate.md).
    ("cnn-mobilenet-0.25-d2", "cnn", {"arch": "mobilenet", "width": 0.25, "depth": 2}),
]
HELDOUT = [
    ("mlp-512", "mlp", {"hidden": [512]}),
    ("mlp-2048", "mlp", {"hidden": [2048]}),
    ("mlp-384-192", "mlp", {"hidden": [384, 192]}),
    ("mlp-64x3-gelu", "mlp", {"hidden": [64, 64, 64], "activation": "gelu"}),
    ("cnn-c12-24-f32", "cnn", {"arch": "custom", "conv": [12, 24], "fc": [32]}),
    ("cnn-lenet5-w2", "cnn", {"arch": "lenet5", "width": 2.0}),
    ("cnn-vgg-0.25", "cnn", {"arch": "vgg", "width": 0.25, "depth": 1}),
    ("cnn-resnet-0.125-d2", "cnn", {"arch": "resnet", "width": 0.125, "depth": 2}),
    ("cnn-mobilenet-0.5", "cnn", {"arch": "mobilenet", "width": 0.5, "depth": 1}),
]
# Per architecture, these variants (batch size, data set, optimiser, epochs) — the same
# hyperparameters for both sets, so the held-out error is about architectures.
# Sizes differ per variant (x --gflop) so the fit sees scale as well as composition.
VARIANTS = [
    ({"batch_size": 16, "dataset": "synthetic", "optimizer": "momentum", "epochs": 1}, 0.5),
    ({"batch_size": 128, "dataset": "fashion-mnist", "optimizer": "momentum", "epochs": 2}, 1.3),
    ({"batch_size": 64, "dataset": "fashion-mnist", "optimizer": "adam", "learning_rate": 0.001, "epochs": 1}, 0.9),
]
# The noise floor: the same configurations repeated (set `repeat`), spread through the order.
REPEATS = [("mlp-256", "mlp", {"hidden": [256]}, 1), ("cnn-lenet5", "cnn", {"arch": "lenet5"}, 0),
           ("mlp-512-128", "mlp", {"hidden": [512, 128]}, 2), ("cnn-c16-32-f64", "cnn",
           {"arch": "custom", "conv": [16, 32], "fc": [64]}, 1)]
N_REPEATS = 4


def finished_ok(out):
    try:
        with open(os.path.join(out, "runs.jsonl")) as f:
            return any(json.loads(line).get("status") == "ok" for line in f if line.strip())
    except (OSError, ValueError):
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/greenbench")
    ap.add_argument("--out", default="results/estimate")
    ap.add_argument("--sets", default="train,heldout,repeat")
    ap.add_argument("--gflop", type=float, default=30, help="training GFLOP per run")
    ap.add_argument("--meter", default="estimate")
    a = ap.parse_args()
    todo = []
    for set_name in a.sets.split(","):
        if set_name == "repeat":
            for name, workload, keys, v in REPEATS:
                for r in range(N_REPEATS):
                    todo.append((set_name, f"{name}-v{v}-rep{r}", workload, keys, VARIANTS[v]))
            continue
        archs = {"train": TRAIN, "heldout": HELDOUT}[set_name]
        for name, workload, keys in archs:
            for i, var in enumerate(VARIANTS):
                todo.append((set_name, f"{name}-v{i}", workload, keys, var))
    # A fixed shuffle, so a change in the machine's load over time hits every set alike.
    random.Random(1).shuffle(todo)
    macs_cache = {}
    for n, (set_name, name, workload, keys, (var, scale)) in enumerate(todo, 1):
        out = os.path.join(a.out, set_name, name)
        if finished_ok(out):
            continue
        shutil.rmtree(out, ignore_errors=True)  # a failed or torn earlier attempt
        key = json.dumps([workload, keys], sort_keys=True)
        try:
            if key not in macs_cache:
                macs_cache[key] = macs_of(a.bin, workload, keys)
        except RuntimeError as e:
            print(f"[{n}/{len(todo)}] {name}: skipped ({e})", flush=True)
            continue
        macs = macs_cache[key]
        # The mlp GEMMs run ~4x the cnn layers' FLOP rate here: similar seconds per run.
        gflop = scale * a.gflop * (4 if workload == "mlp" else 1)
        train = int(gflop * 1e9 / (6.0 * macs * var["epochs"]))
        train = max(256, min(train, 60000))
        cfg = {**keys, **var, "train_samples": train, "test_samples": min(10000, max(128, train // 4)), "threads": 1}
        cmd = [a.bin, "run", "--workload", workload, "--out", out, "--idle-baseline-s", "1",
               "--pause-s", "0", "--meter", a.meter] + sets_args(cfg)
        r = subprocess.run(cmd, capture_output=True, text=True)
        last = (r.stderr.strip().splitlines() or [""])[-1]
        print(f"[{n}/{len(todo)}] {set_name}/{name}: exit {r.returncode}: {last}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
