"""Sparse CNN-2 of "How Can We Be So Dense?" (Ahmad & Scheinkman 2019) trained
for one epoch on MNIST in plain PyTorch with sparselab.nupic's layers, beside
the same network built from pure-PyTorch modules (nupic.torch's algorithm
written with topk): test accuracy and time per training step of each.

Network (experiments/how_can_we_be_so_dense, "sparseCNN2"): conv 5x5 32 ->
max-pool 2 -> k-winners (400 of 4608) -> conv 5x5 64 -> max-pool 2 ->
k-winners (300 of 1024) -> sparse linear 1024 -> 700 (30 % of the weights) ->
k-winners (100 of 700) -> linear 700 -> 10; SGD lr 0.02, boost strength 1.5,
boost decay 0.85 per epoch, k_inference_factor 1.5. One difference from the
paper's protocol: every batch has 64 images (the paper starts with batch 4).

  bazel build //python:sparselab
  PYTHONPATH=bazel-bin/python /usr/bin/python3 examples/sparse_cnn2_mnist.py \
      --data=$SPARSELAB_DATA/mnist [--train_subset=6000] [--threads=1]
"""
import argparse
import os
import time

import numpy as np
import torch
from torch import nn

from sparselab import nupic


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(folder, prefix):
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte")).astype(np.float32)
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte")).astype(np.int64)
    x = (torch.from_numpy(images) / 255.0 - 0.13062755) / 0.30810780  # the MNIST mean and std
    return x.unsqueeze(1), torch.from_numpy(labels)


# --- the same layers in plain PyTorch (nupic.torch's algorithm) --------------

class TopkKWinners(nn.Module):
    """k-winners with boosting over the values of each sample (flattened)."""

    def __init__(self, channels, units, k, k_inference_factor, boost, boost_factor, period=1000):
        super().__init__()
        self.units, self.k = units, k
        self.k_inference = int(round(units * (k / units) * k_inference_factor))
        self.boost, self.boost_factor, self.period = boost, boost_factor, period
        self.iterations = 0
        self.register_buffer("duty_cycle", torch.zeros(channels))

    def forward(self, x):
        k = self.k if self.training else self.k_inference
        shape = (1, -1) + (1,) * (x.dim() - 2)
        boosted = (x.detach() * torch.exp(-self.boost * self.duty_cycle.view(shape)))
        indices = boosted.reshape(x.shape[0], -1).topk(k, dim=1, sorted=False)[1]
        mask = torch.zeros(x.shape[0], self.units).scatter_(1, indices, 1.0).view(x.shape)
        out = x * mask
        if self.training:
            batch = x.shape[0]
            self.iterations += batch
            period = min(self.period, self.iterations)
            dims = [0] + list(range(2, x.dim()))
            active = out.detach().gt(0).sum(dim=dims, dtype=torch.float)
            active /= float(np.prod(x.shape[2:])) if x.dim() > 2 else 1.0
            self.duty_cycle.mul_(period - batch).add_(active).div_(period)
        return out

    def update_boost_strength(self):
        self.boost *= self.boost_factor


class MaskedLinear(nn.Module):
    def __init__(self, linear, density):
        super().__init__()
        self.module = linear
        fan_in = linear.in_features
        keep = torch.rand(linear.out_features, fan_in).argsort(1) < round(density * fan_in)
        self.register_buffer("mask", keep.float())
        self.rezero_weights()

    def forward(self, x):
        return self.module(x)

    def rezero_weights(self):
        with torch.no_grad():
            self.module.weight.mul_(self.mask)


def sparse_cnn2(kind, boost=1.5, boost_factor=0.85, factor=1.5):
    if kind == "sparselab.nupic":
        def kw2d(c, units, k):
            return nupic.KWinners2d(c, percent_on=k / units, k_inference_factor=factor,
                                    boost_strength=boost, boost_strength_factor=boost_factor)
        hidden = nupic.SparseWeights(nn.Linear(1024, 700), sparsity=0.7)
        kw1d = nupic.KWinners(700, percent_on=100 / 700, k_inference_factor=factor,
                              boost_strength=boost, boost_strength_factor=boost_factor)
    else:
        def kw2d(c, units, k):
            return TopkKWinners(c, units, k, factor, boost, boost_factor)
        hidden = MaskedLinear(nn.Linear(1024, 700), 0.3)
        kw1d = TopkKWinners(700, 700, 100, factor, boost, boost_factor)
    return nn.Sequential(
        nn.Conv2d(1, 32, 5), nn.MaxPool2d(2), kw2d(32, 32 * 12 * 12, 400),
        nn.Conv2d(32, 64, 5), nn.MaxPool2d(2), kw2d(64, 64 * 4 * 4, 300),
        nn.Flatten(), hidden, kw1d, nn.Linear(700, 10))


def rezero(m):
    if hasattr(m, "rezero_weights"):
        m.rezero_weights()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.path.join(os.environ.get("SPARSELAB_DATA", "data"),
                                                       "mnist"))
    parser.add_argument("--train_subset", type=int, default=0, help="0: all 60,000 images")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    x_train, y_train = load(args.data, "train")
    x_test, y_test = load(args.data, "t10k")
    if args.train_subset:
        x_train, y_train = x_train[:args.train_subset], y_train[:args.train_subset]
    for kind in ("sparselab.nupic", "pure PyTorch"):
        torch.manual_seed(args.seed)
        model = sparse_cnn2(kind)
        sgd = torch.optim.SGD(model.parameters(), lr=0.02)
        order = torch.randperm(len(x_train))
        model.train()
        start, steps = time.perf_counter(), 0
        for i in range(0, len(order), args.batch_size):
            batch = order[i:i + args.batch_size]
            sgd.zero_grad()
            nn.functional.cross_entropy(model(x_train[batch]), y_train[batch]).backward()
            sgd.step()
            model.apply(rezero)
            steps += 1
        step_ms = 1e3 * (time.perf_counter() - start) / steps
        model.eval()
        with torch.no_grad():
            correct = sum(int((model(x_test[i:i + 1000]).argmax(1) == y_test[i:i + 1000]).sum())
                          for i in range(0, len(x_test), 1000))
        print(f"{kind:16s} one epoch ({len(x_train)} images, batch {args.batch_size}): "
              f"test accuracy {100.0 * correct / len(x_test):.2f} %, {step_ms:.1f} ms per step")


if __name__ == "__main__":
    main()
