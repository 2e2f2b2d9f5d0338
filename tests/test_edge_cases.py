"""Edge cases found in review: each pins behaviour PyTorch/NumPy users rely on."""

import numpy as np
import pytest

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import nn

torch = None
try:  # optional second opinion
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    pass


def leaf(values, dtype=np.float64):
    return tm.Tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def test_pow_gradients_at_base_zero_are_finite_limits():
    a, b = leaf([0.0, 1.0, 2.0, 0.0]), leaf([0.0, 0.0, 2.0, 3.0])
    (a**b).sum().backward()
    # d(a^b)/da = b a^(b-1) (0 where b = 0); d(a^b)/db = a^b ln a (0 where a = 0, b >= 0)
    np.testing.assert_allclose(a.grad.data, [0.0, 0.0, 4.0, 0.0])
    np.testing.assert_allclose(b.grad.data, [0.0, 0.0, 4 * np.log(2), 0.0])
    if torch is not None:
        ta = torch.tensor(a.data, requires_grad=True)
        tb = torch.tensor(b.data, requires_grad=True)
        (ta**tb).sum().backward()
        np.testing.assert_allclose(a.grad.data, ta.grad.numpy())
        np.testing.assert_allclose(b.grad.data, tb.grad.numpy())


def test_gradcheck_works_on_transposed_inputs():
    x = tm.from_numpy(np.random.default_rng(0).standard_normal((3, 2)).T).requires_grad_()
    assert not x.data.flags.c_contiguous or x.data.base is not None
    assert tm.gradcheck(lambda a: (a * a).sum(), (x,))
    assert tm.gradcheck_report(lambda a: (a * a).sum(), (x,)).ok


def test_gradcheck_report_warns_on_float32():
    w = leaf([1.0, 2.0], dtype=np.float32)
    with pytest.warns(UserWarning, match="float64"):
        tm.gradcheck_report(lambda t: (t * t).sum(), (w,))


def test_create_graph_leaf_grads_own_writeable_memory():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x + y).sum().backward(create_graph=True)
    assert x.grad is not y.grad
    assert not np.shares_memory(x.grad.data, y.grad.data)
    x.grad.data[0] = 7.0  # writeable, and y.grad is unaffected
    np.testing.assert_allclose(y.grad.data, [1.0, 1.0])


def test_plain_backward_leaf_grads_never_alias():
    x, y = leaf(np.ones((2, 3))), leaf(np.ones(6))
    (x + y.reshape(2, 3)).sum().backward()
    x.grad.data[0, 0] = 5.0
    np.testing.assert_allclose(y.grad.data, np.ones(6))
    seed = np.ones((2, 3))
    z = leaf(np.ones((2, 3)))
    (z * 1.0).backward(seed)
    seed[0, 0] = 9.0  # the caller's array is not the gradient
    np.testing.assert_allclose(z.grad.data, np.ones((2, 3)))


def test_setitem_after_use_is_caught_by_the_version_counter():
    x, w = leaf([1.0, 2.0]), tm.Tensor(np.array([3.0, 4.0]))
    y = (x * w).sum()
    w[0] = 100.0  # in place, as in PyTorch: the op node saved w for x's gradient
    np.testing.assert_allclose(w.data, [100.0, 4.0])
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version 1; "
                                           "expected version 0"):
        y.backward()


def test_linear_casts_input_data_to_the_weight_dtype():
    tm.manual_seed(0)
    layer = nn.Linear(3, 2)
    out = layer(np.random.default_rng(0).standard_normal((4, 3)))  # float64 data
    assert out.dtype == np.float32
    assert layer(np.ones((1, 3), dtype=np.uint8)).dtype == np.float32
    x = leaf(np.ones((1, 3)))  # a float64 input that wants a gradient promotes instead
    assert layer(x).dtype == np.float64


def test_losses_cast_constant_targets_to_the_input_dtype():
    p = tm.Tensor(np.full(3, 0.5, np.float32), requires_grad=True)
    assert F.mse_loss(p, np.zeros(3)).dtype == np.float32
    assert F.binary_cross_entropy(p, np.ones(3)).dtype == np.float32
    assert F.binary_cross_entropy_with_logits(p, np.ones(3)).dtype == np.float32


def test_statistics_edge_values_match_numpy():
    assert np.isnan(tm.Tensor([3.0]).var(ddof=1).item())
    assert np.isclose(tm.Tensor([1.0, 2.0, 4.0]).var(ddof=1).item(), np.var([1, 2, 4], ddof=1))
    logits = tm.Tensor(np.zeros((0, 3)), requires_grad=True)
    assert np.isnan(F.cross_entropy(logits, np.zeros(0, dtype=int)).item())
    assert tm.Tensor(2.0).sum(axis=-1).item() == 2.0  # 0-d: axis -1 and 0 both accepted


def test_float16_sigmoid_and_bce_stay_accurate_and_finite():
    x = tm.Tensor(np.array([-14.0, 0.0, 14.0], np.float16))
    expected = 1 / (1 + np.exp(-x.data.astype(np.float64)))
    # 8.3e-7 is subnormal in float16 (steps of 6e-8): a few per cent is all it can hold
    np.testing.assert_allclose(x.sigmoid().data.astype(np.float64), expected, rtol=0.05)
    p = tm.Tensor(np.array([0.0, 1.0], np.float16), requires_grad=True)
    F.binary_cross_entropy(p, np.array([1.0, 0.0]), reduction="sum").backward()
    assert np.isfinite(p.grad.data.astype(np.float64)).all()


def test_saved_arrays_are_freed_with_the_graph():
    logits = leaf(np.zeros((4, 3)))
    loss = F.cross_entropy(logits, np.array([0, 1, 2, 0]))
    node = loss._ctx
    assert hasattr(node, "logp")
    loss.backward()
    assert not hasattr(node, "logp") and node.parents is None


def test_numpy_error_types_are_named_not_crashed():
    with pytest.raises(TypeError, match="mul"):
        tm.Tensor(np.array(["a"])) * tm.Tensor(np.array([1.0]))
