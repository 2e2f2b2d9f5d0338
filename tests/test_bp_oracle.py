"""BP1–BP4 as an oracle for the autograd gradients of sigmoid MLPs (SPEC §4, SEEDS B).

The four backpropagation equations are written out by hand in NumPy below, in
mini-batch form (one example per row, so the column-vector formulas of the
book appear transposed):

    BP1  δᴸ = ∇ₐC ⊙ σ′(zᴸ)               (softmax + cross-entropy: δᴸ = ŷ − y)
    BP2  δˡ = ((wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)      rows: δˡ = (δˡ⁺¹ wˡ⁺¹) ⊙ σ′(zˡ)
    BP3  ∂C/∂bˡ = Σₓ δˣ,ˡ
    BP4  ∂C/∂wˡ = Σₓ δˣ,ˡ (aˣ,ˡ⁻¹)ᵀ        rows: (δˡ)ᵀ aˡ⁻¹

with w of shape (out, in) and z = a wᵀ + b, as in ``nn.Linear``.  The same net
is built from tinygrad_mlp Tensors in float64 and both must agree to 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor

TOL = 1e-10
COSTS = ["quadratic", "softmax_ce"]


# ---------------------------------------------------------- the hand-written oracle
def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    s = sigmoid(z)
    return s * (1.0 - s)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def backprop(weights, biases, x, y, cost):
    """(dC/dw, dC/db) per layer by BP1–BP4; x (m, n₀), y (m, n_L) targets/one-hot.

    Hidden layers are sigmoid; the output is sigmoid with C = ½Σ‖y − aᴸ‖² (quadratic)
    or softmax with C = −Σ y·log aᴸ (softmax_ce).  C is summed over the mini-batch.
    """
    activations, zs = [x], []
    for layer, (w, b) in enumerate(zip(weights, biases)):
        z = activations[-1] @ w.T + b
        zs.append(z)
        last = layer == len(weights) - 1
        activations.append(softmax(z) if last and cost == "softmax_ce" else sigmoid(z))
    a_out = activations[-1]
    if cost == "quadratic":
        delta = (a_out - y) * sigmoid_prime(zs[-1])  # BP1 with ∇ₐC = aᴸ − y
    else:
        delta = a_out - y  # BP1 for softmax + cross-entropy
    grad_w = [None] * len(weights)
    grad_b = [None] * len(weights)
    for layer in range(len(weights) - 1, -1, -1):
        grad_b[layer] = delta.sum(axis=0)  # BP3, summed over the batch
        grad_w[layer] = delta.T @ activations[layer]  # BP4, Σₓ δ aᵀ
        if layer:
            delta = (delta @ weights[layer]) * sigmoid_prime(zs[layer - 1])  # BP2
    return grad_w, grad_b


# --------------------------------------------------------------- the autograd side
def autograd_grads(weights, biases, x, y, labels, cost, reduction="sum"):
    ws = [Tensor(w, requires_grad=True) for w in weights]
    bs = [Tensor(b, requires_grad=True) for b in biases]
    a = Tensor(x)
    for layer, (w, b) in enumerate(zip(ws, bs)):
        z = F.linear(a, w, b)
        if layer < len(ws) - 1 or cost == "quadratic":
            a = z.sigmoid()
    if cost == "quadratic":
        diff = Tensor(y) - a
        loss = 0.5 * (diff * diff).sum()
        if reduction == "mean":
            loss = loss / x.shape[0]
    else:
        loss = F.cross_entropy(z, labels, reduction=reduction)
    loss.backward()
    assert loss.dtype == np.float64
    return [w.grad.numpy() for w in ws], [b.grad.numpy() for b in bs]


def make_problem(sizes, batch, cost, seed):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in zip(sizes, sizes[1:])]
    biases = [rng.standard_normal(n_out) for n_out in sizes[1:]]
    x = rng.standard_normal((batch, sizes[0]))
    labels = rng.integers(0, sizes[-1], size=batch)
    y = np.eye(sizes[-1])[labels] if cost == "softmax_ce" else rng.random((batch, sizes[-1]))
    return weights, biases, x, y, labels


def assert_agree(sizes, batch, cost, seed):
    weights, biases, x, y, labels = make_problem(sizes, batch, cost, seed)
    want_w, want_b = backprop(weights, biases, x, y, cost)
    got_w, got_b = autograd_grads(weights, biases, x, y, labels, cost)
    for layer, (gw, ww, gb, wb) in enumerate(zip(got_w, want_w, got_b, want_b)):
        assert gw.shape == ww.shape and gb.shape == wb.shape
        np.testing.assert_allclose(gw, ww, atol=TOL, rtol=TOL, err_msg=f"dC/dw, layer {layer}")
        np.testing.assert_allclose(gb, wb, atol=TOL, rtol=TOL, err_msg=f"dC/db, layer {layer}")


# --------------------------------------------------------------------------- tests
@pytest.mark.parametrize("cost", COSTS)
@pytest.mark.parametrize("n_layers", [2, 3, 4])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bp_equations_match_autograd(n_layers, cost, seed):
    """Layer sizes and batch size drawn from ``seed``; 2, 3 or 4 weight layers."""
    rng = np.random.default_rng(100 + seed)
    sizes = [int(n) for n in rng.integers(1, 9, size=n_layers + 1)]
    if cost == "softmax_ce":
        sizes[-1] = max(sizes[-1], 2)
    assert_agree(sizes, int(rng.integers(1, 11)), cost, seed)


@pytest.mark.parametrize("cost", COSTS)
def test_bp_equations_book_shapes(cost):
    """The book's [784, 30, 10] net on a mini-batch of 10."""
    assert_agree([784, 30, 10], 10, cost, seed=3)


