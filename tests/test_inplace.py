"""In-place ops: they write into memory (views, detach, from_numpy share it), refuse
what PyTorch refuses, are caught by version counters when backward needs the old
value, and are recorded in the graph on non-leaves (gradients equal PyTorch's)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


# ------------------------------------------------------------- shared memory
def test_views_share_memory_and_version():
    x = tm.zeros(2, 3)
    v = x.view(6)
    r = x.t()
    v[0] = 1.0
    r[2, 1] = 2.0  # x[1, 2]
    assert x.tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]
    assert x._version == v._version == r._version == 2


@pytest.mark.parametrize("op, want", [
    (lambda t: t.add_(2), [3.0, 4.0]),
    (lambda t: t.add_(tm.tensor([1.0, 1.0]), alpha=3), [4.0, 5.0]),
    (lambda t: t.sub_(1), [0.0, 1.0]),
    (lambda t: t.mul_(3), [3.0, 6.0]),
    (lambda t: t.div_(2), [0.5, 1.0]),
    (lambda t: t.pow_(2), [1.0, 4.0]),
    (lambda t: t.neg_(), [-1.0, -2.0]),
    (lambda t: t.zero_(), [0.0, 0.0]),
    (lambda t: t.fill_(7), [7.0, 7.0]),
    (lambda t: t.copy_(tm.tensor([5.0, 6.0], dtype=tm.float64)), [5.0, 6.0]),
    (lambda t: t.exp_(), list(np.exp([1.0, 2.0]).astype(np.float32))),
])
def test_underscore_methods_write_into_memory(op, want):
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = tm.from_numpy(a)
    assert op(t) is t
    np.testing.assert_allclose(a, want, rtol=1e-6)
    assert t.dtype == tm.float32 and t._version == 1


def test_random_fills_are_seeded():
    tm.manual_seed(3)
    a = tm.zeros(4).uniform_(-1, 1)
    tm.manual_seed(3)
    b = tm.zeros(4).uniform_(-1, 1)
    assert a.tolist() == b.tolist() and (a.abs() <= 1).data.all()
    assert tm.zeros(1000).normal_(2.0, 0.5).mean().item() == pytest.approx(2.0, abs=0.1)


def test_casting_and_shape_rules_of_pytorch():
    i = tm.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                                           "output type Long"):
        i += 0.5
    with pytest.raises(RuntimeError, match="can't be cast"):
        i /= 2
    f = tm.zeros(3)
    f += tm.ones(3, dtype=tm.float64)  # same kind: allowed, stays float32
    assert f.dtype == tm.float32
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        tm.zeros(1, 3).add_(tm.zeros(2, 3))
    i[0] = 3.7  # item assignment casts, as in PyTorch
    assert i.tolist() == [3, 2]


# ------------------------------------------------------------- refusals
def test_leaf_requiring_grad_and_its_views_refuse_in_grad_mode():
    w = tm.tensor([1.0, 2.0], requires_grad=True)
    for op in (lambda: w.add_(1), lambda: w.zero_(), lambda: w.__setitem__(0, 1.0),
               lambda: w.copy_(tm.zeros(2))):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            op()
    with pytest.raises(RuntimeError, match="a view of a leaf Variable"):
        w[0:1].mul_(2)
    with tm.no_grad():
        w.mul_(2)
        w[0] = 5.0
    assert w.tolist() == [5.0, 4.0] and w.is_leaf and w.requires_grad


# ------------------------------------------------------------- version counters
def test_modified_saved_input_raises_naming_the_op_and_versions():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    a = tm.tensor([3.0, 4.0])
    y = (x * a).sum()  # mul saved a for x's gradient
    a += 1
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*Mul.*"
                                           r"version 1; expected version 0"):
        y.backward()


def test_modified_saved_output_raises():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    with tm.no_grad():
        y[0] = 0.0
    with pytest.raises(RuntimeError, match="Exp.*version 1; expected version 0"):
        y.sum().backward()


def test_modification_of_an_unsaved_value_is_fine():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    a = tm.tensor([3.0, 4.0])
    y = (x + a).sum()  # add saves nothing
    a += 1
    y.backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_sgd_step_before_backward_of_a_new_graph_is_fine():
    w = tm.tensor([1.0, -1.0], requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        with tm.no_grad():
            w -= 0.25 * w.grad
        w.grad = None
    np.testing.assert_allclose(w.numpy(), [0.125, -0.125])


# ------------------------------------------------------------- recorded in-place
def _both(fn, *arrays):
    """Run ``fn(lib, *leaves)`` → loss on tinygrad_mlp and torch and compare the gradients.

    Where torch refuses (its in-place checks are stricter: it does not keep the old
    value of a tensor that was changed in place), ours must still be right: it is
    checked against central differences instead.
    """
    ours = [tm.tensor(a, requires_grad=True) for a in arrays]
    fn(tm, *ours).backward()
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    try:
        fn(torch, *theirs).backward()
    except RuntimeError as exc:
        assert "modified by an inplace operation" in str(exc)
        assert tm.gradcheck(lambda *ts: fn(tm, *ts),
                            [tm.tensor(a, requires_grad=True) for a in arrays])
        return
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-12)


def test_setitem_on_a_non_leaf_gives_pytorchs_gradient():
    x = tm.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y[0] = 0
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 2.0]


def _setitem_value(lib, x, v):
    y = x * 2
    y[1:] = v * 3
    return (y * y).sum()


def _chain(lib, x):
    y = x.tanh()
    y += 1
    y *= x
    y[0] = y[1] * 2
    return (y ** 2).sum()


def _consumed_before(lib, x):
    y = x * 3
    z = y * y  # consumes y's old value
    y.mul_(2)
    return z.sum() + y.sum()


def _detached_write(lib, x):
    y = x * 2
    y.detach()[0] = 0.0  # not recorded (PyTorch: through detach, silently)
    return (y * 1.0).sum()


@needs_torch
@pytest.mark.parametrize("fn, shapes", [
    (_setitem_value, [(3,), (2,)]),
    (_chain, [(3,)]),
    (_consumed_before, [(3,)]),
    (_detached_write, [(3,)]),
])
def test_recorded_inplace_gradients_equal_torch(fn, shapes):
    rng = np.random.default_rng(0)
    _both(fn, *[rng.standard_normal(s) for s in shapes])


@needs_torch
def test_plain_tensor_becomes_a_non_leaf_when_a_grad_tensor_is_added_in_place():
    def fn(lib, x):
        acc = lib.zeros(3, dtype=lib.float64)
        acc += x * 2
        acc[0] = x[1]
        return (acc * acc).sum()

    _both(fn, np.array([1.0, 2.0, 3.0]))


# ------------------------------------------------------------- the no_grad SGD loop
def test_hand_written_sgd_loop_trains():
    rng = np.random.default_rng(0)
    X = tm.tensor(rng.standard_normal((64, 3)))
    true_w = tm.tensor([[1.5], [-2.0], [0.5]], dtype=tm.float64)
    y = X @ true_w
    w = tm.zeros(3, 1, dtype=tm.float64, requires_grad=True)
    first = None
    for _ in range(200):
        loss = ((X @ w - y) ** 2).mean()
        first = first if first is not None else loss.item()
        loss.backward()
        with tm.no_grad():
            w -= 0.1 * w.grad
            w.grad.zero_()
    assert loss.item() < 1e-6 * first
    np.testing.assert_allclose(w.numpy(), true_w.numpy(), atol=1e-3)
    assert w.is_leaf and w.requires_grad
