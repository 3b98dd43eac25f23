"""Times sparselab.npeet.mi (KSG, k = 3) on N correlated Gaussian pairs and,
given --npeet=<folder holding NPEET's entropy_estimators.py>, NPEET's own mi on
the same data in the same process; prints seconds (best of --repeats) and both
estimates beside the closed form -1/2 log2(1 - rho^2).

  PYTHONPATH=bazel-bin/python /usr/bin/python3 python/benchmarks/mi_benchmark.py \
      --n=50000 [--npeet=/path/to/NPEET/npeet]
"""
import argparse
import math
import sys
import time

import numpy as np
import torch

from sparselab import npeet


def best_seconds(fn, repeats):
    best, value = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50000)
    parser.add_argument("--dim", type=int, default=1, help="dimensions of x and of y")
    parser.add_argument("--rho", type=float, default=0.6)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--npeet", default="", help="folder with NPEET's entropy_estimators.py")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.n, args.dim))
    y = args.rho * x + math.sqrt(1 - args.rho ** 2) * rng.standard_normal((args.n, args.dim))
    exact = -0.5 * args.dim * math.log2(1 - args.rho ** 2)
    print(f"N = {args.n}, dim {args.dim} + {args.dim}, rho = {args.rho}, closed form "
          f"{exact:.4f} bits, {args.threads} thread(s), best of {args.repeats}")
    seconds, value = best_seconds(lambda: npeet.mi(x, y), args.repeats)
    print(f"  sparselab.npeet.mi  {seconds:8.3f} s   {value:.4f} bits")
    if args.npeet:
        sys.path.insert(0, args.npeet)
        import entropy_estimators as reference
        ref_seconds, ref_value = best_seconds(lambda: reference.mi(x, y), args.repeats)
        print(f"  NPEET mi            {ref_seconds:8.3f} s   {ref_value:.4f} bits")
        print(f"  speed-up {ref_seconds / seconds:.1f}x")


if __name__ == "__main__":
    main()
