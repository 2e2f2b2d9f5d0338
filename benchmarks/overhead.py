"""Engine overhead per op: a chain of small elementwise ops, forward + backward.

The chain repeats four ops, ``x = sigmoid(tanh(x * w + b))``:

    x ← x · w,   x ← x + b,   x ← tanh(x),   x ← σ(x)

200 ops in all, on tensors of shape (1,) (pure overhead) and (32, 100), then
``sum`` and backward to x, w and b, by tinygrad_mlp, by the same computation written
by hand in NumPy (forward and hand-derived backward), and by PyTorch when installed
(one thread: ``torch.set_num_threads(1)``, shown in the header), and by the same
tinygrad_mlp chain as a ``tm.compile`` step (recorded once, then replayed: its
gradients must equal eager mode's bit for bit).  Then a
100,000-op chain (``h = h * 1.0000001``) built and backpropagated, by tinygrad_mlp and
PyTorch: in this process (where PyTorch's 165,000 Python objects are walked by every
full collection of Python's cyclic garbage collector, which tinygrad_mlp's graph of
Python objects triggers), with tinygrad_mlp's collector paused (its share), and each
side in a process of its own (what a user of either one sees).

The sides take turns (interleaved, the starting side rotating each round); printed
after the machine header: the median with [min–max] over the rounds — microseconds
per op for the chains (each round times ``inner`` chains), seconds for the long
chain — and the ratios of medians.

    python benchmarks/overhead.py            # about a minute
    python benchmarks/overhead.py --quick    # a few seconds (smoke test; 10,000-op chain)
"""

from __future__ import annotations

import argparse
import functools
import gc
import subprocess
import sys
import time

import numpy as np
from _bench import fmt, interleaved, machine_header, ratio

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


