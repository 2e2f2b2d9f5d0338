"""DataLoader's fast path: one shuffled epoch of Fashion-MNIST batches against slicing the
arrays by hand.

Timed, each as one epoch of the 60,000 training images (784 float32 pixels) and
labels, in batches of 128, shuffled:

  by hand        perm = rng.permutation(n); X[perm[i:i+128]], y[perm[i:i+128]]
  TensorDataset  DataLoader(TensorDataset(X, y), batch_size=128, shuffle=True)
  array form     DataLoader(X, y, batch_size=128, shuffle=True)
  per item       a Dataset subclass returning (x_i, y_i): default_collate stacks items
                 (what the fast path avoids; one run on a 10,000-sample Subset, scaled)

The methods take turns (interleaved) for ``--repeats`` rounds; the median of each
is printed with its ratio to "by hand". The fast paths should stay within 1.2×.

    python benchmarks/data_loader.py              # about 10 s
    python benchmarks/data_loader.py --quick      # a smoke test
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

import tinygrad_mlp as tm
from tinygrad_mlp.data import DataLoader, Dataset, Subset, TensorDataset, load_fashion_mnist

BATCH = 128


def machine_header() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    return (f"{platform.node()} · {platform.machine()} · {os.cpu_count()} CPUs · load "
            f"{' '.join(f'{x:.2f}' for x in load)} · Python {platform.python_version()} · "
            f"NumPy {np.__version__} · tinygrad_mlp {tm.__version__}")


def load(quick: bool):
    try:
        X, y = load_fashion_mnist(train=True)
        source = "Fashion-MNIST train"
    except FileNotFoundError:
        rng = np.random.default_rng(0)
        X = rng.random((60000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 60000)
        source = "random data of Fashion-MNIST's shape (dataset-fashion-mnist not installed)"
    if quick:
        X, y = X[:6000], y[:6000]
    return X, y, source


class PerItem(Dataset):
    """The same arrays behind a plain Dataset: the loader must fetch and collate item by item."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i):
        return self.X[i], self.y[i]


def by_hand(X, y, rng) -> int:
    n, count = len(X), 0
    perm = rng.permutation(n)
    for i in range(0, n, BATCH):
        idx = perm[i:i + BATCH]
        xb, yb = X[idx], y[idx]
        count += len(yb) + 0 * len(xb)
    return count


def through(loader) -> int:
    count = 0
    for xb, yb in loader:
        count += yb.shape[0] + 0 * xb.shape[0]
    return count


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="6,000 samples, 3 rounds")
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args(argv)
    repeats = 3 if args.quick else args.repeats
    X, y, source = load(args.quick)
    n = len(X)
    print(machine_header())
    print(f"one shuffled epoch of {n:,} samples of {source} in batches of {BATCH}; "
          f"median of {repeats} interleaved rounds")
    rng = np.random.default_rng(0)
    methods = {
        "by hand": lambda: by_hand(X, y, rng),
        "TensorDataset": lambda: through(DataLoader(TensorDataset(X, y), batch_size=BATCH,
                                                    shuffle=True, generator=rng)),
        "array form": lambda: through(DataLoader(X, y, batch_size=BATCH, shuffle=True,
                                                 seed=0)),
    }
    times: dict[str, list[float]] = {k: [] for k in methods}
    for _ in range(repeats):
        for name, fn in methods.items():
            t0 = time.perf_counter()
            count = fn()
            times[name].append(time.perf_counter() - t0)
            assert count == n, (name, count)
    sub = Subset(PerItem(X, y), list(range(min(n, 10000))))
    t0 = time.perf_counter()
    through(DataLoader(sub, batch_size=BATCH, shuffle=True, generator=rng))
    per_item = (time.perf_counter() - t0) * n / len(sub)
    base = statistics.median(times["by hand"])
    result = {}
    print(f"{'method':<15} {'ms/epoch':>9} {'ratio':>6}")
    for name, ts in times.items():
        med = statistics.median(ts)
        result[name] = med / base
        print(f"{name:<15} {med * 1e3:>9.1f} {med / base:>6.2f}")
    result["per item"] = per_item / base
    print(f"{'per item':<15} {per_item * 1e3:>9.1f} {per_item / base:>6.2f}   (scaled from "
          f"{len(sub):,} samples, one run)")
    return result


if __name__ == "__main__":
    main()
