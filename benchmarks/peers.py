"""tinygrad_mlp beside other autograd frameworks on NumPy, rerun on this machine.

Frameworks, each when importable (otherwise the reason is printed, in one line, and
the run goes on): MyGrad (``mygrad``), HIPS autograd (``autograd``: ``autograd.numpy``
and ``autograd.grad``), DeZero (``dezero``; its releases use ``np.int`` and so fail to
import on NumPy 2), and PyTorch for scale.  Two workloads:

* the chain of overhead.py: 200 elementwise ops on shape (1,) — ``x · w``, ``+ b``,
  ``tanh``, ``sigmoid``, 50 times — then ``sum`` and backward to x, w and b; microseconds
  per op (autograd has no sigmoid: it gets one as a primitive with its VJP, so that it
  too runs 200 ops);
* small-batch MLP training as in train_speed.py — 784-100-10 sigmoid, softmax
  cross-entropy, SGD lr 0.1, batch 32 — over the first 300 batches (9,600 samples) of
  the same shuffled epoch from the same weights; seconds, and the largest weight
  difference from the NumPy-by-hand version after them.

The sides take turns (interleaved, the starting side rotating each round) after one
untimed warm-up; printed after the machine header: median [min–max] and the ratio of
medians to tinygrad_mlp (above 1: slower than tinygrad_mlp).

    python benchmarks/peers.py            # about a minute
    python benchmarks/peers.py --quick    # 50 batches, few rounds (smoke test)
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata

import numpy as np
from _bench import fmt, interleaved, machine_header, ratio
from train_speed import SETTINGS, batches, init_weights, load_data, train_numpy, train_tm

import tinygrad_mlp as tm

N_OPS = 200
PEERS = ("mygrad", "autograd", "dezero", "torch")


def import_peers() -> dict:
    """Name → module, or the one-line reason it cannot be imported."""
    found = {}
    for name in PEERS:
        try:
            found[name] = importlib.import_module(name)
        except Exception as e:  # DeZero on NumPy 2 raises AttributeError, not ImportError
            first = str(e).strip().splitlines()[0] if str(e).strip() else ""
            found[name] = f"{type(e).__name__}: {first}"
    return found


def version(name: str, mod) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return getattr(mod, "__version__", "?")


# -------------------------------------------------------------------- the chain
def chain_tm(x0, w0, b0):
    x, w, b = (tm.from_numpy(a).requires_grad_() for a in (x0, w0, b0))
    h = x
    for _ in range(N_OPS // 4):
        h = (h * w + b).tanh().sigmoid()
    h.sum().backward()
    return x.grad.data, w.grad.data, b.grad.data


def chain_mygrad(mg, x0, w0, b0):
    x, w, b = (mg.tensor(a) for a in (x0, w0, b0))
    h = x
    for _ in range(N_OPS // 4):
        h = mg.nnet.sigmoid(mg.tanh(h * w + b))
    h.sum().backward()
    return x.grad, w.grad, b.grad


def autograd_sigmoid():
    """σ as an autograd primitive with its VJP (autograd.numpy has none)."""
    from autograd.extend import defvjp, primitive

    @primitive
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    defvjp(sigmoid, lambda ans, z: lambda g: g * ans * (1 - ans))
    return sigmoid


def make_chain_autograd(autograd):
    anp, sigmoid = autograd.numpy, autograd_sigmoid()

    def f(x, w, b):
        h = x
        for _ in range(N_OPS // 4):
            h = sigmoid(anp.tanh(h * w + b))
        return anp.sum(h)

    return autograd.grad(f, argnum=(0, 1, 2))


def chain_dezero(dezero, x0, w0, b0):
    Fd = dezero.functions
    x, w, b = (dezero.Variable(a) for a in (x0, w0, b0))
    h = x
    for _ in range(N_OPS // 4):
        h = Fd.sigmoid(Fd.tanh(h * w + b))
    Fd.sum(h).backward()
    return x.grad.data, w.grad.data, b.grad.data


def chain_torch(torch, x0, w0, b0):
    x, w, b = (torch.from_numpy(a).requires_grad_() for a in (x0, w0, b0))
    h = x
    for _ in range(N_OPS // 4):
        h = torch.sigmoid(torch.tanh(h * w + b))
    h.sum().backward()
    return x.grad.numpy(), w.grad.numpy(), b.grad.numpy()


def chain_sides(mods) -> dict:
    sides = {"tinygrad_mlp": chain_tm}
    if not isinstance(mods["mygrad"], str):
        sides["mygrad"] = lambda *a: chain_mygrad(mods["mygrad"], *a)
    if not isinstance(mods["autograd"], str):
        sides["autograd"] = make_chain_autograd(mods["autograd"])
    if not isinstance(mods["dezero"], str):
        sides["dezero"] = lambda *a: chain_dezero(mods["dezero"], *a)
    if not isinstance(mods["torch"], str):
        sides["torch"] = lambda *a: chain_torch(mods["torch"], *a)
    return sides


# ------------------------------------------------------------- MLP training
def sgd_mlp_mygrad(mg, params, X, y, setting, order):
    ps = [mg.tensor(p.copy()) for p in params]
    for idx in order:
        h = X[idx]
        for k in range(len(ps) // 2):
            h = mg.matmul(h, ps[2 * k].T) + ps[2 * k + 1]
            if k < len(ps) // 2 - 1:
                h = mg.nnet.sigmoid(h)
        loss = mg.nnet.softmax_crossentropy(h, y[idx])
        loss.backward()
        for p in ps:
            p.data -= setting["lr"] * p.grad
    return [p.data for p in ps]


def make_sgd_mlp_autograd(autograd):
    anp, sigmoid = autograd.numpy, autograd_sigmoid()

    def loss(ps, xb, yb):
        h = xb
        for k in range(len(ps) // 2):
            h = anp.dot(h, ps[2 * k].T) + ps[2 * k + 1]
            if k < len(ps) // 2 - 1:
                h = sigmoid(h)
        z = h - anp.max(h, axis=1, keepdims=True)
        logp = z - anp.log(anp.sum(anp.exp(z), axis=1, keepdims=True))
        return -anp.mean(logp[np.arange(len(yb)), yb])

    grad = autograd.grad(loss)

    def train(params, X, y, setting, order):
        ps = [p.copy() for p in params]
        for idx in order:
            gs = grad(ps, X[idx], y[idx])
            ps = [p - setting["lr"] * g for p, g in zip(ps, gs)]
        return ps

    return train


def sgd_mlp_dezero(dezero, params, X, y, setting, order):
    Fd = dezero.functions
    ps = [dezero.Parameter(p.copy()) for p in params]
    for idx in order:
        h = dezero.Variable(X[idx])
        for k in range(len(ps) // 2):
            h = Fd.linear(h, Fd.transpose(ps[2 * k]), ps[2 * k + 1])
            if k < len(ps) // 2 - 1:
                h = Fd.sigmoid(h)
        loss = Fd.softmax_cross_entropy(h, y[idx])
        for p in ps:
            p.cleargrad()
        loss.backward()
        for p in ps:
            p.data -= setting["lr"] * p.grad.data
    return [p.data for p in ps]


def mlp_sides(mods) -> dict:
    from train_speed import train_torch

    sides = {"numpy": lambda init, *a: train_numpy([p.copy() for p in init], *a),
             "tinygrad_mlp": train_tm}
    if not isinstance(mods["mygrad"], str):
        sides["mygrad"] = lambda *a: sgd_mlp_mygrad(mods["mygrad"], *a)
    if not isinstance(mods["autograd"], str):
        sides["autograd"] = make_sgd_mlp_autograd(mods["autograd"])
    if not isinstance(mods["dezero"], str):
        sides["dezero"] = lambda *a: sgd_mlp_dezero(mods["dezero"], *a)
    if not isinstance(mods["torch"], str):
        sides["torch"] = lambda *a: train_torch(mods["torch"], *a)
    return sides


# ------------------------------------------------------------------ the run
def guarded(sides: dict, args: tuple) -> tuple[dict, dict]:
    """Run each side once (the warm-up); drop a side that raises, keeping its error."""
    results, failed = {}, {}
    for name, fn in list(sides.items()):
        try:
            results[name] = fn(*args)
        except Exception as e:
            failed[name] = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e) else ''}"
            del sides[name]
    return results, failed


def timed_table(sides, args, repeats, scale, unit, ref, ref_results) -> dict:
    results, failed = guarded(sides, args)
    out: dict[str, object] = {}

    def call(name):
        def run():
            out[name] = sides[name](*args)
        return run

    times = interleaved({name: call(name) for name in sides}, repeats)
    print(f"  {'side':<14} {unit + ': median [min–max]':<30} {'ratio':>6}  max |Δ| vs {ref}")
    for name, t in times.items():
        diff = max(float(np.abs(np.asarray(a) - b).max()) for a, b in zip(out[name], ref_results))
        print(f"  {name:<14} {fmt([v * scale for v in t], 1.0, unit, 3):<30} "
              f"{ratio(t, times['tinygrad_mlp']):>6.2f}  {diff:.1e}")
    for name, why in failed.items():
        print(f"  {name:<14} failed: {why}")
    return times


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="50 batches, few rounds")
    ap.add_argument("--repeats", type=int, default=None, help="rounds (default 5; 2 with --quick)")
    args = ap.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    mods = import_peers()
    print(machine_header())
    print()
    for name, mod in mods.items():
        print(f"{name + ':':<10} " + (mod if isinstance(mod, str) else version(name, mod)))

    inner = 3 if args.quick else 20
    rng = np.random.default_rng(0)
    x0, w0, b0 = (rng.standard_normal((1,)).astype(np.float32) for _ in range(3))
    ref = chain_tm(x0, w0, b0)
    sides = {name: (lambda fn: lambda: [fn(x0, w0, b0) for _ in range(inner)][-1])(fn)
             for name, fn in chain_sides(mods).items()}
    print(f"\nchain of {N_OPS} ops on shape (1,), forward + backward; µs per op, "
          f"{repeats} interleaved rounds of {inner} chains; ratio = median / tinygrad_mlp's")
    chain = timed_table(sides, (), repeats, 1e6 / inner / N_OPS, "µs", "tinygrad_mlp", ref)

    setting = SETTINGS["small batch"]
    n_batches = 50 if args.quick else 300
    X, y, source = load_data(quick=False)
    order = batches(len(X), setting["batch"])[:n_batches]
    init = init_weights(setting["sizes"])
    ref_w = train_numpy([p.copy() for p in init], X, y, setting, order)
    print(f"\nsmall-batch MLP ({source}): 784-100-10 sigmoid, SGD lr 0.1, batch 32, the first "
          f"{n_batches} batches; seconds, {repeats} interleaved rounds; "
          f"ratio = median / tinygrad_mlp's")
    mlp = timed_table(mlp_sides(mods), (init, X, y, setting, order), repeats, 1.0, "s",
                      "numpy", ref_w)
    return {"chain": chain, "mlp": mlp}


if __name__ == "__main__":
    main()
