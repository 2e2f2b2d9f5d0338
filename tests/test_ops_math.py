"""Edge cases of the math, reduction, comparison and logic ops that the op table
(tests/optable) cannot reach: accuracy near 0, huge inputs, kinks and ties, zeros in
products, PyTorch's sign rules and type promotion, errors, and second derivatives."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_mlp as tm
from tinygrad_mlp.dtypes import result_type
from tinygrad_mlp.testing import assert_grad_matches_numeric

INF = float("inf")


def _torch():
    return pytest.importorskip("torch")


def _grads(fn, *arrays, lib=tm):
    """(value, [grad of each input]) of fn(lib, *tensors).sum() in float64."""
    ts = [lib.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(lib, *ts)
    out.sum().backward()
    grads = [None if t.grad is None else np.asarray(t.grad.numpy() if lib is tm
                                                    else t.grad.detach().numpy())
             for t in ts]
    return (out.numpy() if lib is tm else out.detach().numpy()), grads


def _same_as_torch(fn, *arrays):
    torch = _torch()
    v, g = _grads(fn, *arrays)
    tv, tg = _grads(fn, *arrays, lib=torch)
    np.testing.assert_allclose(v, tv, rtol=1e-12, atol=0)
    for i, (a, b) in enumerate(zip(g, tg)):
        if b is None:
            assert a is None or not a.any(), f"gradient {i}: torch has none, ours is {a}"
        else:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=f"gradient {i}")
    return v, g


# ------------------------------------------------------------ no warnings
FINITE = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 1e-300, -1e-300, 1e4, -1e4, 1e300, -1e300])
UNARY = ["square", "rsqrt", "reciprocal", "log1p", "expm1", "log2", "log10", "exp2", "erf",
         "erfc", "sin", "cos", "tan", "sign", "floor", "ceil", "round", "trunc", "frac"]


@pytest.mark.parametrize("name", UNARY)
def test_no_runtime_warning_for_finite_inputs(name):
    """Forward and backward at 0, ±1, tiny and huge values: inf/NaN results where the
    math says so (log1p(−1) = −inf), never a NumPy RuntimeWarning (PyTorch prints none)."""
    x = tm.tensor(FINITE, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = getattr(x, name)()
        y.backward(np.ones_like(FINITE))


def test_no_runtime_warning_binary_and_reductions():
    a = tm.tensor(FINITE, requires_grad=True)
    b = tm.tensor(FINITE[::-1].copy(), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        outs = [a // b, a % b, a.fmod(b), tm.logaddexp(a, b), tm.lerp(a, b, 0.3),
                tm.maximum(a, b), a.clamp(b, 1.0), a.prod(), a.cumprod(0), a.norm(),
                a.norm(p=3), a.norm(p=-INF), tm.logsumexp(a, 0)]
        sum(o.sum() for o in outs).backward()


def test_values_match_torch_at_the_edges():
    torch = _torch()
    for name in UNARY:
        ours = getattr(tm.tensor(FINITE), name)().numpy()
        theirs = getattr(torch.tensor(FINITE), name)().numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0, err_msg=name)


# ------------------------------------------------------- accuracy near 0
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log1p_and_expm1_are_accurate_near_zero(dtype):
    x = np.array([1e-10, -1e-10, 1e-20, 3e-8], dtype=dtype)
    t = tm.tensor(x, requires_grad=True)
    rtol = 1e-6 if dtype == np.float32 else 1e-15
    for y, exact in ((t.log1p(), math.log1p), (t.expm1(), math.expm1)):
        assert y.dtype == dtype
        # log(1 + x) would give 0 (or a few ulps of 1) here: all digits would be lost.
        np.testing.assert_allclose(y.numpy(), [exact(float(v)) for v in x], rtol=rtol)
    t.log1p().sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), 1 / (1 + x.astype(np.float64)), rtol=1e-7)


# ---------------------------------------------------------- huge inputs
def test_logaddexp_and_logsumexp_at_1e4_are_finite_and_match_torch():
    a, b = np.array([1e4, -1e4, 1e4, -1e4]), np.array([1e4, 1e4, -1e4, -1e4 + 1])
    v, g = _same_as_torch(lambda lib, x, y: lib.logaddexp(x, y), a, b)
    assert np.isfinite(v).all() and all(np.isfinite(x).all() for x in g)
    np.testing.assert_allclose(v, [1e4 + np.log(2), 1e4, 1e4, -1e4 + 1 + np.log1p(np.e ** -1)])
    rows = np.array([[1e4, 1e4 - 1, -1e4], [-1e4, -1e4, -1e4]])
    v, (gx,) = _same_as_torch(lambda lib, x: lib.logsumexp(x, 1), rows)
    assert np.isfinite(v).all() and np.isfinite(gx).all()
    np.testing.assert_allclose(gx.sum(axis=1), 1.0)


# ----------------------------------------------------------- kinks, ties
def test_maximum_minimum_ties_split_the_gradient_like_torch():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 1.0, 4.0])
    _, (ga, gb) = _same_as_torch(lambda lib, x, y: lib.maximum(x, y), a, b)
    assert ga.tolist() == [0.5, 1.0, 0.0] and gb.tolist() == [0.5, 0.0, 1.0]
    _, (ga, gb) = _same_as_torch(lambda lib, x, y: lib.minimum(x, y), a, b)
    assert ga.tolist() == [0.5, 0.0, 1.0] and gb.tolist() == [0.5, 1.0, 0.0]
    # At an exact tie the central difference is ½ too: (max(a + h, a) − max(a − h, a)) / 2h.
    assert_grad_matches_numeric(lambda x, y: tm.maximum(x, y), a, b)


def test_clamp_gradients_at_the_bounds_follow_torch():
    # Inputs at, below, above and between the bounds, and bounds that cross (min > max).
    x = np.array([0.0, 1.0, 2.0, 3.0, 0.5, 1.5, 1.0, 1.0, 0.0, 1.5])
    lo = np.array([2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])
    hi = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0])
    _same_as_torch(lambda lib, a, b, c: a.clamp(b, c), x, lo, hi)
    _same_as_torch(lambda lib, a, b: lib.clamp(a, min=b), x, lo)
    _same_as_torch(lambda lib, a, c: lib.clamp(a, max=c), x, hi)
    _, (g,) = _same_as_torch(lambda lib, a: a.clamp(1.0, 2.0), x)
    assert g.tolist() == [0, 1, 1, 0, 0, 1, 1, 1, 0, 1]  # the bounds themselves pass
    _, (g,) = _same_as_torch(lambda lib, a: a.clamp(2.0, 1.0), x)  # min > max: all max
    assert not g.any()


def test_norm_gradient_at_zero_is_zero_like_torch():
    z = np.zeros((2, 3))
    for p in (2, 1, 3, INF, -INF, 0.5):
        _, (g,) = _same_as_torch(lambda lib, x, p=p: x.norm(p=p), z)
        assert not g.any(), p
    _, (g,) = _same_as_torch(lambda lib, x: lib.linalg.vector_norm(x, dim=1), z)
    assert not g.any()
    # A zero row beside a non-zero one: only the non-zero row gets x / ‖x‖.
    _, (g,) = _same_as_torch(lambda lib, x: x.norm(dim=1), np.array([[0.0, 0.0], [3.0, 4.0]]))
    np.testing.assert_allclose(g, [[0, 0], [0.6, 0.8]])


def test_inf_norm_ties_share_the_gradient_like_torch():
    _, (g,) = _same_as_torch(lambda lib, x: x.norm(p=INF), np.array([1.0, -3.0, 3.0]))
    assert g.tolist() == [0.0, -0.5, 0.5]


# ------------------------------------------------------------ products
@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 0.0, 3.0], [0.0, 0.0, 0.0, 1.0],
                               [1.5, -2.0, 0.5, 3.0], [0.0, 1.0, 2.0, 3.0], [2.0, 3.0, 4.0, 0.0]])
def test_prod_and_cumprod_with_zeros_match_torch(x):
    x = np.array(x)
    _same_as_torch(lambda lib, t: t.prod(), x)
    _same_as_torch(lambda lib, t: t.cumprod(0), x)
    m = np.stack([x, x[::-1], x * 2])
    _same_as_torch(lambda lib, t: t.prod(dim=1), m)
    _same_as_torch(lambda lib, t: lib.cumprod(t, dim=1), m)
    _same_as_torch(lambda lib, t: t.cumprod(dim=0), m.T.copy())


@given(st.lists(st.sampled_from([0.0, 1.0, -2.0, 0.5, 3.0]), min_size=1, max_size=6))
def test_cumprod_gradient_with_zeros_matches_central_differences(values):
    # A cumulative product is linear in each factor, so central differences are exact.
    assert_grad_matches_numeric(lambda t: t.cumprod(0), np.array(values))
    assert_grad_matches_numeric(lambda t: t.prod(), np.array(values))


# --------------------------------------------------------- sign rules
@pytest.mark.parametrize("a, b", [(5, 3), (-5, 3), (5, -3), (-5, -3), (7, 7), (0, 4)])
def test_floor_divide_and_remainder_follow_python(a, b):
    for dtype in (np.int64, np.int32, np.float64):
        x, y = tm.tensor(np.array([a], dtype=dtype)), tm.tensor(np.array([b], dtype=dtype))
        assert (x // y).item() == a // b and (x % y).item() == a % b
        assert x.fmod(y).item() == np.fmod(a, b)  # C: the sign of the dividend
        assert (x // y).dtype == dtype and (x % y).dtype == dtype
    assert (a // tm.tensor([b])).item() == a // b and (a % tm.tensor([b])).item() == a % b


def test_integer_division_by_zero_raises_float_gives_inf():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        tm.tensor(np.array([5, 1])) // tm.tensor(np.array([0, 1]))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        tm.tensor(np.array([5])) % 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = tm.tensor([5.0, -5.0, 0.0]) // 0.0
        r = tm.tensor([5.0]) % 0.0
    assert q.numpy()[:2].tolist() == [INF, -INF] and np.isnan(q.numpy()[2])
    assert np.isnan(r.item())


def test_floor_divide_gradient_is_zero():
    a = tm.tensor([5.0, -5.0], requires_grad=True)
    (a // 3).sum().backward()
    assert a.grad.numpy().tolist() == [0.0, 0.0]


def test_round_halves_to_even_and_decimals():
    x = tm.tensor([0.5, 1.5, 2.5, -0.5, 1.2345, -1.25])
    assert x.round().numpy().tolist() == [0.0, 2.0, 2.0, -0.0, 1.0, -1.0]
    np.testing.assert_allclose(x.round(decimals=2).numpy(), [0.5, 1.5, 2.5, -0.5, 1.23, -1.25])
    np.testing.assert_allclose(tm.round(tm.tensor([1234.5]), decimals=-2).numpy(), [1200.0])
    with pytest.raises(TypeError, match="decimals"):
        x.round(decimals=1.5)


# ------------------------------------------------------ type promotion
DTYPES = ["bool", "uint8", "int8", "int32", "int64", "float16", "float32", "float64"]


@pytest.mark.parametrize("da", DTYPES)
def test_result_type_matches_torch(da):
    torch = _torch()
    a = np.ones(2, dtype=da)
    for db in DTYPES:
        for b in (np.ones(2, dtype=db), np.ones((), dtype=db)):
            ours = result_type(tm.tensor(a), tm.tensor(b))
            theirs = torch.result_type(torch.tensor(a), torch.tensor(b))
            assert str(ours) == str(theirs).replace("torch.", ""), (da, db, b.ndim)
    for scalar in (True, 2, 2.5):
        ours = result_type(tm.tensor(a), scalar)
        theirs = torch.result_type(torch.tensor(a), scalar)
        assert str(ours) == str(theirs).replace("torch.", ""), (da, scalar)


def test_result_dtypes():
    i32, i64 = tm.tensor(np.arange(4, dtype=np.int32)), tm.tensor(np.arange(4))
    assert i32.floor().dtype == np.int32 and i64.sign().dtype == np.int64
    assert i32.sin().dtype == np.float32 and tm.sqrt(i64).dtype == np.float32
    assert i32.prod().dtype == np.int64 and i32.cumsum(0).dtype == np.int64
    assert (i32 > 1).any().dtype == bool and i64.all(0).dtype == bool
    assert (i32 % 2.5).dtype == np.float32 and i32.clamp(0.5).dtype == np.float32
    assert tm.maximum(i32, i64).dtype == np.int64 and tm.pow(i64, 2).dtype == np.int64
    assert tm.count_nonzero(i32).dtype == np.int64
    f = tm.tensor(np.ones(3, dtype=np.float32))
    assert tm.maximum(f, tm.tensor(np.float64(2.0))).dtype == np.float32  # 0-d: same kind
    assert tm.pow(2, f).dtype == np.float32 and f.prod(dtype=np.float64).dtype == np.float64


def test_promoted_operands_still_get_their_gradient():
    a = tm.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    b = tm.tensor(np.array([3.0, 0.5]), requires_grad=True)  # float64
    y = tm.maximum(a, b)
    assert y.dtype == np.float64
    y.sum().backward()
    assert a.grad.dtype == np.float32 and a.grad.numpy().tolist() == [0.0, 1.0]
    assert b.grad.dtype == np.float64 and b.grad.numpy().tolist() == [1.0, 0.0]


# -------------------------------------------------------------- logic
def test_bitwise_operators_on_bool_and_int_tensors():
    p, q = tm.tensor([True, True, False]), tm.tensor([True, False, False])
    assert (p & q).numpy().tolist() == [True, False, False] and (p & q).dtype == bool
    assert (p | q).numpy().tolist() == [True, True, False]
    assert (p ^ q).numpy().tolist() == [False, True, False]
    assert (~p).numpy().tolist() == [False, False, True]
    assert (True & q).dtype == bool and (q | False).numpy().tolist() == [True, False, False]
    n = tm.tensor(np.array([6, 3]))
    assert (n & 3).numpy().tolist() == [2, 3] and (~n).numpy().tolist() == [-7, -4]
    with pytest.raises(NotImplementedError, match="logical_and"):
        tm.tensor([1.0]) & tm.tensor([1.0])
    with pytest.raises(TypeError, match="bitwise"):
        ~tm.tensor([1.0])


def test_comparisons_have_no_gradient_and_give_bools():
    x = tm.tensor([1.0, 2.0], requires_grad=True)
    for y in (x.eq(1), tm.lt(x, 2), x.isclose(x), tm.isfinite(x), x.logical_not()):
        assert y.dtype == bool and not y.requires_grad
    assert tm.allclose(x, x + 1e-9) is True and tm.equal(x, x) is True
    assert tm.equal(x, tm.tensor([1.0])) is False  # different shapes
    assert tm.isclose(tm.tensor([INF, -INF, np.nan]), tm.tensor([INF, INF, np.nan]),
                      equal_nan=True).numpy().tolist() == [True, False, True]


def test_empty_reductions_match_torch():
    torch = _torch()
    e = np.zeros((0, 3))
    cases = [lambda lib, x: x.prod(0), lambda lib, x: x.prod(1), lambda lib, x: x.norm(dim=1),
             lambda lib, x: x.norm(dim=0), lambda lib, x: lib.logsumexp(x, 0),
             lambda lib, x: lib.logsumexp(x, 1), lambda lib, x: x.any(), lambda lib, x: x.all(0),
             lambda lib, x: x.cumsum(0), lambda lib, x: x.count_nonzero(0)]
    for i, fn in enumerate(cases):
        ours, theirs = fn(tm, tm.tensor(e)), fn(torch, torch.tensor(e))
        assert ours.shape == tuple(theirs.shape), i
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=str(i))
    with pytest.raises(RuntimeError, match="-inf norm"):
        tm.linalg.vector_norm(tm.tensor(e), -INF)


# -------------------------------------------------------------- errors
def test_errors_name_the_op():
    x = tm.tensor(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max'"):
        x.clamp()
    with pytest.raises(IndexError, match="prod: Dimension out of range"):
        x.prod(dim=2)
    with pytest.raises(IndexError, match="cumsum: Dimension out of range"):
        x.cumsum(axis=-3)
    with pytest.raises(IndexError, match="vector_norm"):
        tm.linalg.vector_norm(x, dim=(0, 5))
    with pytest.raises(RuntimeError, match="floating point"):
        tm.linalg.vector_norm(tm.tensor(np.array([1, 2])))
    with pytest.raises(NotImplementedError, match="nuc"):
        x.norm(p="nuc")
    with pytest.raises(RuntimeError, match="bool tensor"):
        tm.neg(tm.tensor([True]))
    with pytest.raises(NotImplementedError, match="frac"):
        tm.tensor(np.array([1, 2])).frac()
    with pytest.raises(TypeError, match="both dim= and its alias axis="):
        x.prod(dim=0, axis=0)
    with pytest.raises(RuntimeError, match="negative integer powers"):
        tm.pow(tm.tensor(np.array([2])), -1)


# ------------------------------------------------ second derivatives
SMOOTH = [
    ("sin", lambda x, y: x.sin() * y), ("log1p", lambda x, y: (x * x).log1p() + y),
    ("erf", lambda x, y: x.erf() * y), ("tan", lambda x, y: (x * 0.3).tan() + y),
    ("rsqrt", lambda x, y: (x * x + 1).rsqrt() * y), ("exp2", lambda x, y: x.exp2() * y),
    ("prod", lambda x, y: (x * y).prod(dim=-1)), ("cumprod", lambda x, y: (x * y).cumprod(0)),
    ("cumsum", lambda x, y: (x * x * y).cumsum(-1)),
    ("norm", lambda x, y: (x + y).norm(dim=-1)), ("norm.p3", lambda x, y: (x + y).norm(p=3)),
    ("logsumexp", lambda x, y: tm.logsumexp(x * y, -1)),
    ("logaddexp", lambda x, y: tm.logaddexp(x * x, y)),
    ("lerp", lambda x, y: tm.lerp(x, y * y, x.sigmoid())),
    ("maximum", lambda x, y: tm.maximum(x * x, y)), ("remainder", lambda x, y: (x * y) % 7.5),
    ("clamp", lambda x, y: (x * y).clamp(-0.5, y)),
]


@pytest.mark.parametrize("fn", [lambda x: x.prod(dim=-1), lambda x: x.prod(),
                                lambda x: x.cumprod(1), lambda x: tm.cumprod(x, 0)])
def test_second_derivatives_of_products_with_zeros(fn):
    # Products are multilinear, so central differences of their gradients are exact too.
    x = np.array([[0.0, 2.0, 0.5], [1.5, 0.0, 0.0], [0.0, 0.0, 0.0], [3.0, -1.0, 2.0]])
    assert tm.gradgradcheck(fn, (tm.tensor(x, requires_grad=True),))


@pytest.mark.parametrize("name", [n for n, _ in SMOOTH])
def test_second_derivatives_under_create_graph(name):
    fn = dict(SMOOTH)[name]
    rng = np.random.default_rng(7)
    x, y = rng.uniform(0.3, 1.2, (2, 3)), rng.uniform(0.4, 1.1, (2, 3))
    assert tm.gradgradcheck(fn, (tm.tensor(x, requires_grad=True),
                                 tm.tensor(y, requires_grad=True)))
