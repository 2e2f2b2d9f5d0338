"""PyTorch's semantics where NumPy's differ: one regression test per wrong answer of the
tensors issue, then the shape, reduction, dtype, device and indexing surface.

Each test states the expected answer from PyTorch's documented behaviour and,
where torch is installed, also asks torch itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_mlp as tm

try:
    import torch
except ImportError:  # the torch comparisons skip; the stated expectations still run
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _same(ours, theirs) -> None:
    """Same shape, dtype name and values as a torch tensor."""
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6)


# ------------------------------------------------------------- the wrong answers
def test_transpose_swaps_two_dims():
    w = tm.randn(2, 3)
    assert w.transpose(0, 1).shape == (3, 2)
    assert tm.zeros(2, 3, 4).transpose(0, 2).shape == (4, 3, 2)
    if torch is not None:
        assert torch.zeros(2, 3, 4).transpose(0, 2).shape == (4, 3, 2)


def test_max_with_dim_gives_values_and_indices():
    logits = tm.tensor([[0.1, 2.0, -1.0], [3.0, 0.0, 0.5]])
    values, pred = logits.max(1)
    np.testing.assert_array_equal(pred.numpy(), [1, 0])
    np.testing.assert_allclose(values.numpy(), [2.0, 3.0])
    out = logits.min(dim=0, keepdim=True)
    assert out.values.shape == (1, 3) and out.indices.dtype == tm.int64
    if torch is not None:
        tv, ti = torch.tensor(logits.numpy()).max(1)
        _same(values, tv)
        _same(pred, ti)


def test_no_grad_sgd_step_updates_in_place_and_w_stays_a_leaf():
    w = tm.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    before = w.data
    with tm.no_grad():
        w -= 0.1 * w.grad
    assert w.data is before  # the same memory
    np.testing.assert_allclose(w.numpy(), [0.8, 1.6])
    assert w.requires_grad and w.is_leaf and w.grad_fn is None


def test_std_divides_by_n_minus_1():
    x = tm.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.std().item() == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert x.var(unbiased=False).item() == pytest.approx(np.var([1, 2, 3, 4]))
    assert x.var(correction=0).item() == pytest.approx(np.var([1, 2, 3, 4]))
    if torch is not None:
        assert x.std().item() == pytest.approx(torch.tensor([1.0, 2, 3, 4]).std().item())


def test_detach_shares_memory():
    x = tm.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = x.detach()
    d[0] = 10.0
    assert x.data[0] == 10.0


def test_from_numpy_shares_memory():
    a = np.zeros(3, dtype=np.float32)
    t = tm.from_numpy(a)
    t[0] = 5.0
    assert a[0] == 5.0
    t += 1
    np.testing.assert_array_equal(a, [6.0, 1.0, 1.0])


def test_inplace_on_a_leaf_that_requires_grad_raises_pytorchs_error():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used "
                                           "in an in-place operation."):
        x += 1
    if torch is not None:
        tx = torch.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            tx += 1


def test_squeeze_of_a_dim_that_is_not_1_is_a_no_op():
    x = tm.zeros(2, 1, 3)
    assert x.squeeze(0).shape == (2, 1, 3)
    assert x.squeeze(1).shape == (2, 3)
    assert x.squeeze().shape == (2, 3)
    assert tm.zeros(1, 2, 1).squeeze((0, 2)).shape == (2,)


def test_var_without_degrees_of_freedom_is_inf():
    assert tm.Tensor([1.0, 2.0, 3.0]).var(ddof=3).item() == np.inf
    assert tm.Tensor([1.0, 2.0, 3.0]).var(correction=3).item() == np.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        assert np.var([1.0, 2.0, 3.0], ddof=3) == np.inf


def test_reduction_over_a_missing_dim_is_an_index_error():
    with pytest.raises(IndexError, match="Dimension out of range"):
        tm.zeros(2, 3).sum(axis=2)
    with pytest.raises(IndexError, match="Dimension out of range"):
        tm.zeros(2, 3).mean(dim=-3)
    with pytest.raises(IndexError):
        tm.zeros(2, 3).max(2)


def test_tensor_of_ints_is_int64_and_of_floats_float32():
    assert tm.tensor([0, 2, 1]).dtype == tm.int64
    assert tm.tensor([0.5, 1.0]).dtype == tm.float32
    assert tm.tensor([True, False]).dtype == tm.bool
    assert tm.Tensor([1, 2, 3]).dtype == tm.float32
    assert tm.Tensor(np.arange(3)).dtype == tm.int64  # an ndarray keeps its dtype
    if torch is not None:
        assert torch.tensor([0, 2, 1]).dtype == torch.int64


def test_int_tensor_plus_python_float_is_the_default_float():
    assert (tm.zeros(3, dtype=np.int32) + 0.5).dtype == tm.float32
    if torch is not None:
        assert (torch.zeros(3, dtype=torch.int32) + 0.5).dtype == torch.float32


# ------------------------------------------------------------------ type promotion
PROMOTION_CASES = [
    ("int32", (3,), "float32", (3,)),
    ("int64", (3,), "float16", (3,)),
    ("float32", (3,), "float64", ()),
    ("int32", (3,), "float64", ()),
    ("int32", (3,), "int64", ()),
    ("uint8", (3,), "int8", (3,)),
    ("bool", (3,), "int32", (3,)),
    ("float32", (3,), "float64", (3,)),
]


@pytest.mark.parametrize("a, sa, b, sb", PROMOTION_CASES)
def test_promotion_between_tensors_follows_pytorch(a, sa, b, sb):
    x, y = tm.zeros(sa, dtype=getattr(tm, a)), tm.ones(sb, dtype=getattr(tm, b))
    got = (x + y).dtype
    assert got == tm.result_type(x, y)
    if torch is not None:
        tx = torch.zeros(sa, dtype=getattr(torch, a))
        ty = torch.ones(sb, dtype=getattr(torch, b))
        assert str(got) == str((tx + ty).dtype).replace("torch.", "")
        assert str(tm.promote_types(getattr(tm, a), getattr(tm, b))) == str(
            torch.promote_types(getattr(torch, a), getattr(torch, b))).replace("torch.", "")


def test_scalars_and_integer_division():
    i = tm.tensor([1, 2, 3])
    assert (i * 2).dtype == tm.int64
    assert (i / 2).dtype == tm.float32
    assert (i / i).dtype == tm.float32
    assert (tm.tensor([True]) + 1).dtype == tm.int64
    assert (tm.zeros(2, dtype=tm.float16) * 2.5).dtype == tm.float16
    assert i.exp().dtype == tm.float32


def test_default_dtype_can_be_changed():
    assert tm.get_default_dtype() == tm.float32
    tm.set_default_dtype(tm.float64)
    try:
        assert tm.tensor([1.0]).dtype == tm.float64
        assert (tm.tensor([1, 2]) + 0.5).dtype == tm.float64
    finally:
        tm.set_default_dtype(tm.float32)
    with pytest.raises(TypeError):
        tm.set_default_dtype(tm.int64)


def test_dtype_converters():
    x = tm.tensor([1.5, -2.5])
    assert x.double().dtype == tm.float64 and x.half().dtype == tm.float16
    assert x.long().dtype == tm.int64 and x.int().dtype == tm.int32
    assert x.bool().dtype == tm.bool and x.float() is x
    assert x.to(tm.float64).dtype == tm.float64 and x.to(tm.tensor([1])).dtype == tm.int64
    assert x.type() == "torch.FloatTensor" and x.type(tm.float64).dtype == tm.float64
    assert x.to("cpu") is x and x.cpu() is x and x.to(copy=True) is not x


# --------------------------------------------------------------------- devices
def test_devices():
    x = tm.zeros(2)
    assert x.device == tm.device("cpu") and x.device == "cpu" and not x.is_cuda
    assert repr(tm.device("cpu")) == "device(type='cpu')"
    assert tm.device("cuda:0").index == 0  # naming a device is fine…
    assert not tm.cuda.is_available()
    with pytest.raises(AssertionError, match="GPU backend"):  # …moving there is not
        x.to("cuda")
    with pytest.raises(AssertionError, match="GPU backend"):
        x.cuda()
    with pytest.raises(AssertionError):
        tm.tensor([1.0], device="cuda")
    if torch is not None and not torch.cuda.is_available():
        with pytest.raises(AssertionError):  # what PyTorch raises without CUDA
            torch.zeros(1).to("cuda")


# ------------------------------------------------------------------ shape ops
@needs_torch
@pytest.mark.parametrize("name, fn", [
    ("permute", lambda x: x.permute(2, 0, 1)),
    ("t", lambda x: x[0].t()),
    ("T", lambda x: x.T),
    ("mT", lambda x: x.mT),
    ("view", lambda x: x.view(6, -1)),
    ("view_as", lambda x: x.view_as(x.reshape(4, 6))),
    ("flatten", lambda x: x.flatten(1)),
    ("flatten_mid", lambda x: x.flatten(0, 1)),
    ("unflatten", lambda x: x.unflatten(2, (2, 2))),
    ("unsqueeze", lambda x: x.unsqueeze(-1)),
    ("expand", lambda x: x[:, :1].expand(-1, 5, -1)),
    ("expand_as", lambda x: x[:1].expand_as(x)),
    ("repeat", lambda x: x[0].repeat(2, 1, 3)),
    ("clone", lambda x: x.clone()),
    ("contiguous", lambda x: x.transpose(0, 2).contiguous()),
])
def test_shape_ops_match_torch(name, fn):
    a = np.arange(24.0, dtype=np.float32).reshape(2, 3, 4)
    x = tm.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    out, tout = fn(x), fn(tx)
    _same(out, tout)
    g = np.random.default_rng(0).standard_normal(tuple(tout.shape)).astype(np.float32)
    out.backward(g)
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_size_numel_dim():
    x = tm.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.numel() == 6 and x.dim() == 2 and tm.numel(x) == 6
    with pytest.raises(IndexError):
        x.size(2)


def test_view_of_non_contiguous_raises_and_reshape_copies():
    x = tm.zeros(2, 3).t()
    with pytest.raises(RuntimeError, match="reshape"):
        x.view(6)
    assert x.reshape(6).shape == (6,)


# ----------------------------------------------------------------- reductions
@needs_torch
@pytest.mark.parametrize("name, fn", [
    ("sum_dim", lambda x: x.sum(dim=1)),
    ("sum_keep", lambda x: x.sum((0, 2), keepdim=True)),
    ("sum_axis_alias", lambda x: x.sum(axis=-1, keepdims=True)),
    ("mean_dim", lambda x: x.mean(0)),
    ("max_all", lambda x: x.max()),
    ("max_dim", lambda x: x.max(dim=2).values),
    ("min_dim_keep", lambda x: x.min(1, keepdim=True).values),
    ("amax", lambda x: x.amax((0, 1))),
    ("amin", lambda x: x.amin(-1)),
    ("var", lambda x: x.var(1)),
    ("var_unbiased_false", lambda x: x.var(1, unbiased=False)),
    ("std_correction", lambda x: x.std(dim=(0, 2), correction=2)),
    ("std_mean", lambda x: tm_or_torch(x).std_mean(x, dim=0)[0]),
    ("var_mean", lambda x: tm_or_torch(x).var_mean(x, dim=1, keepdim=True)[1]),
    ("logsumexp", lambda x: x.logsumexp(1)),
])
def test_reductions_match_torch(name, fn):
    a = np.random.default_rng(1).standard_normal((2, 3, 4))
    x, tx = tm.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = fn(x), fn(tx)
    _same(out, tout)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10)


def tm_or_torch(x):
    return tm if isinstance(x, tm.Tensor) else torch


def test_max_dim_gradient_goes_to_the_index_and_amax_shares_ties():
    x = tm.tensor([[1.0, 3.0, 3.0]], requires_grad=True)
    x.max(1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 1.0, 0.0]])
    x.grad = None
    x.amax(1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.5, 0.5]])


def test_sum_of_ints_is_int64_and_mean_of_ints_raises():
    assert tm.tensor([1, 2], dtype=tm.int32).sum().dtype == tm.int64
    assert tm.tensor([True, True]).sum().item() == 2
    with pytest.raises(RuntimeError, match="mean"):
        tm.tensor([1, 2]).mean()
    assert tm.tensor([1, 2]).mean(dtype=tm.float64).item() == 1.5


# ------------------------------------------------------------------- indexing
@needs_torch
@pytest.mark.parametrize("index", [
    (0, slice(None), [0, 1]),          # NumPy: (2, 3); PyTorch: (3, 2)
    ([0, 1], slice(None), [0, 1]),
    (slice(None), [0, 2], 0),
    (None, 0, [1, 2]),
    (Ellipsis, [0, 3]),
    (1, [[0, 1], [2, 0]]),
    ([1, 0],),
])
def test_indexing_places_dims_as_pytorch(index):
    a = np.arange(24.0).reshape(2, 3, 4)
    x, tx = tm.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = x[index], tx[index]
    _same(out, tout)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_boolean_mask_and_setitem_with_mixed_index():
    x = tm.tensor([[1.0, -2.0], [-3.0, 4.0]])
    assert x[x > 0].tolist() == [1.0, 4.0]
    x[x < 0] = 0.0
    assert x.tolist() == [[1.0, 0.0], [0.0, 4.0]]
    y = tm.zeros(2, 3, 4)
    y[0, :, [0, 1]] = tm.ones(3, 2)  # PyTorch's placement: the target is (3, 2)
    assert y.sum().item() == 6 and y[0, :, :2].sum().item() == 6


def test_cached_number_constants_keep_the_sign_of_zero_and_nan():
    """Python numbers are cached as constants per (dtype, value): −0.0 and 0.0 compare
    equal, and so do 1−0j and 1+0j, yet their products differ in the sign of zero."""
    import math

    x = tm.tensor([1.0, -2.0])
    assert [math.copysign(1, v) for v in (x * -0.0).tolist()] == [-1, 1]
    assert [math.copysign(1, v) for v in (x * 0.0).tolist()] == [1, -1]
    assert np.isnan((x * float("nan")).data).all()
    z = tm.tensor(np.array([1 + 1j], np.complex64))
    assert z._const(complex(1, -0.0)) is not z._const(complex(1, 0.0))
