"""Graphs are freed by reference counting (the cyclic collector switched off) after an
exception in the middle of a forward pass and with create_graph=True."""

from __future__ import annotations

import gc
import warnings
import weakref

import numpy as np
import pytest

import tinygrad_mlp as tm
from tinygrad_mlp import autograd


@pytest.fixture
def no_gc():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _forward_that_fails(refs: list, x, w):
    h = (x * 2).tanh()
    refs += [weakref.ref(h), weakref.ref(h._ctx.parents[0])]
    return h @ w  # (3, 4) @ (5, 5): the matmul op raises


def test_exception_inside_an_op_leaves_no_cycle(no_gc):
    x = tm.Tensor(np.ones((3, 4)), requires_grad=True)
    w = tm.Tensor(np.ones((5, 5)), requires_grad=True)
    refs: list = []
    with pytest.raises(ValueError, match="matmul"):
        _forward_that_fails(refs, x, w)
    assert [r() for r in refs] == [None, None]


def test_exception_in_user_code_mid_forward(no_gc):
    x = tm.Tensor(np.ones((3, 4)), requires_grad=True)
    refs: list = []

    def forward():
        h = (x * 3).sigmoid()
        refs.append(weakref.ref(h))
        raise KeyError("user code failed")

    with pytest.raises(KeyError):
        forward()
    assert refs[0]() is None


def test_anomaly_error_mid_forward_leaves_no_cycle(no_gc):
    x = tm.Tensor(np.array([1.0, -1.0]), requires_grad=True)
    refs: list = []

    def forward():
        h = x * 2
        refs.append(weakref.ref(h))
        return h.sqrt()

    with tm.autograd.detect_anomaly(), pytest.raises(RuntimeError):
        forward()
    assert refs[0]() is None


def test_autograd_grad_with_create_graph_is_freed(no_gc):
    x = tm.Tensor(np.linspace(-1, 1, 5), requires_grad=True)
    y = (x * x * x).tanh().sum()
    (g,) = tm.autograd.grad(y, x, create_graph=True)
    (h,) = tm.autograd.grad(g.sum(), x)
    refs = [weakref.ref(t) for t in (x, y, g, h)] + [weakref.ref(y._ctx), weakref.ref(g._ctx)]
    del x, y, g, h
    assert [r() for r in refs] == [None] * len(refs)


def test_backward_create_graph_warns_and_frees_once_grad_is_reset(no_gc, monkeypatch):
    monkeypatch.setattr(autograd, "_warned_cycle", False)
    x = tm.Tensor(np.linspace(-1, 1, 5), requires_grad=True)
    y = (x * x * x).sum()
    with pytest.warns(UserWarning, match="reference cycle between the parameter and its grad"):
        y.backward(create_graph=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # once per process, as PyTorch's
        (x * x).sum().backward(create_graph=True)
    refs = [weakref.ref(x), weakref.ref(y), weakref.ref(x.grad), weakref.ref(x.grad._ctx)]
    x.grad = None  # the documented way to break the leaf -> grad -> graph -> leaf cycle
    del x, y
    assert [r() for r in refs] == [None] * len(refs)


def test_plain_training_step_is_freed(no_gc):
    model = tm.nn.Sequential(tm.nn.Linear(4, 8), tm.nn.ReLU(), tm.nn.Linear(8, 3))
    out = model(tm.Tensor(np.ones((2, 4), np.float32)))
    loss = tm.nn.CrossEntropyLoss()(out, np.array([0, 2]))
    refs = [weakref.ref(out), weakref.ref(loss), weakref.ref(out._ctx)]
    loss.backward()
    del out, loss
    assert [r() for r in refs] == [None] * len(refs)
