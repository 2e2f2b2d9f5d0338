"""Training speed: one epoch of Fashion-MNIST, side by side, in one process.

Two settings, each trained from the same initial weights on the same batches:

* small batch — 784-100-10 sigmoid MLP, softmax cross-entropy, SGD lr 0.1, batch 32;
* large batch — 784-512-256-10 ReLU MLP, softmax cross-entropy, Adam lr 1e-3, batch 128.

Each is run by tinygrad_mlp, by the same network written by hand in NumPy
(forward, hand-derived backward, the same optimizer), and by PyTorch when
installed.  Printed: seconds per epoch (best of ``--repeats``), the ratio to
NumPy, and the largest weight difference after the epoch (the three must
compute the same thing).

    python benchmarks/train_speed.py             # full epochs (about a minute)
    python benchmarks/train_speed.py --quick     # 2,000 samples (seconds)

Data: Fashion-MNIST from /usr/share/datasets/fashion-mnist (Debian's
``dataset-fashion-mnist``); without it, random data of the same shape.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

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


def train_tm(params, X, y, setting, order):
    model = build_tm(params, setting)
    if setting["opt"] == "sgd":
        opt = optim.SGD(model.parameters(), lr=setting["lr"])
    else:
        opt = optim.Adam(model.parameters(), lr=setting["lr"])
    for idx in order:
        xb, yb = tm.from_numpy(X[idx]), y[idx]
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
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


def timed(fn, repeats: int):
    best, result = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2,000 samples, one repeat")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    repeats = 1 if args.quick else args.repeats
    try:
        import torch
    except ImportError:
        torch = None
    X, y, source = load_data(args.quick)
    print(f"one epoch of {len(X):,} samples of {source}; seconds (best of {repeats}); "
          f"ratio = time / hand-written NumPy")
    header = f"{'setting':<12} {'numpy':>7} {'tinygrad_mlp':>13} {'ratio':>6}"
    if torch is not None:
        header += f" {'torch':>7} {'ratio':>6}"
    print(header + "   max |Δw| vs numpy: tm" + ("  torch" if torch is not None else ""))
    for name, setting in SETTINGS.items():
        init = init_weights(setting["sizes"])
        order = batches(len(X), setting["batch"])
        t_np, w_np = timed(lambda: train_numpy([p.copy() for p in init], X, y, setting, order),
                           repeats)
        t_tm, w_tm = timed(lambda: train_tm(init, X, y, setting, order), repeats)
        diff_tm = max(float(np.abs(a - b).max()) for a, b in zip(w_np, w_tm))
        line = f"{name:<12} {t_np:>7.2f} {t_tm:>13.2f} {t_tm / t_np:>6.2f}"
        tail = f"   {diff_tm:.1e}"
        if torch is not None:
            t_pt, w_pt = timed(lambda: train_torch(torch, init, X, y, setting, order), repeats)
            line += f" {t_pt:>7.2f} {t_pt / t_np:>6.2f}"
            tail += f"  {max(float(np.abs(a - b).max()) for a, b in zip(w_np, w_pt)):.1e}"
        print(line + tail)


if __name__ == "__main__":
    main()
