"""Training speed: one epoch of Fashion-MNIST, side by side, in one process.

Two settings, each trained from the same initial weights on the same batches:

* small batch — 784-100-10 sigmoid MLP, softmax cross-entropy, SGD lr 0.1, batch 32;
* large batch — 784-512-256-10 ReLU MLP, softmax cross-entropy, Adam lr 1e-3, batch 128.

Sides, each training the same network with the same optimizer:

* numpy        — written by hand as a careful person writes it: vectorised, idiomatic,
                 allocating as usual (forward, hand-derived backward, the optimizer);
* numpy (inpl) — the same with preallocated buffers per batch shape, ``out=`` everywhere
                 and an in-place optimizer: what allocation costs, and the floor NumPy sets;
* tinygrad_mlp — nn.Sequential of nn.Linear and nn.Sigmoid/nn.ReLU, F.cross_entropy,
                 optim.SGD/Adam: zero_grad, backward, step;
* tm.compile   — the same step under ``tm.compile`` (recorded once, then replayed; its
                 weights must equal tinygrad_mlp's bit for bit);
* torch        — the same in PyTorch, when installed (its thread count left as it is;
                 the header shows it).

The sides take turns (interleaved, the starting side rotating each round) for
``--repeats`` rounds.  Printed: the machine header, then per setting and side the
median seconds per epoch with [min–max], the ratio of medians to hand-written NumPy,
and the largest weight difference from it (and from PyTorch) after the epoch: all
sides compute the same thing; for SGD, tinygrad_mlp must agree to 1e-5.  Adam is
printed only: dividing by √v̂ amplifies float32 rounding, so a full epoch ends about
1e-1 apart (50 steps: 5e-3 between float32 and float64 NumPy by hand).  Then the peak memory of one
large-batch epoch, each side in a fresh subprocess under ``tracemalloc`` (NumPy
reports its buffers to it): started once the data is loaded and the initial weights
are built, so each side's own parameters, optimizer state, activations, gradients and
(for tinygrad_mlp) graph count; PyTorch's allocator is not traced, so it is left out.

    python benchmarks/train_speed.py                   # full epochs (a few minutes)
    python benchmarks/train_speed.py --quick           # 2,000 samples (seconds)
    python benchmarks/train_speed.py --setting large --repeats 9 --json out.json

Data: Fashion-MNIST from /usr/share/datasets/fashion-mnist (Debian's
``dataset-fashion-mnist``); without it, random data of the same shape.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tracemalloc

import numpy as np
from _bench import fmt, interleaved, machine_header, ratio, summarize

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn, optim

SETTINGS = {
    "small batch": dict(sizes=(784, 100, 10), act="sigmoid", opt="sgd", lr=0.1, batch=32),
    "large batch": dict(sizes=(784, 512, 256, 10), act="relu", opt="adam", lr=1e-3, batch=128),
}


def load_data(quick: bool):
    try:
        from tinygrad_mlp.data import load_fashion_mnist

        X, y = load_fashion_mnist(train=True)
        source = "Fashion-MNIST train"
    except (FileNotFoundError, OSError, ValueError):
        rng = np.random.default_rng(0)
        X = rng.random((60000, 784), dtype=np.float32)
        y = rng.integers(0, 10, 60000)
        source = "random data (Fashion-MNIST not installed)"
    X = np.ascontiguousarray(X.reshape(len(X), -1), dtype=np.float32)
    if quick:
        X, y = X[:2000], y[:2000]
    return X, y.astype(np.int64), source


def init_weights(sizes, seed=0):
    """PyTorch's default Linear init, U(−1/√in, 1/√in), as float32 arrays (W (out, in), b)."""
    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(n_in)
        params.append(rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, n_out).astype(np.float32))
    return params


def batches(n: int, batch: int, seed=1):
    order = np.random.default_rng(seed).permutation(n)
    return [order[i:i + batch] for i in range(0, n, batch)]


# ----------------------------------------------------------------- NumPy by hand
class NumpySGD:
    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self, grads):
        for p, g in zip(self.params, grads):
            p -= self.lr * g


class NumpyAdam:
    def __init__(self, params, lr, b1=0.9, b2=0.999, eps=1e-8):
        self.params, self.lr, self.b1, self.b2, self.eps = params, lr, b1, b2, eps
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        """Adam with bias correction, in place (no temporaries beyond one per parameter)."""
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            m *= self.b1
            m += (1 - self.b1) * g
            v *= self.b2
            tmp = g * g
            tmp *= 1 - self.b2
            v += tmp
            np.sqrt(v, out=tmp)  # tmp ← √v̂ + eps, then the step
            tmp /= np.sqrt(c2)
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= self.lr / c1
            p -= tmp


