"""Hypothesis strategies for property-testing ops, yours or the library's, against
central differences.

Needs hypothesis, which comes with the ``dev`` extra (``pip install "tinygrad_mlp[dev]"``);
without it importing this module raises ``ImportError``. The engine never imports it.

    from hypothesis import given
    from tinygrad_mlp import testing as tmt

    @given(tmt.arrays(tmt.shapes(), elements=tmt.positive()))
    def test_log_gradient(x):
        tmt.assert_grad_matches_numeric(lambda t: t.log(), x)

Central differences are valid only where the function is smooth, so the element
strategies keep values inside an op's domain: ``positive()`` for log and sqrt,
``away_from(0)`` for abs and relu, ``arrays(..., distinct=True)`` for max and min
(no ties, so a small step cannot change which element is the largest).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .autograd import grad
from .gradcheck import gradcheck
from .tensor import Tensor

__all__ = [
    "arrays", "assert_grad_matches_numeric", "axes_and_keepdims", "away_from", "basic_indices",
    "boolean_masks", "broadcastable_shapes", "floats_in", "integer_indices", "positive", "shapes",
    "dims_and_keepdim",
]

Shape = tuple[int, ...]


# ------------------------------------------------------------------- shapes
def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = 4) -> st.SearchStrategy[Shape]:
    """Array shapes, 0-d included by default: ``shapes()`` may give (), (3,), (1, 4, 2)..."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims,
                            min_side=min_side, max_side=max_side)


def broadcastable_shapes(n: int = 2, min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
                         max_side: int = 4) -> st.SearchStrategy[tuple[Shape, ...]]:
    """``n`` shapes that broadcast together, e.g. ((2, 1, 3), (4, 1), ()).

    Size-1 dims, missing leading dims and 0-d shapes all occur, so a binary op's
    gradient must be summed back to each input's shape.
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda r: r.input_shapes)


# ------------------------------------------------------------ element domains
def floats_in(lo: float = -5.0, hi: float = 5.0) -> st.SearchStrategy[float]:
    """Finite floats in [lo, hi] (no NaN, inf or subnormals)."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def positive(lo: float = 0.1, hi: float = 5.0) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] with lo > 0: the domain of log, sqrt and a base of ``**``."""
    if lo <= 0:
        raise ValueError(f"positive: lo must be > 0, got {lo}")
    return floats_in(lo, hi)


