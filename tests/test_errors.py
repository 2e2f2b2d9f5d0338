"""Clear errors (naming the op and the shapes/values at fault) and numerical safety:
no NaN, inf or RuntimeWarning from the softmax family, sigmoid and the losses at ±1e4."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import Tensor


def _t(shape, requires_grad=False) -> Tensor:
    return Tensor(np.ones(shape), requires_grad=requires_grad)


def _mentions(exc_info, *parts: str) -> None:
    msg = str(exc_info.value)
    for p in parts:
        assert p in msg, f"{p!r} missing from error message: {msg}"


# ----------------------------------------------------------------- shape errors
@pytest.mark.parametrize("a, b", [((2, 3), (4, 5)), ((2, 3), (4,)), ((5,), (3, 2))])
def test_matmul_bad_shapes(a, b):
    with pytest.raises(ValueError) as e:
        _t(a) @ _t(b)
    _mentions(e, "matmul", str(a), str(b))


@pytest.mark.parametrize("op, name", [(lambda x, y: x + y, "add"), (lambda x, y: x * y, "mul"),
                                      (lambda x, y: x - y, "sub"), (lambda x, y: x / y, "div")])
def test_broadcast_mismatch_names_op_and_shapes(op, name):
    with pytest.raises(ValueError) as e:
        op(_t((2, 3), True), _t((3, 2)))
    _mentions(e, name, "(2, 3)", "(3, 2)")


def test_reshape_to_wrong_size():
    with pytest.raises(RuntimeError) as e:  # PyTorch's type and wording
        _t((2, 3)).reshape(4, 2)
    _mentions(e, "reshape", "6")
    assert re.search(r"\[4, 2\]", str(e.value)), str(e.value)


@pytest.mark.parametrize("index, bad", [(5, "5"), ((slice(None), [0, 3]), "3"), (-3, "-3")])
def test_getitem_out_of_bounds(index, bad):
    with pytest.raises(IndexError) as e:
        _t((2, 3))[index]
    _mentions(e, "getitem", bad, "(2, 3)")


def test_linear_wrong_features():
    with pytest.raises(ValueError) as e:
        F.linear(_t((2, 3)), _t((4, 5)))
    _mentions(e, "linear", "(2, 3)", "(4, 5)")


def test_stack_mismatched_shapes():
    with pytest.raises(RuntimeError) as e:  # PyTorch's type
        tm.stack([_t(2), _t(3)])
    _mentions(e, "stack", "(2,)", "(3,)")


# -------------------------------------------------------------- backward errors
def test_non_scalar_backward_needs_grad():
    y = _t((2, 3), True) * 2.0
    with pytest.raises(RuntimeError) as e:
        y.backward()
    _mentions(e, "backward", "(2, 3)")


def test_backward_grad_of_wrong_shape():
    y = _t((2, 3), True) * 2.0
    with pytest.raises(ValueError) as e:
        y.backward(np.ones(3))
    _mentions(e, "backward", "(3,)", "(2, 3)")


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (_t(3) * 2.0).sum().backward()
    x = _t(3, True)
    with tm.no_grad():
        y = (x * 2.0).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_requires_grad_on_int_tensor():
    with pytest.raises(RuntimeError, match="int64"):  # PyTorch's type
        Tensor(np.arange(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="int"):
        tm.zeros(3, dtype=np.int32, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating"):
        Tensor(np.arange(3)).requires_grad_()


# ----------------------------------------------------------------- loss errors
@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
@pytest.mark.parametrize("labels", [[0.0, 1.0], [0.5, 0.2]])
def test_class_losses_reject_float_labels(loss, labels):
    with pytest.raises(TypeError) as e:
        loss(_t((2, 3), True), np.array(labels))
    _mentions(e, loss.__name__, "integer", "float64")


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
@pytest.mark.parametrize("labels, value, pos", [([0, 5, 1, 2], 5, 1), ([0, 1, 2, -1], -1, 3)])
def test_class_losses_reject_out_of_range_labels(loss, labels, value, pos):
    with pytest.raises(ValueError) as e:
        loss(_t((4, 3), True), np.array(labels))
    msg = str(e.value)
    assert loss.__name__ in msg
    assert re.search(rf"(?<![\d-]){value}(?!\d)", msg), msg
    assert re.search(rf"position \(?{pos}\b", msg), msg


@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
@pytest.mark.parametrize("tshape", [(3,), (4, 1), (5,)])
def test_class_losses_reject_wrong_target_shape(loss, tshape):
    with pytest.raises(ValueError) as e:
        loss(_t((4, 3), True), np.zeros(tshape, dtype=int))
    _mentions(e, loss.__name__, "(4, 3)", str(tshape))


@pytest.mark.parametrize("loss, args", [
    (F.cross_entropy, lambda: (_t((4, 3), True), np.zeros(4, dtype=int))),
    (F.nll_loss, lambda: (_t((4, 3), True), np.zeros(4, dtype=int))),
    (F.mse_loss, lambda: (_t((4, 3), True), _t((4, 3)))),
    (F.binary_cross_entropy, lambda: (_t((4,), True) * 0.5, _t(4))),
    (F.binary_cross_entropy_with_logits, lambda: (_t((4,), True), _t(4))),
])
def test_bad_reduction_string(loss, args):
    with pytest.raises(ValueError) as e:
        loss(*args(), reduction="avg")
    _mentions(e, loss.__name__, "avg")


@pytest.mark.parametrize("loss", [F.mse_loss, F.binary_cross_entropy,
                                  F.binary_cross_entropy_with_logits])
def test_elementwise_losses_do_not_broadcast_silently(loss):
    with pytest.raises(ValueError) as e:
        loss(_t((4, 1), True) * 0.5, _t((4,)))
    _mentions(e, loss.__name__, "(4, 1)", "(4,)")


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min", "logsumexp"])
@pytest.mark.parametrize("axis", [2, -3])
def test_bad_axis_in_reductions(method, axis):
    with pytest.raises(IndexError) as e:  # PyTorch's (and NumPy's) type
        getattr(_t((2, 3), True), method)(axis=axis)
    _mentions(e, method, str(axis))


# ------------------------------------------------ extreme inputs: finite, silent
EXTREME = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4], [3.0, -2.0, 1e4]])
LABELS = np.array([1, 0, 2, 0])

FNS = {
    "softmax": lambda x: F.softmax(x, axis=-1),
    "log_softmax": lambda x: F.log_softmax(x, axis=-1),
    "logsumexp": lambda x: F.logsumexp(x, axis=-1),
    "logsumexp_all": lambda x: F.logsumexp(x),
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "cross_entropy": lambda x: F.cross_entropy(x, LABELS),
    "cross_entropy_none": lambda x: F.cross_entropy(x, LABELS, reduction="none"),
    "bce_with_logits": lambda x: F.binary_cross_entropy_with_logits(
        x, Tensor((EXTREME > 0).astype(x.dtype))),
    "bce_with_logits_wrong": lambda x: F.binary_cross_entropy_with_logits(
        x, Tensor((EXTREME <= 0).astype(x.dtype))),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(FNS))
def test_no_nan_inf_or_warning_at_extreme_inputs(name, dtype):
    x = Tensor(EXTREME.astype(dtype), requires_grad=True)
    rng = np.random.default_rng(0)
    with warnings.catch_warnings(), np.errstate(over="warn", divide="warn", invalid="warn"):
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        y = FNS[name](x)
        seed = rng.standard_normal(y.shape).astype(y.dtype)
        y.backward(seed if y.size != 1 else None)
    assert np.isfinite(y.numpy()).all(), y
    assert np.isfinite(x.grad.numpy()).all(), x.grad
    assert y.dtype == dtype and x.grad.dtype == dtype


def test_extreme_values_are_right():
    x = Tensor(EXTREME, requires_grad=True)
    s = F.softmax(x, axis=-1).numpy()
    np.testing.assert_allclose(s.sum(axis=-1), 1.0)
    np.testing.assert_allclose(s[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(s[1], [1 / 3] * 3)
    np.testing.assert_allclose(F.log_softmax(x, dim=-1).numpy()[0], [0.0, -2e4, -1e4])
    np.testing.assert_allclose(F.logsumexp(x, axis=-1).numpy()[:3],
                               [1e4, -1e4 + np.log(3), 1e4 + np.log(2)])
    np.testing.assert_allclose(F.sigmoid(Tensor([1e4, -1e4])).numpy(), [1.0, 0.0], atol=1e-30)
    ce = F.cross_entropy(x, LABELS, reduction="none").numpy()
    np.testing.assert_allclose(ce, [2e4, np.log(3), 2e4 + np.log(2), 1e4 - 3], atol=1e-9)
    F.cross_entropy(x, LABELS, reduction="sum").backward()
    onehot = np.eye(3)[LABELS]
    np.testing.assert_allclose(x.grad.numpy(), s - onehot, atol=1e-12)
    bce = F.binary_cross_entropy_with_logits(Tensor([1e4, -1e4]), Tensor([0.0, 0.0]),
                                             reduction="none")
    np.testing.assert_allclose(bce.numpy(), [1e4, 0.0], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_probabilities_exactly_0_and_1(dtype):
    p = Tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    t = Tensor(np.array([0.0, 1.0, 1.0, 0.0], dtype=dtype))
    with warnings.catch_warnings(), np.errstate(over="warn", divide="warn", invalid="warn"):
        warnings.simplefilter("error")
        loss = F.binary_cross_entropy(p, t, reduction="none")
        loss.sum().backward()
    assert np.isfinite(loss.numpy()).all() and np.isfinite(p.grad.numpy()).all()
    # log is clamped at −100 as in PyTorch: right answers cost 0, wrong ones 100.
    np.testing.assert_allclose(loss.numpy(), [0.0, 0.0, 100.0, 100.0], rtol=1e-2, atol=1e-6)


def test_bce_rejects_probabilities_outside_0_1():
    with pytest.raises(RuntimeError, match="binary_cross_entropy"):  # PyTorch's type
        F.binary_cross_entropy(Tensor([1.5, 0.2]), Tensor([1.0, 0.0]))
