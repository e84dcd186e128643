"""A PyTorch CNN on Fashion-MNIST that marks its windows for greenbench (docs/windows.md).

Each epoch's training pass is window `train`, the evaluation after it window `infer`; the end
lines carry samples, loss, accuracy, params and macs_per_sample, so a grid over this script
(configs/pytorch.yaml) fills the same columns as greenbench's own `cnn` runs. Run alone, it
trains and prints; under `greenbench meter -- python3 examples/pytorch_fashion_mnist.py` or
`greenbench run configs/pytorch.yaml` each window gets its joules.

The model follows the study's small custom CNNs (and greenbench's `cnn` arch custom with
conv [W, 2W]): two 3x3 convolutions (padding 1) of W and 2W channels, each with ReLU and 2x2
max pooling, then one linear layer to the 10 classes.

Data: the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), or
--data-dir. Needs python3-torch and python3-numpy.
"""

import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from greenbench_windows import window  # noqa: E402

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def idx_read(path: str) -> np.ndarray:
    """An IDX file (gzipped or not) as an array: the format's magic, dims, then uint8 data."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise SystemExit(f"{path}: not an IDX file of unsigned bytes")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def split_load(data_dir: str, prefix: str, limit: int):
    def find(name):
        for candidate in (name + ".gz", name):
            path = os.path.join(data_dir, candidate)
            if os.path.exists(path):
                return path
        raise SystemExit(
            f"{os.path.join(data_dir, name)}(.gz): missing; apt-get install dataset-fashion-mnist "
            "or give --data-dir"
        )

    images = idx_read(find(f"{prefix}-images-idx3-ubyte"))
    labels = idx_read(find(f"{prefix}-labels-idx1-ubyte"))
    if limit > 0:
        images, labels = images[:limit], labels[:limit]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # (N, 1, 28, 28)
    return x, torch.from_numpy(labels.astype(np.int64))


class Cnn(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Linear(2 * width * 7 * 7, 10)
        self.width = width

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))

    def macs_per_sample(self) -> int:
        """Multiply-accumulates of one forward pass of one sample: each conv H_out x W_out x
        C_out x C_in x 9, the linear layer in x out (pooling and ReLU are not MACs)."""
        w = self.width
        return 28 * 28 * w * 1 * 9 + 14 * 14 * 2 * w * w * 9 + 2 * w * 7 * 7 * 10


def train_epoch(model, optimizer, x, y, batch_size, generator):
    model.train()
    loss_fn = nn.CrossEntropyLoss()
    total, n = 0.0, 0
    order = torch.randperm(len(x), generator=generator)
    for start in range(0, len(x), batch_size):
        idx = order[start : start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
        n += len(idx)
    return total / n


@torch.no_grad()
def evaluate(model, x, y, batch_size):
    model.eval()
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    loss, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        out = model(x[start : start + batch_size])
        loss += loss_fn(out, y[start : start + batch_size]).item()
        correct += (out.argmax(1) == y[start : start + batch_size]).sum().item()
    return loss / len(x), correct / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--width", type=int, default=16, help="channels of the first conv (W)")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--train-samples", type=int, default=0, help="0 = all 60000")
    p.add_argument("--test-samples", type=int, default=0, help="0 = all 10000")
    p.add_argument("--threads", type=int, default=1, help="torch threads, the run's total")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", default=DATA_DIR)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(a.seed)
    x_train, y_train = split_load(a.data_dir, "train", a.train_samples)
    x_test, y_test = split_load(a.data_dir, "t10k", a.test_samples)
    model = Cnn(a.width)
    params = sum(t.numel() for t in model.parameters())
    optimizer = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9)
    generator = torch.Generator().manual_seed(a.seed)
    size = {"params": params, "macs_per_sample": model.macs_per_sample()}
    for epoch in range(1, a.epochs + 1):
        t0 = time.monotonic()
        with window("train", epoch=epoch, samples=len(x_train), **size) as train:
            train["loss"] = train_epoch(model, optimizer, x_train, y_train, a.batch_size, generator)
        t1 = time.monotonic()
        with window("infer", epoch=epoch, samples=len(x_test)) as infer:
            infer["loss"], infer["accuracy"] = evaluate(model, x_test, y_test, a.batch_size)
        print(
            f"epoch {epoch}: train loss {train['loss']:.4f} in {t1 - t0:.1f} s, "
            f"test accuracy {infer['accuracy']:.4f} in {time.monotonic() - t1:.1f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