@pytest.mark.parametrize("cost", COSTS)
def test_mean_reduction_is_the_sgd_average(cost):
    """SEEDS B: the update uses (1/m) Σₓ δ aᵀ; a 'mean' loss gives exactly that."""
    weights, biases, x, y, labels = make_problem([5, 4, 3], 6, cost, seed=4)
    want_w, want_b = backprop(weights, biases, x, y, cost)
    got_w, got_b = autograd_grads(weights, biases, x, y, labels, cost, reduction="mean")
    for gw, ww, gb, wb in zip(got_w, want_w, got_b, want_b):
        np.testing.assert_allclose(gw, ww / 6, atol=TOL, rtol=TOL)
        np.testing.assert_allclose(gb, wb / 6, atol=TOL, rtol=TOL)


def test_oracle_itself_matches_central_differences():
    """Guard the oracle: its dC/dw agrees with finite differences of the NumPy cost."""
    weights, biases, x, y, _ = make_problem([3, 4, 2], 5, "quadratic", seed=5)

    def cost(ws):
        a = x
        for w, b in zip(ws, biases):
            a = sigmoid(a @ w.T + b)
        return 0.5 * ((y - a) ** 2).sum()

    grad_w, _ = backprop(weights, biases, x, y, "quadratic")
    eps = 1e-6
    for layer, w in enumerate(weights):
        num = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            plus = [v.copy() for v in weights]
            minus = [v.copy() for v in weights]
            plus[layer][idx] += eps
            minus[layer][idx] -= eps
            num[idx] = (cost(plus) - cost(minus)) / (2 * eps)
        np.testing.assert_allclose(grad_w[layer], num, atol=1e-7, rtol=1e-6)


@settings(deadline=None)
@given(
    sizes=st.lists(st.integers(1, 7), min_size=3, max_size=5),
    batch=st.integers(1, 9),
    cost=st.sampled_from(COSTS),
    seed=st.integers(0, 2**32 - 1),
)
def test_bp_equations_match_autograd_hypothesis(sizes, batch, cost, seed):
    if cost == "softmax_ce":
        sizes = [*sizes[:-1], max(sizes[-1], 2)]
    assert_agree(sizes, batch, cost, seed)