def train_numpy(params, X, y, setting, order):
    act = setting["act"]
    opt = (NumpySGD if setting["opt"] == "sgd" else NumpyAdam)(params, setting["lr"])
    n_layers = len(params) // 2
    for idx in order:
        xb, yb = X[idx], y[idx]
        acts, a = [xb], xb
        for k in range(n_layers):
            z = a @ params[2 * k].T + params[2 * k + 1]
            if k < n_layers - 1:
                a = 1 / (1 + np.exp(-z)) if act == "sigmoid" else np.maximum(z, 0)
                acts.append(a)
            else:
                a = z
        z = a - a.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        rows = np.arange(len(yb))
        loss = -np.log(p[rows, yb]).mean()  # the loss a training loop reports  # noqa: F841
        p[rows, yb] -= 1
        delta = p / len(yb)  # δᴸ = softmax − one-hot, averaged over the batch
        grads = [None] * len(params)
        for k in reversed(range(n_layers)):
            grads[2 * k] = delta.T @ acts[k]  # BP4
            grads[2 * k + 1] = delta.sum(axis=0)  # BP3
            if k > 0:
                a_prev = acts[k]
                deriv = a_prev * (1 - a_prev) if act == "sigmoid" else (a_prev > 0)
                delta = (delta @ params[2 * k]) * deriv  # BP2
        opt.step(grads)
    return params


# ------------------------------------------------------------ NumPy in place
class InplaceNumpy:
    """The hand-written network with every buffer preallocated and reused.

    Forward, loss, backward and the optimizer write through ``out=`` into arrays made
    once, for the first batch (a smaller last batch uses views of them): activations
    (reused for δ of the output layer), δ and a scratch array for each hidden layer, the
    gradients, the optimizer's state and one scratch array for its step.
    """

    def __init__(self, params, setting):
        self.params, self.act, self.opt = params, setting["act"], setting["opt"]
        self.lr, self.b1, self.b2, self.eps, self.t = setting["lr"], 0.9, 0.999, 1e-8, 0
        self.grads = [np.empty_like(p) for p in params]
        # one scratch array, as large as the largest parameter, viewed per parameter
        flat = np.empty(max(p.size for p in params), np.float32)
        self.scratch = [flat[:p.size].reshape(p.shape) for p in params]
        if self.opt == "adam":
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.n_layers = len(params) // 2
        self.widths = [params[2 * k].shape[0] for k in range(self.n_layers)]
        self.by_size: dict[int, dict] = {}

    def buffers(self, n: int, n_in: int) -> dict:
        """Arrays for a batch of n: made once for the first (largest) batch, then viewed.

        The first n rows of a C-contiguous array are C-contiguous, so a smaller last
        batch writes through ``out=`` into views of the same memory.
        """
        if n not in self.by_size:
            if not self.by_size:
                self.full = dict(
                    x=np.empty((n, n_in), np.float32),
                    a=[np.empty((n, w), np.float32) for w in self.widths],
                    delta=[np.empty((n, w), np.float32) for w in self.widths[:-1]],
                    tmp=[np.empty((n, w), np.float32) for w in self.widths[:-1]],
                    row=np.empty((n, 1), np.float32),
                    rows=np.arange(n))
            self.by_size[n] = {k: [a[:n] for a in v] if isinstance(v, list) else v[:n]
                               for k, v in self.full.items()}
        return self.by_size[n]

    def forward(self, buf):
        a_prev = buf["x"]
        for k in range(self.n_layers):
            z = buf["a"][k]
            np.matmul(a_prev, self.params[2 * k].T, out=z)
            z += self.params[2 * k + 1]
            if k < self.n_layers - 1:
                if self.act == "sigmoid":  # 1 / (1 + exp(−z)), in place
                    np.negative(z, out=z)
                    np.exp(z, out=z)
                    z += 1
                    np.reciprocal(z, out=z)
                else:
                    np.maximum(z, 0, out=z)
            a_prev = z
        return a_prev

    def loss_and_delta(self, logits, yb, buf):
        """Softmax in place, the loss, then δᴸ = (softmax − one-hot) / n in the same array."""
        row, rows = buf["row"], buf["rows"]
        np.max(logits, axis=1, keepdims=True, out=row)
        logits -= row
        np.exp(logits, out=logits)
        np.sum(logits, axis=1, keepdims=True, out=row)
        logits /= row
        loss = -np.log(logits[rows, yb]).mean()  # the loss a training loop reports
        logits[rows, yb] -= 1
        logits /= len(yb)
        return loss

    def backward(self, buf):
        delta = buf["a"][-1]
        for k in reversed(range(self.n_layers)):
            a_in = buf["a"][k - 1] if k > 0 else buf["x"]
            np.matmul(delta.T, a_in, out=self.grads[2 * k])  # BP4
            np.sum(delta, axis=0, out=self.grads[2 * k + 1])  # BP3
            if k > 0:
                d_prev, tmp = buf["delta"][k - 1], buf["tmp"][k - 1]
                np.matmul(delta, self.params[2 * k], out=d_prev)  # BP2
                if self.act == "sigmoid":  # σ' = a (1 − a)
                    np.subtract(1, a_in, out=tmp)
                    tmp *= a_in
                else:  # ReLU' = [a > 0]
                    np.greater(a_in, 0, out=tmp)
                d_prev *= tmp
                delta = d_prev

    def step(self):
        if self.opt == "sgd":
            for p, g in zip(self.params, self.grads):
                g *= self.lr
                p -= g
            return
        self.t += 1
        c1, c2 = 1 - self.b1**self.t, 1 - self.b2**self.t
        for p, g, m, v, tmp in zip(self.params, self.grads, self.m, self.v, self.scratch):
            m *= self.b1
            np.multiply(g, 1 - self.b1, out=tmp)
            m += tmp
            v *= self.b2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - self.b2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp /= np.sqrt(c2)
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= self.lr / c1
            p -= tmp