def compiled_chain_tm(x0: np.ndarray, w0: np.ndarray, b0: np.ndarray):
    """The same chain as a ``tm.compile`` step (x, w, b made once, their gradients reset
    by an optimizer's ``zero_grad``): what replaying the recorded op nodes costs."""
    x, w, b = (tm.tensor(a, requires_grad=True) for a in (x0, w0, b0))
    grads = tm.optim.SGD([x, w, b], lr=0.0)

    @tm.compile
    def step():
        grads.zero_grad()
        h = x
        for _ in range(N_OPS // 4):
            h = (h * w + b).tanh().sigmoid()
        total = h.sum()
        total.backward()
        return total

    def call():
        step()
        return x.grad.data, w.grad.data, b.grad.data
    return call


def repeated(fn, inner: int):
    def call():
        for _ in range(inner):
            fn()
    return call


def long_chain_tm(n: int) -> None:
    """Build an n-op chain and backpropagate it (garbage collector on)."""
    x = tm.tensor([0.5], requires_grad=True)
    h = x
    for _ in range(n):
        h = h * 1.0000001
    h.backward()
    assert x.grad is not None


def long_chain_torch(torch, n: int) -> None:
    x = torch.tensor([0.5], requires_grad=True)
    h = x
    for _ in range(n):
        h = h * 1.0000001
    h.backward()
    assert x.grad is not None


def chains(torch, repeats: int, inner: int) -> dict:
    print(f"\nchain of {N_OPS} elementwise ops, forward + backward; microseconds per op, "
          f"median [min–max] of {repeats} interleaved rounds of {inner} chains")
    cols = f"  {'shape':<10} {'numpy':<24} {'tinygrad_mlp':<24} {'tm.compile':<24}"
    if torch is not None:
        cols += f" {'torch':<24}"
    print(cols + " tm/numpy" + (" tm/torch compiled/torch" if torch is not None else ""))
    rng = np.random.default_rng(0)
    results = {}
    for shape in [(1,), (32, 100)]:
        x0, w0, b0 = (rng.standard_normal(shape).astype(np.float32) for _ in range(3))
        ref = chain_numpy(x0, w0, b0)
        compiled = compiled_chain_tm(x0, w0, b0)
        for _ in range(3):  # call 1 eager, call 2 records, call 3 replays
            for r, g in zip(ref, chain_tm(x0, w0, b0)):
                np.testing.assert_allclose(g, r, rtol=1e-4, atol=1e-6)
            for r, g in zip(chain_tm(x0, w0, b0), compiled()):
                np.testing.assert_array_equal(g, r)  # replay = eager, bit for bit
        sides = {"numpy": repeated(lambda: chain_numpy(x0, w0, b0), inner),
                 "tinygrad_mlp": repeated(lambda: chain_tm(x0, w0, b0), inner),
                 "tm.compile": repeated(compiled, inner)}
        if torch is not None:
            sides["torch"] = repeated(lambda: chain_torch(torch, x0, w0, b0), inner)
        for side in sides.values():  # warm-up, untimed
            side()
        times = interleaved(sides, repeats)
        per_op = {k: [t / inner / N_OPS for t in v] for k, v in times.items()}
        line = "  " + f"{str(shape):<10}" + "".join(
            f" {fmt(v, 1e6, 'µs'):<24}" for v in per_op.values())
        line += f" {ratio(per_op['tinygrad_mlp'], per_op['numpy']):>8.2f}"
        if torch is not None:
            line += f" {ratio(per_op['tinygrad_mlp'], per_op['torch']):>8.2f}"
            line += f" {ratio(per_op['tm.compile'], per_op['torch']):>15.2f}"
        print(line)
        results[str(shape)] = per_op
    return results


def long_chain_tm_collector_off(n: int) -> None:
    """The same, the cyclic garbage collector paused while the chain is built (to show
    its share: backward pauses it anyway; tinygrad_mlp never pauses it for the user)."""
    gc.disable()
    try:
        long_chain_tm(n)
    finally:
        gc.enable()


def long_chain_child(side: str, n: int, repeats: int) -> None:
    """Internal (--_long SIDE N R): R timed chains in a process of their own; prints
    TIMES t1 t2 ..."""
    gc.collect()
    if side == "torch":
        import torch

        torch.set_num_threads(1)
        fn = functools.partial(long_chain_torch, torch, n)
    else:
        fn = functools.partial(long_chain_tm, n)
    fn()  # warm-up, untimed
    times = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    print("TIMES", *times)


def own_processes(sides: list, n: int, repeats: int) -> dict:
    """Each side's chains in a fresh process per round, the sides taking turns."""
    times: dict = {side: [] for side in sides}
    for r in range(repeats):
        for i in range(len(sides)):
            side = sides[(r + i) % len(sides)]
            out = subprocess.run([sys.executable, __file__, "--_long", side, str(n), "1"],
                                 capture_output=True, text=True, check=True).stdout
            times[side] += [float(t) for t in out.split("TIMES")[-1].split()]
    return times


def long_chains(torch, n: int, repeats: int) -> dict:
    sides = {"tinygrad_mlp": lambda: long_chain_tm(n)}
    if torch is not None:
        sides["torch"] = lambda: long_chain_torch(torch, n)
    sides["tm, collector paused"] = lambda: long_chain_tm_collector_off(n)
    times = interleaved(sides, repeats)
    print(f"\n{n:,}-op chain built and backpropagated; seconds, median [min–max] of "
          f"{repeats} interleaved rounds")
    print("  in this process (PyTorch imported: Python's collector walks its objects too)")
    for side, t in times.items():
        print(f"  {side:<22} {fmt(t, digits=3)}")
    results = {"one process": times}
    if torch is not None:
        print(f"  tm/torch               {ratio(times['tinygrad_mlp'], times['torch']):.2f}"
              f"   (collector paused: "
              f"{ratio(times['tm, collector paused'], times['torch']):.2f})")
        own = own_processes(["tinygrad_mlp", "torch"], n, repeats)
        print("  each side in a process of its own (a fresh one per round)")
        for side, t in own.items():
            print(f"  {side:<22} {fmt(t, digits=3)}")
        print(f"  tm/torch               {ratio(own['tinygrad_mlp'], own['torch']):.2f}")
        results["own processes"] = own
    return results


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="few repeats, a 10,000-op chain")
    ap.add_argument("--repeats", type=int, default=None, help="rounds (default 9; 3 with --quick)")
    ap.add_argument("--_long", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._long:
        side, n, reps = args._long
        long_chain_child(side, int(n), int(reps))
        return {}
    repeats = args.repeats or (3 if args.quick else 9)
    inner = 3 if args.quick else 20
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:
        torch = None
    print(machine_header())
    results = {"chains": chains(torch, repeats, inner)}
    n = 10_000 if args.quick else 100_000
    results["long chain"] = long_chains(torch, n, 2 if args.quick else 5)
    gc.collect()
    return results


if __name__ == "__main__":
    main()
