"""One SGD epoch agrees with PyTorch to 1e-6 in every weight, eager and under tm.compile.

The small-batch setting of benchmarks/train_speed.py (784-100-10 sigmoid, softmax
cross-entropy, SGD lr 0.1, batch 32), on 10,000 seeded random images, from the
same initial weights and batches.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn, optim

torch = pytest.importorskip("torch")


def _setup(n=10_000, batch=32, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    params = []
    for n_in, n_out in ((784, 100), (100, 10)):
        bound = 1 / np.sqrt(n_in)
        params += [rng.uniform(-bound, bound, (n_out, n_in)).astype(np.float32),
                   rng.uniform(-bound, bound, n_out).astype(np.float32)]
    order = rng.permutation(n)
    return X, y, params, [order[i:i + batch] for i in range(0, n, batch)]


def _epoch_tm(X, y, params, batches, compiled):
    model = nn.Sequential(nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 10))
    for p, v in zip(model.parameters(), params):
        p.data[...] = v
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step(xb, yb):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    f = tm.compile(step, warn=False) if compiled else step
    for idx in batches:
        f(tm.from_numpy(X[idx]), y[idx])
    if compiled:
        assert f.replays == len(batches) - 3  # warm-up, recording, and the last short batch
    return [p.data for p in model.parameters()]


def _epoch_torch(X, y, params, batches):
    model = torch.nn.Sequential(torch.nn.Linear(784, 100), torch.nn.Sigmoid(),
                                torch.nn.Linear(100, 10))
    with torch.no_grad():
        for p, v in zip(model.parameters(), params):
            p.copy_(torch.from_numpy(v))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    for idx in batches:
        it = torch.from_numpy(idx)
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(Xt[it]), yt[it]).backward()
        opt.step()
    return [p.detach().numpy() for p in model.parameters()]


def test_one_sgd_epoch_matches_pytorch_to_1e_6():
    X, y, params, batches = _setup()
    ref = _epoch_torch(X, y, params, batches)
    eager = _epoch_tm(X, y, params, batches, compiled=False)
    replayed = _epoch_tm(X, y, params, batches, compiled=True)
    for w_ref, w_eager, w_replayed in zip(ref, eager, replayed):
        assert np.abs(w_eager - w_ref).max() <= 1e-6
        np.testing.assert_array_equal(w_replayed, w_eager)