def train_numpy_inplace(params, X, y, setting, order):
    net = InplaceNumpy(params, setting)
    for idx in order:
        buf = net.buffers(len(idx), X.shape[1])
        np.take(X, idx, axis=0, out=buf["x"])
        logits = net.forward(buf)
        net.loss_and_delta(logits, y[idx], buf)
        net.backward(buf)
        net.step()
    return params


# --------------------------------------------------------------- tinygrad_mlp
def build_tm(params, setting):
    layers = []
    n_layers = len(params) // 2
    for k in range(n_layers):
        lin = nn.Linear(params[2 * k].shape[1], params[2 * k].shape[0])
        lin.weight.data[...] = params[2 * k]
        lin.bias.data[...] = params[2 * k + 1]
        layers.append(lin)
        if k < n_layers - 1:
            layers.append(nn.Sigmoid() if setting["act"] == "sigmoid" else nn.ReLU())
    return nn.Sequential(*layers)


def train_tm(params, X, y, setting, order, compiled=False):
    """The PyTorch-style loop; ``compiled``: the same step under ``tm.compile`` (recorded
    on its second call, replayed after; a last, smaller batch runs eagerly)."""
    model = build_tm(params, setting)
    if setting["opt"] == "sgd":
        opt = optim.SGD(model.parameters(), lr=setting["lr"])
    else:
        opt = optim.Adam(model.parameters(), lr=setting["lr"])

    def step(xb, yb):
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    if compiled:
        step = tm.compile(step, warn=False)
    for idx in order:
        step(tm.from_numpy(X[idx]), y[idx])
    return [p.data for p in model.parameters()]


# -------------------------------------------------------------------- PyTorch
def train_torch(torch, params, X, y, setting, order):
    layers = []
    n_layers = len(params) // 2
    for k in range(n_layers):
        lin = torch.nn.Linear(params[2 * k].shape[1], params[2 * k].shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(params[2 * k]))
            lin.bias.copy_(torch.from_numpy(params[2 * k + 1]))
        layers.append(lin)
        if k < n_layers - 1:
            layers.append(torch.nn.Sigmoid() if setting["act"] == "sigmoid" else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    if setting["opt"] == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=setting["lr"])
    else:
        opt = torch.optim.Adam(model.parameters(), lr=setting["lr"])
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for idx in order:
        it = torch.from_numpy(idx)
        loss = torch.nn.functional.cross_entropy(model(Xt[it]), yt[it])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return [p.detach().numpy() for p in model.parameters()]


# ------------------------------------------------------------------ the run
SIDES = ("numpy", "numpy (inpl)", "tinygrad_mlp", "tm.compile", "torch")


def trainers(torch):
    """Side name → train(params, X, y, setting, order) returning the trained weights."""
    out = {"numpy": lambda init, *a: train_numpy([p.copy() for p in init], *a),
           "numpy (inpl)": lambda init, *a: train_numpy_inplace([p.copy() for p in init], *a),
           "tinygrad_mlp": train_tm,
           "tm.compile": lambda *a: train_tm(*a, compiled=True)}
    if torch is not None:
        out["torch"] = lambda *a: train_torch(torch, *a)
    return out


def describe(name: str, setting: dict) -> str:
    sizes = "-".join(map(str, setting["sizes"]))
    opt = {"sgd": "SGD", "adam": "Adam"}[setting["opt"]]
    return f"{name}: {sizes} {setting['act']}, {opt} lr {setting['lr']:g}, batch {setting['batch']}"


def max_diff(ws, vs) -> float:
    return max(float(np.abs(a - b).max()) for a, b in zip(ws, vs))


