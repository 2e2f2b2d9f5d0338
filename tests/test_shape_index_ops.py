"""What the op table cannot say about the shape, index, sort and einsum ops: PyTorch's
errors, named tuples, ties and NaN in sorting, dtype promotion of ``where``, second
derivatives of einsum, and gradients where indices repeat."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_mlp as tm
import tinygrad_mlp.functional as F
from tinygrad_mlp import testing as tmt
from tinygrad_mlp.testing import assert_grad_matches_numeric

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _x(*shape, seed=0):
    return tm.tensor(np.random.default_rng(seed).standard_normal(shape))


def ix(*rows):
    return tm.tensor(np.array(rows, dtype=np.int64))


# ------------------------------------------------------------------ regressions
def test_concatenate_dim_out_of_range_is_pytorchs_index_error():
    a = tm.zeros(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of "
                                         r"\[-2, 1\], but got -3\)"):
        tm.concatenate([a, a], axis=-3)
    with pytest.raises(IndexError, match="stack"):
        tm.stack([a, a], dim=3)


@pytest.mark.parametrize("call, exc, text", [
    (lambda: tm.cat([tm.zeros(2, 3), tm.zeros(3, 2)], 0), RuntimeError, "must match except"),
    (lambda: tm.cat([tm.zeros(2), tm.zeros(2, 1)]), RuntimeError, "must match"),
    (lambda: tm.cat([]), RuntimeError, "non-empty"),
    (lambda: tm.cat(tm.zeros(2)), TypeError, "tuple or list"),
    (lambda: tm.cat([tm.tensor(1.0)]), RuntimeError, "zero-dimensional"),
    (lambda: tm.zeros(5).split([2, 2]), RuntimeError, "sum exactly to 5"),
    (lambda: tm.zeros(5).chunk(0), RuntimeError, "greater than 0"),
    (lambda: tm.zeros(5).narrow(0, 3, 3), IndexError, "exceeds dimension size"),
    (lambda: tm.zeros(()).unbind(), IndexError, "no dimensions"),
    (lambda: tm.zeros(()).split(1), IndexError, "no dimensions"),
    (lambda: tm.zeros(3).tril(), RuntimeError, "at least 2 dimensions"),
    (lambda: tm.zeros(3, 3).diagonal(0, 1, 1), RuntimeError, "cannot be identical"),
    (lambda: tm.zeros(2, 3).movedim((0, 1), 0), RuntimeError, "same number of dims"),
    (lambda: tm.zeros(2, 3).roll((1, 2), 0), RuntimeError, "must align"),
    (lambda: F.pad(tm.zeros(2, 3), (1,)), RuntimeError, "even"),
    (lambda: F.pad(tm.zeros(1, 2, 3), (3, 0), mode="reflect"), RuntimeError, "reflect"),
    (lambda: F.pad(tm.zeros(1, 2, 3), (1, 1), mode="wrap"), NotImplementedError, "mode"),
    (lambda: F.pad(tm.zeros(3, 4), (1, 1, 1, 1), "replicate"), NotImplementedError, "2D input"),
    (lambda: _x(3, 4).gather(1, ix([0, 4])), RuntimeError, "index 4 is out of bounds"),
    (lambda: _x(3, 4).gather(1, ix(0, 1)), RuntimeError, "same number of dimensions"),
    (lambda: _x(3, 4).gather(1, tm.tensor(np.zeros((3, 1)))), RuntimeError, "int64"),
    (lambda: _x(3, 4).gather(2, ix([0])), IndexError, "Dimension out of range"),
    (lambda: _x(2, 2).scatter(0, ix([0, 1]), _x(2, 2).float()), RuntimeError, "dtype"),
    (lambda: _x(3, 4).index_select(0, ix(3)), IndexError, "index out of range"),
    (lambda: _x(3, 4).index_select(0, ix([0])), IndexError, "vector"),
    (lambda: _x(3, 4).take(ix(12)), IndexError, "out of range"),
    (lambda: _x(3).masked_fill(tm.tensor(np.array([1, 0, 1])), 0.0), RuntimeError, "boolean"),
    (lambda: _x(3).masked_fill(tm.tensor(np.ones((2, 3), bool)), 0.0), RuntimeError,
     "does not broadcast"),
    (lambda: _x(3).masked_fill(tm.tensor(np.ones(3, bool)), _x(3)), RuntimeError,
     "0-dimensional"),
    (lambda: tm.where(tm.tensor(np.ones(2)), _x(2), _x(2)), RuntimeError, "boolean"),
    (lambda: tm.where(tm.tensor(np.ones(2, bool)), _x(2)), TypeError, "both"),
    (lambda: _x(3, 4).topk(5), RuntimeError, "out of range"),
    (lambda: _x(3, 4).kthvalue(0), RuntimeError, "out of range"),
    (lambda: tm.zeros(0, 3).argmax(0), IndexError, "non-zero size"),
    (lambda: tm.einsum("ij,jk->ik", _x(2, 3), _x(4, 2)), RuntimeError, "size"),
    (lambda: tm.einsum("ij,jk->il", _x(2, 3), _x(3, 2)), RuntimeError, "output subscripts"),
    (lambda: tm.einsum("ijk", _x(2, 3)), RuntimeError, "number of subscripts"),
    (lambda: tm.einsum("ij,j", _x(2, 3)), RuntimeError, "operand"),
    (lambda: tm.einsum("i1", _x(2, 3)), RuntimeError, "invalid subscript"),
    (lambda: tm.einsum("ij->ii", _x(2, 3)), RuntimeError, "once"),
])
def test_bad_arguments_raise_pytorchs_types(call, exc, text):
    with pytest.raises(exc, match=text):
        call()


@needs_torch
@pytest.mark.parametrize("name", ["cat_sizes", "stack_sizes", "gather_oob", "index_select_oob",
                                  "topk_k", "tril_1d", "split_sizes", "pad_mode",
                                  "pad_dims"])
def test_error_types_agree_with_torch(name):
    def call(lib):
        x = lib.tensor(np.zeros((3, 4)))
        i = lib.tensor(np.array([[5]], dtype=np.int64))
        return {"cat_sizes": lambda: lib.cat([x, x.T]),
                "stack_sizes": lambda: lib.stack([x, x[:2]]),
                "gather_oob": lambda: x.gather(1, i),
                "index_select_oob": lambda: x.index_select(0, i[0]),
                "topk_k": lambda: x.topk(7),
                "tril_1d": lambda: x[0].tril(),
                "split_sizes": lambda: x.split([1, 1], 0),
                "pad_mode": lambda: (lib.functional if lib is tm else lib.nn.functional).pad(
                    x[None], (5, 5), mode="reflect"),
                "pad_dims": lambda: (lib.functional if lib is tm else lib.nn.functional).pad(
                    x, (1, 1, 1, 1), mode="circular")}[name]()

    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)):
        call(tm)


# ------------------------------------------------------------------ results
def test_sort_and_topk_return_named_tuples_of_values_and_int64_indices():
    x = tm.tensor(np.array([[3.0, 1.0, 2.0]]))
    values, indices = x.sort(dim=1, descending=True)
    assert values.numpy().tolist() == [[3, 2, 1]] and indices.numpy().tolist() == [[0, 2, 1]]
    r = x.topk(2)
    assert type(r).__name__ == "topk" and r.indices.dtype == np.int64
    assert r.values.numpy().tolist() == [[3, 2]]
    assert x.sort().indices is not None and type(x.sort()).__name__ == "sort"
    m = x.median(1)
    assert m.values.numpy().tolist() == [2.0] and m.indices.numpy().tolist() == [2]
    assert x.kthvalue(1, 1, keepdim=True).values.shape == (1, 1)


def test_stable_sort_keeps_ties_in_order_both_ways():
    x = tm.tensor(np.array([2.0, 1.0, 2.0, 1.0, 2.0]))
    assert x.sort(stable=True).indices.numpy().tolist() == [1, 3, 0, 2, 4]
    assert x.sort(descending=True, stable=True).indices.numpy().tolist() == [0, 2, 4, 1, 3]
    assert x.argsort(descending=True).numpy().tolist() == [0, 2, 4, 1, 3]


@needs_torch
def test_nan_and_ties_sort_like_torch():
    a = np.array([[1.0, np.nan, 0.0, 1.0, -np.inf], [np.nan, 2.0, 2.0, np.nan, 0.5]])
    for kw in ({}, {"descending": True}):
        ours = tm.tensor(a).sort(stable=True, **kw)
        theirs = torch.tensor(a).sort(stable=True, **kw)
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    np.testing.assert_array_equal(tm.tensor(a).argmax(1).numpy(), torch.tensor(a).argmax(1))
    np.testing.assert_array_equal(tm.tensor(a).argmin(1).numpy(), torch.tensor(a).argmin(1))
    assert np.isnan(tm.tensor(a).median().item()) and np.isnan(torch.tensor(a).median().item())
    assert tm.tensor(a).median(1).indices.numpy().tolist() == \
        torch.tensor(a).median(1).indices.tolist()


def test_argmax_dims_and_aliases():
    x = _x(2, 3, 4)
    assert x.argmax().shape == () and x.argmax().dtype == np.int64
    assert x.argmax(keepdim=True).shape == (1, 1, 1)
    assert x.argmax(1).shape == (2, 4) and x.argmin(dim=-1, keepdim=True).shape == (2, 3, 1)
    assert x.argmax(axis=2, keepdims=True).shape == (2, 3, 1)  # NumPy's spellings
    np.testing.assert_array_equal(tm.argmax(x, 0).numpy(), x.numpy().argmax(0))


@needs_torch
@pytest.mark.parametrize("a, b", [("int32", 0.5), ("int64", 2), ("float32", 2.0),
                                  ("int32", "0d:float64"), ("float32", "0d:float64"),
                                  ("float32", "float64"), ("bool", 1), (1, 0.5), (1, 0),
                                  ("int64", "float32"), ("int32", "float64"), ("bool", 0.5)])
def test_where_promotes_like_torch(a, b):
    cond = np.array([True, False, True])

    def make(lib, v):
        if isinstance(v, str):
            zero_d = v.startswith("0d:")
            arr = np.ones(() if zero_d else 3, dtype=v.removeprefix("0d:"))
            return lib.from_numpy(arr)
        return v

    ours = tm.where(tm.tensor(cond), make(tm, a), make(tm, b))
    theirs = torch.where(torch.tensor(cond), make(torch, a), make(torch, b))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy())


def test_where_condition_only_and_nonzero():
    c = tm.tensor(np.array([[0.0, 1.5], [2.0, 0.0]]))
    rows, cols = tm.where(c != 0)
    assert rows.numpy().tolist() == [0, 1] and cols.numpy().tolist() == [1, 0]
    assert c.nonzero().numpy().tolist() == [[0, 1], [1, 0]] and c.nonzero().dtype == np.int64
    assert c[tm.where(c != 0)].numpy().tolist() == [1.5, 2.0]


def test_masked_fill_keeps_the_input_dtype():
    x = tm.tensor(np.array([1, 2, 3], dtype=np.int64))
    y = x.masked_fill(tm.tensor(np.array([True, False, True])), 0.7)
    assert y.dtype == np.int64 and y.numpy().tolist() == [0, 2, 0]


# ------------------------------------------------------------------ gradients
def test_repeated_indices_add_their_gradients():
    x = tm.tensor(np.arange(4.0), requires_grad=True)
    (x.index_select(0, ix(1, 1, 3)).sum() + x.gather(0, ix(1, 3, 3)).sum()
     + x.take(ix(3, -1)).sum()).backward()
    assert x.grad.numpy().tolist() == [0, 3, 0, 5]


def test_scatter_gradients_with_a_larger_src_and_overwrites():
    s = np.random.default_rng(1).standard_normal((3, 4))
    x = np.random.default_rng(2).standard_normal((2, 5))
    idx = ix([4, 0, 2], [1, 3, 0])
    assert_grad_matches_numeric(lambda a, b: a.scatter(1, idx, b), x, s)
    assert_grad_matches_numeric(lambda a, b: a.scatter_add(1, ix([0, 0, 4, 4]), b), x, s)


@pytest.mark.parametrize("eq, shapes", [
    ("bi,oi->bo", [(3, 4), (2, 4)]),
    ("bi,bj->ij", [(3, 2), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...i,i->...", [(2, 3), (3,)]),
    ("ii->i", [(3, 3)]),
    ("ij->j", [(2, 3)]),
    ("bi,bi->b", [(3, 4), (1, 4)]),
    ("iij->i", [(3, 3, 2)]),
    ("iji,j->", [(2, 3, 2), (3,)]),
])
def test_einsum_second_derivatives(eq, shapes):
    rng = np.random.default_rng(0)
    xs = [tm.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]
    assert tm.gradgradcheck(lambda *ts: tm.einsum(eq, *ts), xs)


def test_einsum_matches_matmul_and_its_gradient():
    x, w = _x(5, 3).requires_grad_(), _x(4, 3, seed=1).requires_grad_()
    y = tm.einsum("bi,oi->bo", x, w)
    np.testing.assert_allclose(y.numpy(), x.numpy() @ w.numpy().T)
    g = np.random.default_rng(3).standard_normal((5, 4))
    (y * tm.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), g @ w.numpy())
    np.testing.assert_allclose(w.grad.numpy(), g.T @ x.numpy())


def test_second_derivatives_of_shape_and_index_ops():
    rng = np.random.default_rng(0)
    x = tm.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    idx = ix([0, 0, 3], [1, 2, 1], [3, 3, 3])
    for fn in (lambda t: (t.gather(1, idx) ** 2), lambda t: t.sort(1).values ** 3,
               lambda t: t.flip(0).roll(1, 1) ** 2, lambda t: F.pad(t, (1, 2), "reflect") ** 2,
               lambda t: t.diagonal(1) ** 2, lambda t: t.movedim(0, 1).tril() ** 2,
               lambda t: F.pad(t, (1, -1)) ** 2, lambda t: tm.diag_embed(t) ** 2,
               lambda t: t.scatter(1, idx[:, :1], 0.5) ** 2):
        assert tm.gradgradcheck(fn, [x])


def test_split_chunk_unbind_pieces():
    x = _x(2, 7)
    assert [p.shape for p in x.split(3, 1)] == [(2, 3), (2, 3), (2, 1)]
    assert [p.shape for p in x.split([2, 5], dim=-1)] == [(2, 2), (2, 5)]
    assert [p.shape for p in tm.chunk(x, 3, 1)] == [(2, 3), (2, 3), (2, 1)]
    assert [p.shape for p in x.unbind(0)] == [(7,), (7,)]
    np.testing.assert_array_equal(tm.cat(x.split(2, 1), 1).numpy(), x.numpy())


# ------------------------------------------------------------------ random indices
@st.composite
def _gather_case(draw):
    """(x, dim, index, src): index smaller than x off ``dim``, values repeating."""
    shape = draw(tmt.shapes(min_dims=1, max_dims=3, max_side=3))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    d = dim % len(shape)
    ishape = tuple(draw(st.integers(1, 4)) if i == d else draw(st.integers(1, n))
                   for i, n in enumerate(shape))
    index = draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, shape[d] - 1)))
    return draw(tmt.arrays(shape)), dim, index, draw(tmt.arrays(ishape))


def _vs_torch(fn, *arrays):
    """Values and gradients of ``fn(lib, *tensors)`` on both libraries."""
    if torch is None:
        return
    rng = np.random.default_rng(0)
    ours = [tm.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    a, b = fn(tm, *ours), fn(torch, *theirs)
    np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12)
    cot = rng.standard_normal(a.shape)
    (a * tm.tensor(cot)).sum().backward()
    (b * torch.tensor(cot)).sum().backward()
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-12, atol=1e-12)


@given(_gather_case())
def test_gather_and_scatter_add_with_random_indices(case):
    x, dim, index, src = case
    def gather(lib, t):
        return t.gather(dim, lib.tensor(index))

    def scatter_add(lib, t, s):
        return t.scatter_add(dim, lib.tensor(index), s)

    assert_grad_matches_numeric(lambda t: gather(tm, t), x)
    assert_grad_matches_numeric(lambda t, s: scatter_add(tm, t, s), x, src)
    _vs_torch(gather, x)
    _vs_torch(scatter_add, x, src)


@given(st.data())
def test_index_select_with_random_indices(data):
    shape = data.draw(tmt.shapes(min_dims=1, max_dims=3, max_side=3), label="shape")
    dim = data.draw(st.integers(0, len(shape) - 1), label="dim")
    index = data.draw(hnp.arrays(np.int64, data.draw(st.integers(1, 5)),
                                 elements=st.integers(0, shape[dim] - 1)), label="index")
    x = data.draw(tmt.arrays(shape), label="x")

    def select(lib, t):
        return t.index_select(dim, lib.tensor(index))

    assert_grad_matches_numeric(lambda t: select(tm, t), x)
    _vs_torch(select, x)