def away_from(*kinks: float, margin: float = 1e-2, lo: float = -5.0,
              hi: float = 5.0) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] at least ``margin`` from every kink (non-differentiable point).

    A value closer than ``margin`` is pushed out to ``kink ± margin`` (the side it
    was on), so ``away_from(0)`` suits abs and relu, ``away_from(-1, 1)`` clip(-1, 1).
    Kinks should be more than 2·margin apart. Example: ``arrays((3,), elements=away_from(0))``.
    """

    def push(v: float) -> float:
        for k in kinks:
            if abs(v - k) < margin:
                v = k + margin if v >= k else k - margin
        return v

    return floats_in(lo, hi).map(push)


def arrays(shape, dtype=np.float64, elements: st.SearchStrategy[float] | None = None,
           distinct: bool = False, min_gap: float = 1e-2) -> st.SearchStrategy[np.ndarray]:
    """Arrays of ``shape`` (a tuple or a strategy of tuples) with values from ``elements``
    (default ``floats_in(-5, 5)``), drawn in float64 and then cast to ``dtype``.

    ``distinct=True`` spreads the values so any two differ by at least ``min_gap``:
    the element of rank r gets r·min_gap added, which keeps the drawn order. Max, min
    and sorting-like ops then have a unique winner that a small step cannot change.
    The shift (up to size·min_gap) can move values out of ``elements``' range or into
    a kink's margin, so use ``distinct`` with plain intervals such as ``floats_in``.
    Example: ``arrays(shapes(min_dims=1), distinct=True)``.
    """
    strat = hnp.arrays(np.float64, shape, elements=elements if elements is not None
                       else floats_in())
    if distinct:
        strat = strat.map(lambda a: _spread(a, min_gap))
    return strat.map(lambda a: a.astype(dtype))


def _spread(a: np.ndarray, gap: float) -> np.ndarray:
    flat = a.reshape(-1)
    ranks = np.empty(flat.size)
    ranks[np.argsort(flat, kind="stable")] = np.arange(flat.size)
    return (flat + ranks * gap).reshape(a.shape)


# ------------------------------------------------------------ dims and indices
def dims_and_keepdim(ndim: int) -> st.SearchStrategy[tuple]:
    """``(dim, keepdim)`` for a reduction over an ``ndim``-dim tensor, as PyTorch spells
    them (pass them as ``x.sum(dim, keepdim=keepdim)``; NumPy's ``axis``/``keepdims``).

    ``dim`` is None, one int (negative ones too) or a non-empty tuple of distinct
    ints in any order; only None for a 0-d tensor. Example: ``(-1, True)``, ``((2, 0), False)``.
    """
    if ndim == 0:
        dim = st.none()
    else:
        dim = st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                        hnp.valid_tuple_axes(ndim, min_size=1))
    return st.tuples(dim, st.booleans())


#: NumPy's spelling of ``dims_and_keepdim`` (the older name; tests still use it).
axes_and_keepdims = dims_and_keepdim


def integer_indices(shape: Shape) -> st.SearchStrategy:
    """Integer-array indices into an array of ``shape`` (ndim ≥ 1, shape[0] ≥ 1).

    Either one index array for axis 0 that always repeats an element, like
    ``np.array([2, -1, 2])``, or a tuple of index arrays, one per axis
    (``hnp.integer_array_indices``, repeats likely). A correct gradient adds up
    the contributions of a repeated element (scatter-add).
    """
    if not shape or shape[0] < 1:
        raise ValueError(f"integer_indices: need ndim >= 1 and shape[0] >= 1, got {shape}")
    n = shape[0]
    one_axis = st.lists(st.integers(-n, n - 1), min_size=1, max_size=5).map(
        lambda idx: np.array(idx + [idx[0]], dtype=np.int64))
    per_axis = hnp.integer_array_indices(
        shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    return st.one_of(one_axis, per_axis)


def basic_indices(shape: Shape) -> st.SearchStrategy:
    """Basic indices (ints, slices with any step, None, Ellipsis) into ``shape``,
    e.g. ``(Ellipsis, None, slice(None, None, -2))``."""
    return hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True)


def boolean_masks(shape: Shape) -> st.SearchStrategy[np.ndarray]:
    """Boolean arrays of ``shape``, usable as ``x[mask]``."""
    return hnp.arrays(np.bool_, shape)


# ----------------------------------------------------------------- the check
def assert_grad_matches_numeric(fn: Callable, *arrays, eps: float = 1e-6, atol: float = 1e-7,
                                rtol: float = 1e-6, check_shapes: bool = True) -> None:
    """Assert that fn's full Jacobian matches central differences, in float64.

    Every ndarray or number in ``arrays`` becomes a float64 Tensor with
    ``requires_grad=True``; Tensors are passed as they are (one without
    ``requires_grad`` is a constant). ``fn`` returns a Tensor or a tuple of
    Tensors. Raises ``tm.GradcheckError`` (an AssertionError) naming the worst
    element. With ``check_shapes`` it also checks that each gradient has its
    input's shape and dtype (the Jacobian comparison alone flattens them).

        assert_grad_matches_numeric(lambda a, b: a * b, np.ones((2, 3)), np.ones(3))
    """
    inputs = tuple(a if isinstance(a, Tensor)
                   else Tensor(np.asarray(a, dtype=np.float64), requires_grad=True)
                   for a in arrays)
    gradcheck(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if check_shapes:
        wrt = [t for t in inputs if t.requires_grad]
        out = fn(*inputs)
        outs = [o for o in (out if isinstance(out, (tuple, list)) else (out,)) if o.requires_grad]
        if not outs:
            return
        rng = np.random.default_rng(0)
        seeds = [rng.standard_normal(o.shape).astype(o.dtype) for o in outs]
        for i, (t, g) in enumerate(zip(wrt, grad(outs, wrt, seeds, allow_unused=True))):
            if g is not None and (g.shape != t.shape or g.dtype != t.dtype):
                raise AssertionError(
                    f"assert_grad_matches_numeric: gradient of input {i} has shape {g.shape} "
                    f"and dtype {g.dtype}, the input has shape {t.shape} and dtype {t.dtype}")
