"""Gradients of the random and stateful layers against central differences (float64,
hypothesis): dropout masks are fixed by reseeding inside the function, so each call
draws the same mask; BatchNorm1d and LayerNorm as modules, parameters included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn
from tinygrad_mlp import testing as tmt
from tinygrad_mlp.testing import assert_grad_matches_numeric


def _seeded(fn, seed: int):
    def run(*xs):
        tm.manual_seed(seed)
        return fn(*xs)
    return run


@settings(max_examples=15)
@given(x=tmt.arrays(tmt.shapes(min_dims=1)), p=st.sampled_from([0.0, 0.2, 0.5, 0.9]),
       seed=st.integers(0, 1000))
def test_dropout_and_alpha_dropout_gradients(x, p, seed):
    assert_grad_matches_numeric(_seeded(lambda t: F.dropout(t, p), seed), x)
    assert_grad_matches_numeric(_seeded(lambda t: F.alpha_dropout(t, p, training=True), seed),
                                x)


@settings(max_examples=15)
@given(data=st.data())
def test_batchnorm_and_layernorm_modules_gradients(data):
    n, c = data.draw(st.integers(2, 5)), data.draw(st.integers(1, 4))
    shape = data.draw(st.sampled_from([(n, c), (n, c, 3)]))
    x = data.draw(tmt.arrays(shape), label="x")
    if np.ptp(x.reshape(n, c, -1).transpose(1, 0, 2).reshape(c, -1), axis=1).min() < 1e-3:
        return  # a constant channel: x̂ is 0/0-sensitive there, no useful gradient to check
    bn = nn.BatchNorm1d(c, momentum=None).double()
    bn.weight.data[...] = np.linspace(0.5, 2, c)
    assert_grad_matches_numeric(lambda t: bn(t), x)
    xt = tm.Tensor(x)  # the parameters, perturbed in place by the check
    assert_grad_matches_numeric(lambda w, b: bn(xt), bn.weight, bn.bias)
    bn.eval()
    assert_grad_matches_numeric(lambda t, w, b: bn(t), x, bn.weight, bn.bias)
    ln = nn.LayerNorm(shape[1:]).double()
    if np.ptp(x.reshape(n, -1), axis=1).min() < 1e-3:
        return
    assert_grad_matches_numeric(lambda x: ln(x), x)


def _t64(rng, *shape):
    return tm.Tensor(rng.standard_normal(shape), requires_grad=True)


def test_second_derivatives_of_the_fused_layer_and_loss_nodes():
    """create_graph=True records the backward of the fused nodes (gradgradcheck)."""
    rng = np.random.default_rng(0)
    x, w, b = _t64(rng, 5, 3), _t64(rng, 3), _t64(rng, 3)
    probs = tm.Tensor(rng.uniform(0, 1, (5, 3)), requires_grad=True)
    labels = np.array([0, 2, 1, 1, 0])
    weight = tm.Tensor([0.5, 2.0, 1.0])
    cases = {
        "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                       (x, w, b)),
        "layer_norm": (lambda x, w, b: F.layer_norm(x, (3,), w, b), (x, w, b)),
        "cross_entropy.weight_smooth": (lambda x: F.cross_entropy(
            x, labels, weight=weight, label_smoothing=0.2), (x,)),
        "cross_entropy.probs": (lambda x, t: F.cross_entropy(x, t), (x, probs)),
        "bce_with_logits.pos_weight": (lambda x, t: F.binary_cross_entropy_with_logits(
            x, t, pos_weight=tm.Tensor([2.0, 0.5, 1.0])), (x, probs)),
        "nll_loss.weight": (lambda x: F.nll_loss(x, labels, weight=weight), (x,)),
        "pairwise_distance": (lambda a, b: F.pairwise_distance(a, b, p=3), (x, probs)),
        "embedding": (lambda w: F.embedding(np.array([1, 1, 0]), w) ** 2, (w.reshape(3, 1)
                                                                        .detach(),)),
    }
    for name, (fn, inputs) in cases.items():
        inputs = tuple(t if t.requires_grad else tm.Tensor(t.numpy(), requires_grad=True)
                       for t in inputs)
        assert tm.gradgradcheck(fn, inputs), name
