"""Engine overhead per op: a chain of small elementwise ops, forward + backward.

The chain repeats four ops, ``x = tanh(sigmoid(x * w + b))`` style:

    x ← x · w,   x ← x + b,   x ← tanh(x),   x ← σ(x)

200 ops in all, on tensors of shape (1,) (pure overhead) and (32, 100), then
``sum`` and backward to x, w and b.  Printed: microseconds per op for
tinygrad_mlp, for the same computation written by hand in NumPy (forward and
hand-derived backward), and for PyTorch when installed, all measured in this
run, and the ratios.  Then a 100,000-op chain built and backpropagated.

    python benchmarks/overhead.py            # about a minute
    python benchmarks/overhead.py --quick    # a few seconds (smoke test)
"""

from __future__ import annotations

import argparse
import gc
import time

import numpy as np

import tinygrad_mlp as tm

N_OPS = 200


def chain_tm(x0: np.ndarray, w0: np.ndarray, b0: np.ndarray):
    x = tm.from_numpy(x0).requires_grad_()
    w = tm.from_numpy(w0).requires_grad_()
    b = tm.from_numpy(b0).requires_grad_()
    h = x
    for _ in range(N_OPS // 4):
        h = (h * w + b).tanh().sigmoid()
    h.sum().backward()
    return x.grad.data, w.grad.data, b.grad.data


def chain_numpy(x0: np.ndarray, w0: np.ndarray, b0: np.ndarray):
    """The same chain by hand: forward keeping what backward needs, then the chain rule."""
    saved = []
    h = x0
    for _ in range(N_OPS // 4):
        t = np.tanh(h * w0 + b0)
        s = 1 / (1 + np.exp(-t))
        saved.append((h, t, s))
        h = s
    g = np.ones_like(h)
    gw = np.zeros_like(w0)
    gb = np.zeros_like(b0)
    for h_in, t, s in reversed(saved):
        g = g * s * (1 - s)  # sigmoid'
        g = g * (1 - t * t)  # tanh'
        gb += g
        gw += g * h_in
        g = g * w0
    return g, gw, gb


def chain_torch(torch, x0, w0, b0):
    x = torch.from_numpy(x0).requires_grad_()
    w = torch.from_numpy(w0).requires_grad_()
    b = torch.from_numpy(b0).requires_grad_()
    h = x
    for _ in range(N_OPS // 4):
        h = torch.sigmoid(torch.tanh(h * w + b))
    h.sum().backward()
    return x.grad.numpy(), w.grad.numpy(), b.grad.numpy()


def best_time(fn, repeats: int, inner: int) -> float:
    """Best of ``repeats`` timings of ``inner`` calls, in seconds per call."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        best = min(best, (time.perf_counter() - t0) / inner)
    return best


def long_chain(n: int) -> float:
    """Seconds to build an n-op chain and backpropagate it (garbage collector on)."""
    gc.collect()
    t0 = time.perf_counter()
    x = tm.tensor([0.5], requires_grad=True)
    h = x
    for _ in range(n):
        h = h * 1.0000001
    h.backward()
    del h
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="few repeats (a smoke test)")
    args = ap.parse_args()
    repeats, inner = (2, 3) if args.quick else (7, 20)
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None

    print(f"chain of {N_OPS} elementwise ops, forward + backward; microseconds per op "
          f"(best of {repeats}); ratio = time / hand-written NumPy")
    header = f"{'shape':<10} {'numpy':>8} {'tinygrad_mlp':>13} {'ratio':>6}"
    if torch is not None:
        header += f" {'torch':>8} {'ratio':>6} {'tm/torch':>9}"
    print(header)
    rng = np.random.default_rng(0)
    for shape in [(1,), (32, 100)]:
        x0 = rng.standard_normal(shape).astype(np.float32)
        w0 = rng.standard_normal(shape).astype(np.float32)
        b0 = rng.standard_normal(shape).astype(np.float32)
        ref = chain_numpy(x0, w0, b0)
        got = chain_tm(x0, w0, b0)
        for r, g in zip(ref, got):
            np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-6)
        t_np = best_time(lambda: chain_numpy(x0, w0, b0), repeats, inner) / N_OPS * 1e6
        t_tm = best_time(lambda: chain_tm(x0, w0, b0), repeats, inner) / N_OPS * 1e6
        line = f"{str(shape):<10} {t_np:>8.2f} {t_tm:>13.2f} {t_tm / t_np:>6.2f}"
        if torch is not None:
            t_pt = best_time(lambda: chain_torch(torch, x0, w0, b0), repeats, inner) / N_OPS * 1e6
            line += f" {t_pt:>8.2f} {t_pt / t_np:>6.2f} {t_tm / t_pt:>9.2f}"
        print(line)

    n = 10_000 if args.quick else 100_000
    times = [long_chain(n) for _ in range(1 if args.quick else 3)]
    print(f"{n:,}-op chain built and backpropagated: {min(times):.3f} s (best of {len(times)})")


if __name__ == "__main__":
    main()
