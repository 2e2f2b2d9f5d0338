"""nn.utils: clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters,
against torch.nn.utils where torch is installed, and by their definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_mlp as tm
from tinygrad_mlp import nn
from tinygrad_mlp.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)

SHAPES = [(3, 4), (5,), (2, 1)]


def with_grads(dtype, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    params = [nn.Parameter(np.zeros(s, dtype=dtype)) for s in SHAPES]
    grads = [(scale * rng.standard_normal(s)).astype(dtype) for s in SHAPES]
    for p, g in zip(params, grads):
        p.grad = tm.Tensor(g.copy())
    return params, grads


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf", 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    torch = pytest.importorskip("torch")
    params, grads = with_grads(dtype)
    tparams = [torch.zeros(s, dtype=getattr(torch, np.dtype(dtype).name), requires_grad=True)
               for s in SHAPES]
    for tp, g in zip(tparams, grads):
        tp.grad = torch.tensor(g.copy())
    total = clip_grad_norm_(params, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type=norm_type)
    assert isinstance(total, tm.Tensor) and total.shape == () and total.dtype == dtype
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=rtol)
    for p, tp in zip(params, tparams):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=rtol, atol=1e-7)


def test_clip_grad_norm_by_definition_and_edge_cases():
    params, grads = with_grads(np.float64, scale=10.0)
    total = math.sqrt(sum(float((g**2).sum()) for g in grads))
    out = clip_grad_norm_(params, 1.0)
    assert out.item() == pytest.approx(total)
    clipped = math.sqrt(sum(float((p.grad.data**2).sum()) for p in params))
    assert clipped == pytest.approx(1.0, rel=1e-5)
    # a single Tensor, and parameters without gradients
    p = nn.Parameter(np.zeros(3))
    assert clip_grad_norm_(p, 1.0).item() == 0.0
    p.grad = tm.Tensor(np.array([np.inf, 1.0, 0.0]))
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([p], 1.0).item() == math.inf
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm_([p], -1.0)


def test_clip_grad_value_matches_torch():
    torch = pytest.importorskip("torch")
    params, grads = with_grads(np.float32, scale=2.0)
    tparams = [torch.zeros(s, requires_grad=True) for s in SHAPES]
    for tp, g in zip(tparams, grads):
        tp.grad = torch.tensor(g.copy())
    arrays = [p.grad.data for p in params]
    assert clip_grad_value_(params, 0.7) is None
    torch.nn.utils.clip_grad_value_(tparams, 0.7)
    for p, tp, a in zip(params, tparams, arrays):
        assert p.grad.data is a  # in place
        np.testing.assert_array_equal(p.grad.data, tp.grad.numpy())
    assert max(float(np.abs(p.grad.data).max()) for p in params) <= 0.7


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(1, 4)), min_size=1, max_size=4),
       st.floats(0.01, 10.0))
def test_clip_grad_norm_property(shapes, max_norm):
    rng = np.random.default_rng(len(shapes))
    params = [nn.Parameter(np.zeros(s)) for s in shapes]
    for p in params:
        p.grad = tm.Tensor(rng.standard_normal(p.shape))
    before = [p.grad.data.copy() for p in params]
    total = clip_grad_norm_(params, max_norm).item()
    after = math.sqrt(sum(float((p.grad.data**2).sum()) for p in params))
    assert after <= max_norm * (1 + 1e-6) or after == pytest.approx(total)
    coef = min(1.0, max_norm / (total + 1e-6))
    for b, p in zip(before, params):
        np.testing.assert_allclose(p.grad.data, b * coef, rtol=1e-12)


def test_vectors_match_torch_and_round_trip():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    params = [nn.Parameter(a.copy()) for a in arrays]
    vec = parameters_to_vector(params)
    tvec = torch.nn.utils.parameters_to_vector([torch.tensor(a) for a in arrays])
    assert isinstance(vec, tm.Tensor) and vec.dtype == np.float32
    np.testing.assert_array_equal(vec.numpy(), tvec.numpy())
    keep = [p.data for p in params]
    vector_to_parameters(tm.Tensor(np.arange(vec.shape[0], dtype=np.float32)), params)
    assert all(p.data is k for p, k in zip(params, keep))  # written in place
    np.testing.assert_array_equal(parameters_to_vector(params).numpy(), np.arange(vec.shape[0]))
    with pytest.raises(ValueError, match="hold 19 values"):
        vector_to_parameters(np.zeros(5), params)
