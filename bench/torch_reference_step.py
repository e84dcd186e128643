#!/usr/bin/env python3
"""PyTorch reference times for the kernels' speed targets (issue: CNN custom [32,64]/[128]
train step <= 0.5x PyTorch, MLP 784-512-512-10 train step <= 1.0x PyTorch), batch 128, SGD.
Run by hand next to `kernels_bench --benchmark_filter=train_step`; needs python3-torch.
Usage: python3 bench/torch_reference_step.py [threads]"""
import os
import statistics
import sys
import time

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
# torch.set_num_threads does not reach the OpenBLAS that Debian's torch calls for Linear;
# pin it too, before torch loads it, so `threads` is the total as in greenbench.
os.environ["OPENBLAS_NUM_THREADS"] = str(threads)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

torch.set_num_threads(threads)
torch.manual_seed(0)
B = 128

cnn = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                    nn.Linear(512, 10))
x = torch.randn(B, 1, 28, 28)
y = torch.arange(B) % 10
loss_fn = nn.CrossEntropyLoss()


def time_step(model, reps=40):
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    for _ in range(3):
        step()
    wall, cpu = [], []
    for _ in range(reps):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    # CPU time is the fairer figure on a shared machine (single-threaded: CPU <= wall).
    return min(wall), statistics.median(wall), statistics.median(cpu)


def report(name, model):
    best, med, cpu = time_step(model)
    print(f"{name}_train_step_ms best_wall {best * 1e3:.2f} median_wall {med * 1e3:.2f} "
          f"median_cpu {cpu * 1e3:.2f}")


print(f"torch {torch.__version__} threads={threads} batch={B}")
report("cnn", cnn)
report("mlp", mlp)
