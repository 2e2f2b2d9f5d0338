"""Every op in ``tests/optable``: gradient vs central differences (float64, hypothesis),
and forward value, result dtype and gradients vs PyTorch (float32 and float64)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from optable import all_specs, shapes_for

import tinygrad_mlp as tm
from tinygrad_mlp import testing as tmt
from tinygrad_mlp.testing import assert_grad_matches_numeric

SPECS = {s.name: s for s in all_specs()}
GRAD = sorted(n for n, s in SPECS.items() if s.grad)


def _first(out):
    return out[0] if isinstance(out, (tuple, list)) else out


def _draw_inputs(data, spec):
    shapes = data.draw(shapes_for(spec), label="shapes")
    return [spec.as_kind(data.draw(tmt.arrays(s, elements=d.strategy(),
                                              distinct=spec.distinct), label=f"x{i}"))
            for i, (s, d) in enumerate(zip(shapes, spec.domains))]


@pytest.mark.parametrize("name", GRAD)
@given(data=st.data())
def test_gradient_matches_central_differences(name, data):
    spec = SPECS[name]
    xs = _draw_inputs(data, spec)
    assert_grad_matches_numeric(lambda *ts: _first(spec.fn(tm, *ts)), *xs)


@pytest.mark.parametrize("name", sorted(SPECS))
@given(data=st.data())
def test_forward_runs_on_drawn_shapes(name, data):
    spec = SPECS[name]
    xs = _draw_inputs(data, spec)
    out = _first(spec.fn(tm, *[tm.tensor(x) for x in xs]))
    assert isinstance(out, tm.Tensor)
    if out.dtype.kind == "f":
        assert np.isfinite(out.numpy()).all(), f"{name}: non-finite output inside its domain"


try:
    import torch
except ImportError:  # the cross-checks skip; the property tests above still run
    torch = None


def _sample(spec, rng, dtype):
    shapes = _fixed_shapes(spec)
    xs = []
    for s, dom in zip(shapes, spec.domains):
        x = dom.sample(rng, s)
        if spec.distinct:
            x = x + np.argsort(np.argsort(x.reshape(-1))).reshape(s) * 0.05
        xs.append(spec.as_kind(x, dtype))
    return xs


def _fixed_shapes(spec):
    if isinstance(spec.shapes, tuple):
        return spec.shapes
    base = (3, 4)
    if spec.shapes == "same" or spec.arity == 1:
        return (base,) * spec.arity
    return tuple(base if i % 2 == 0 else (4,) for i in range(spec.arity))


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install -e '.[torch]')")
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(SPECS))
def test_matches_torch(name, dtype):
    spec = SPECS[name]
    rng = np.random.default_rng(sum(map(ord, name)))
    xs = _sample(spec, rng, dtype)
    ours = [tm.tensor(x, requires_grad=spec.grad) for x in xs]
    theirs = [torch.tensor(x, requires_grad=spec.grad) for x in xs]
    a = _first(spec.fn(tm, *ours))
    b = _first((spec.torch_fn or spec.fn)(torch, *theirs))
    # The result's dtype sets the tolerance (int inputs of the float64 run give float32).
    rtol, atol = (spec.rtol64, 1e-12) if b.dtype == torch.float64 else (spec.rtol32, spec.atol32)
    theirs_dtype = str(b.dtype).replace("torch.", "")
    assert str(a.dtype) == theirs_dtype, f"{name}: dtype {a.dtype} vs {b.dtype}"
    assert tuple(a.shape) == tuple(b.shape), f"{name}: shape {a.shape} vs {tuple(b.shape)}"
    if a.dtype.kind in "biu":  # bool and integer results must agree exactly
        np.testing.assert_array_equal(a.numpy(), b.detach().numpy(), err_msg=f"{name}: forward")
    else:
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"{name}: forward")
    if not spec.grad or not b.requires_grad:
        return
    cot = rng.standard_normal(tuple(b.shape)).astype(dtype)
    (a * tm.tensor(cot)).sum().backward()
    (b * torch.tensor(cot)).sum().backward()
    for i, (p, q) in enumerate(zip(ours, theirs)):
        if q.grad is None:
            assert p.grad is None or not np.any(p.grad.numpy()), f"{name}: grad {i}"
            continue
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=rtol, atol=atol * 10,
                                   err_msg=f"{name}: gradient of input {i}")