def run_setting(name, setting, X, y, repeats, torch) -> dict:
    init = init_weights(setting["sizes"])
    order = batches(len(X), setting["batch"])
    results: dict[str, list] = {}

    def side(train, key):
        def call():
            results[key] = train(init, X, y, setting, order)
        return call

    sides = {key: side(train, key) for key, train in trainers(torch).items()}
    for train in trainers(torch).values():  # warm-up, untimed: first-call costs are not an epoch's
        train(init, X, y, setting, order[:3])
    times = interleaved(sides, repeats)
    w_np, w_pt = results["numpy"], results.get("torch")
    rows = {}
    for key, t in times.items():
        med, lo, hi = summarize(t)
        rows[key] = dict(times=t, median=med, min=lo, max=hi, ratio=ratio(t, times["numpy"]),
                         max_dw=max_diff(w_np, results[key]))
        if w_pt is not None:
            rows[key]["max_dw_torch"] = max_diff(w_pt, results[key])
    if setting["opt"] == "sgd":
        assert rows["tinygrad_mlp"]["max_dw"] <= 1e-5, rows["tinygrad_mlp"]["max_dw"]
    # tm.compile replays eager mode's arithmetic: the weights must be the very same.
    assert all(np.array_equal(a, b) for a, b in zip(results["tinygrad_mlp"],
                                                    results["tm.compile"]))
    print(f"\n{describe(name, setting)}; {len(order):,} batches")
    print(f"  {'side':<14} {'seconds: median [min–max]':<28} {'ratio':>6}  max |Δw| vs numpy"
          + ("  vs torch" if w_pt is not None else ""))
    for key, r in rows.items():
        print(f"  {key:<14} {fmt(r['times'], digits=3):<28} {r['ratio']:>6.2f}  "
              f"{r['max_dw']:<17.1e}" + (f"  {r['max_dw_torch']:.1e}" if w_pt is not None else ""))
    return rows


# --------------------------------------------------------------- peak memory
PEAK_SIDES = ("numpy", "numpy (inpl)", "tinygrad_mlp", "tm.compile")


def peak_child(side: str, quick: bool) -> None:
    """Internal (--_peak SIDE): one large-batch epoch under tracemalloc; prints PEAK <bytes>."""
    X, y, _ = load_data(quick)
    setting = SETTINGS["large batch"]
    init = init_weights(setting["sizes"])
    order = batches(len(X), setting["batch"])
    train = trainers(None)[side]
    # Modules a side loads lazily are imported first (tinygrad_mlp's short axpy calls
    # SciPy's BLAS wrappers: about 10 MB of module code for tracemalloc): the peak is
    # that of the epoch's arrays and objects, not of loading code.
    tm.blas.axpy(-1.0, np.ones(2, np.float32), np.ones(2, np.float32))
    tracemalloc.start()
    train(init, X, y, setting, order)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"PEAK {peak}")


def peak_memory(quick: bool) -> dict:
    peaks = {}
    for side in PEAK_SIDES:
        cmd = [sys.executable, __file__, "--_peak", side] + (["--quick"] if quick else [])
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        peaks[side] = int(out.split("PEAK")[-1].split()[0])
    print("\npeak memory of one large-batch epoch (tracemalloc, a fresh process per side)")
    print(f"  {'side':<14} {'peak MB':>8} {'ratio':>6}")
    for side, peak in peaks.items():
        print(f"  {side:<14} {peak / 1e6:>8.2f} {peak / peaks['numpy']:>6.2f}")
    return {side: dict(bytes=b, ratio=b / peaks["numpy"]) for side, b in peaks.items()}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 samples, two repeats")
    ap.add_argument("--repeats", type=int, default=None, help="rounds (default 5; 2 with --quick)")
    ap.add_argument("--setting", choices=("small", "large", "all"), default="all")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--_peak", metavar="SIDE", choices=PEAK_SIDES, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._peak:
        peak_child(args._peak, args.quick)
        return {}
    repeats = args.repeats or (2 if args.quick else 5)
    try:
        import torch
    except ImportError:
        torch = None
    header = machine_header()
    print(header)
    X, y, source = load_data(args.quick)
    print(f"\none epoch of {len(X):,} samples of {source}; {repeats} interleaved rounds; "
          f"ratio = median / median of hand-written NumPy")
    wanted = [n for n in SETTINGS if args.setting == "all" or n.startswith(args.setting)]
    results = {"header": header, "data": source, "samples": len(X), "repeats": repeats,
               "settings": {name: run_setting(name, SETTINGS[name], X, y, repeats, torch)
                            for name in wanted}}
    if "large batch" in wanted:
        results["peak_memory"] = peak_memory(args.quick)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == "__main__":
    main()
