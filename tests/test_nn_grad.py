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
