"""Times sparselab.nupic.KWinners against a pure-PyTorch top-k k-winners
(nupic.torch's algorithm: boost, topk, scatter a mask, multiply; the same
duty-cycle update) in one process: a (batch, n) training batch, forward and
forward + backward, the median of --repeats runs after --warmup.

  bazel build //python:sparselab
  PYTHONPATH=bazel-bin/python /usr/bin/python3 python/benchmarks/kwinners_benchmark.py
"""
import argparse
import statistics
import time

import torch
from torch import nn

from sparselab import nupic


class TopkKWinners(nn.Module):
    """k-winners in plain PyTorch, as nupic.torch computes it with topk."""

    def __init__(self, n, percent_on, boost_strength=1.0, duty_cycle_period=1000):
        super().__init__()
        self.n, self.k = n, int(round(n * percent_on))
        self.boost_strength, self.period = boost_strength, duty_cycle_period
        self.learning_iterations = 0
        self.register_buffer("duty_cycle", torch.zeros(n))

    def forward(self, x):
        boosted = x.detach() * torch.exp(-self.boost_strength * self.duty_cycle)
        indices = boosted.topk(self.k, dim=1, sorted=False)[1]
        out = x * torch.zeros_like(x).scatter_(1, indices, 1.0)
        if self.training:
            batch = x.shape[0]
            self.learning_iterations += batch
            period = min(self.period, self.learning_iterations)
            self.duty_cycle.mul_(period - batch).add_(out.detach().gt(0).sum(0, dtype=torch.float))
            self.duty_cycle.div_(period)
        return out


def median_ms(fn, warmup, repeats):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--n", type=int, default=1024)
    parser.add_argument("--percent_on", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=100)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.batch, args.n, requires_grad=True)
    grad = torch.randn(args.batch, args.n)
    layers = {
        "sparselab.nupic.KWinners": nupic.KWinners(args.n, args.percent_on),
        "pure-PyTorch topk": TopkKWinners(args.n, args.percent_on),
    }
    print(f"batch {args.batch} x {args.n}, k = {layers['pure-PyTorch topk'].k}, "
          f"{args.threads} thread(s), median of {args.repeats}")
    results = {}
    for name, layer in layers.items():
        def forward():
            with torch.no_grad():
                layer(x)

        def forward_backward():
            x.grad = None
            layer(x).backward(grad)

        results[name] = (median_ms(forward, args.warmup, args.repeats),
                         median_ms(forward_backward, args.warmup, args.repeats))
        print(f"  {name:26s} forward {results[name][0]:7.3f} ms   "
              f"forward+backward {results[name][1]:7.3f} ms")
    ours, ref = results["sparselab.nupic.KWinners"], results["pure-PyTorch topk"]
    print(f"  speed-up: forward {ref[0] / ours[0]:.2f}x, forward+backward {ref[1] / ours[1]:.2f}x")


if __name__ == "__main__":
    main()
