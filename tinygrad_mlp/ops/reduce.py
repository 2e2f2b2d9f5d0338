"""Reductions over ``dim`` (None, an int or a tuple), with ``keepdim``, at PyTorch's
names and meanings: ``sum mean max min amax amin var std var_mean std_mean``.

``max(dim)``/``min(dim)`` give ``(values, indices)`` with the gradient at the
index (PyTorch's rule); ``max()``/``amax`` share it equally among tied extremes.
``var``/``std`` use Bessel's correction (N − 1) unless ``correction=`` says
otherwise; NumPy's ``axis=``/``keepdims=``/``ddof=`` are aliases.
"""

from __future__ import annotations

import builtins
from collections import namedtuple

from .._args import dim_aliases, normalize_dims
from ..autograd import Function
from ..backend import xp
from ..dtypes import as_dtype
from ._dual import broadcast_to, value
from ._registry import tensor_method, tm_function


def normalize_axis(axis, ndim: int, op: str = "") -> tuple:
    """``axis`` as a sorted tuple of non-negative dims; None (or ``()``) means all.
    PyTorch's IndexError when a dim is out of range."""
    if axis is None or (isinstance(axis, (tuple, list)) and not axis):
        return tuple(range(ndim))
    return normalize_dims(axis, ndim, op)


def kept_shape(shape: tuple, axes: tuple) -> tuple:
    """``shape`` with the reduced ``axes`` set to 1 (the keepdim shape)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class _Reduction(Function):
    """Shared bookkeeping: remember the keepdim shape so ``g`` can be broadcast back."""

    def _setup(self, x, axis, keepdims):
        self.axes = normalize_axis(axis, x.ndim)  # apply() names the op
        self.kshape = kept_shape(x.shape, self.axes)
        return self.axes if x.ndim else None

    def _expand(self, g, shape):
        if g.shape != self.kshape:
            g = g.reshape(self.kshape)
        return broadcast_to(g, shape)


class Sum(_Reduction):
    saves_inputs = saves_output = False

    def forward(self, x, axis=None, keepdims=False):
        return x.sum(axis=self._setup(x, axis, keepdims), keepdims=keepdims)

    def backward(self, g, out, x):
        return (self._expand(g, x.shape),)


class Mean(_Reduction):
    saves_inputs = saves_output = False

    def forward(self, x, axis=None, keepdims=False):
        axes = self._setup(x, axis, keepdims)
        self.scale = 1.0 / builtins.max(1, x.size // builtins.max(1, _prod(self.kshape)))
        return x.mean(axis=axes, keepdims=keepdims)

    def backward(self, g, out, x):
        return (self._expand(g, x.shape) * self.scale,)


class Max(_Reduction):
    """Maximum (``amax``); tied maxima share the gradient equally, as in PyTorch."""

    _reduce = staticmethod(xp.max)

    def forward(self, x, axis=None, keepdims=False):
        axes = self._setup(x, axis, keepdims)
        if x.size == 0:
            raise IndexError(f"cannot reduce an empty tensor of shape {x.shape}: the "
                             f"operation has no identity")
        m = self._reduce(x, axis=axes, keepdims=True)
        return m if keepdims else m.reshape(_drop(x.shape, self.axes))

    def backward(self, g, out, x):
        # The derivative picks the extreme elements: a constant mask, shared among ties.
        xv = value(x)
        hit = xv == value(out).reshape(self.kshape)
        weights = hit / hit.sum(axis=self.axes or None, keepdims=True).astype(xv.dtype)
        return (self._expand(g, x.shape) * weights,)

    @classmethod
    def name(cls) -> str:
        return "amax" if cls is Max else "amin"


class Min(Max):
    """Minimum (``amin``); tied minima share the gradient equally."""

    _reduce = staticmethod(xp.min)


def _prod(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _drop(shape: tuple, axes: tuple) -> tuple:
    return tuple(n for i, n in enumerate(shape) if i not in axes)


# ----------------------------------------------------------------------------
# Function forms and Tensor methods
# ----------------------------------------------------------------------------

#: What ``max(dim)``/``min(dim)`` return, like ``torch.return_types.max``.
max_result = namedtuple("max", ["values", "indices"])
min_result = namedtuple("min", ["values", "indices"])


def _as_tensor(x):
    from ..tensor import Tensor

    return x if isinstance(x, Tensor) else Tensor(x)


def _float_input(x, op: str):
    if x.data.dtype.kind != "f":
        raise RuntimeError(f"{op}(): could not infer output dtype. Input dtype must be either "
                           f"a floating point or complex dtype. Got: {x.data.dtype}")
    return x


@tensor_method("sum")
@tm_function("sum")
@dim_aliases
def sum(input, dim=None, keepdim: bool = False, *, dtype=None):  # noqa: A001
    """Σ over ``dim`` (all dims when None); bool and integer tensors sum in int64."""
    x = _as_tensor(input)
    if dtype is not None:
        x = x.astype(as_dtype(dtype))
    elif x.data.dtype.kind in "biu" and x.data.dtype != xp.int64:
        x = x.astype(xp.int64)
    return Sum.apply(x, axis=dim, keepdims=keepdim)


@tensor_method("mean")
@tm_function("mean")
@dim_aliases
def mean(input, dim=None, keepdim: bool = False, *, dtype=None):
    """Mean over ``dim`` (all dims when None); needs a floating-point tensor (or ``dtype=``)."""
    x = _as_tensor(input)
    if dtype is not None:
        dt = as_dtype(dtype)
        if dt.kind != "f":
            raise RuntimeError(f"mean(): could not infer output dtype. Optional dtype must be "
                               f"either a floating point or complex dtype. Got: {dt}")
        x = x.astype(dt)
    return Mean.apply(_float_input(x, "mean"), axis=dim, keepdims=keepdim)


def _extreme(x, dim, keepdim, op: str, result):
    from ..tensor import Tensor

    x = _as_tensor(x)
    if isinstance(dim, Tensor):  # torch.max(a, b): the elementwise form
        other_fn = getattr(x, "maximum" if op == "max" else "minimum", None)
        if other_fn is None:
            raise TypeError(f"{op}(tensor, tensor) needs the elementwise maximum/minimum ops")
        return other_fn(dim)
    cls = Max if op == "max" else Min
    if dim is None:
        return cls.apply(x)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}(): dim must be an int (use amax/amin to reduce several dims)")
    (d,) = normalize_dims(dim, x.ndim, op) or (0,)
    if x.data.size == 0 or (x.ndim and x.shape[d] == 0):
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size "
                         f"(shape {x.shape})")
    arg = (xp.argmax if op == "max" else xp.argmin)(x.data, axis=d if x.ndim else None)
    if x.ndim == 0:
        values, indices = x, Tensor._wrap(xp.asarray(arg, dtype=xp.int64))
        return result(values, indices)
    # Gather the winners by an advanced index, so the gradient goes to the index only.
    out_shape = _drop(x.shape, (d,))
    grids = list(xp.indices(out_shape, sparse=True)) if out_shape else []
    index = tuple(grids[:d] + [arg] + grids[d:])
    from .shape import GetItem

    values = GetItem.apply(x, index=index)
    indices = Tensor._wrap(arg.astype(xp.int64))
    if keepdim:
        values = values.unsqueeze(d)
        indices = indices.unsqueeze(d)
    return result(values, indices)


@tensor_method("max")
@tm_function("max")
@dim_aliases
def max(input, dim=None, keepdim: bool = False):  # noqa: A001
    """``max()``: the largest element (ties share the gradient); ``max(dim)``: the
    named tuple ``(values, indices)`` along ``dim`` (the gradient goes to the index)."""
    return _extreme(input, dim, keepdim, "max", max_result)


@tensor_method("min")
@tm_function("min")
@dim_aliases
def min(input, dim=None, keepdim: bool = False):  # noqa: A001
    """``min()``: the smallest element; ``min(dim)``: ``(values, indices)`` along ``dim``."""
    return _extreme(input, dim, keepdim, "min", min_result)


@tensor_method("amax")
@tm_function("amax")
@dim_aliases
def amax(input, dim=(), keepdim: bool = False):
    """The maxima over ``dim`` (an int or tuple; all dims by default); ties share the gradient."""
    return Max.apply(_as_tensor(input), axis=dim, keepdims=keepdim)


@tensor_method("amin")
@tm_function("amin")
@dim_aliases
def amin(input, dim=(), keepdim: bool = False):
    """The minima over ``dim`` (an int or tuple; all dims by default); ties share the gradient."""
    return Min.apply(_as_tensor(input), axis=dim, keepdims=keepdim)


def _correction(correction, unbiased, ddof) -> float:
    given = [c for c in (correction, ddof) if c is not None]
    if unbiased is not None:
        given.append(1 if unbiased else 0)
    if len(given) > 1:
        raise TypeError("var/std: give one of correction=, unbiased= and ddof=")
    return given[0] if given else 1


def _var(x, dim, correction, keepdim):
    x = _float_input(_as_tensor(x), "var")
    axes = normalize_axis(dim, x.ndim, "var")
    n = _prod(x.shape[a] for a in axes)
    mu = x.mean(dim=axes, keepdim=True)
    d = x - mu
    ss = (d * d).sum(dim=axes, keepdim=keepdim)
    dof = n - correction
    if dof > 0:
        return ss / dof, mu
    # No degrees of freedom left: inf (or nan for 0/0), as PyTorch and NumPy give.
    with xp.errstate(divide="ignore", invalid="ignore"):
        return ss * xp.asarray(xp.inf if n else xp.nan, dtype=x.dtype), mu


def _var_args(dim, unbiased):
    if isinstance(dim, bool):  # var(True): the legacy positional ``unbiased``
        return None, dim
    return dim, unbiased


@tensor_method("var")
@tm_function("var")
@dim_aliases
def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, ddof=None):
    """Variance Σ(x − x̄)² / (N − correction) over ``dim``; ``correction=1`` (Bessel) by
    default, ``unbiased=False`` or ``correction=0`` divide by N (``ddof=`` is NumPy's name)."""
    dim, unbiased = _var_args(dim, unbiased)
    return _var(input, dim, _correction(correction, unbiased, ddof), keepdim)[0]


@tensor_method("std")
@tm_function("std")
@dim_aliases
def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None, ddof=None):
    """Standard deviation √var over ``dim``, with ``var``'s correction (N − 1 by default)."""
    dim, unbiased = _var_args(dim, unbiased)
    return _var(input, dim, _correction(correction, unbiased, ddof), keepdim)[0].sqrt()


@tensor_method("var_mean")
@tm_function("var_mean")
@dim_aliases
def var_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
             ddof=None):
    """``(var, mean)`` over ``dim`` in one pass."""
    dim, unbiased = _var_args(dim, unbiased)
    v, mu = _var(input, dim, _correction(correction, unbiased, ddof), keepdim)
    return v, (mu if keepdim else mu.reshape(v.shape))


@tensor_method("std_mean")
@tm_function("std_mean")
@dim_aliases
def std_mean(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None,
             ddof=None):
    """``(std, mean)`` over ``dim`` in one pass."""
    v, mu = var_mean(input, dim, unbiased, keepdim, correction=correction, ddof=ddof)
    return v.sqrt(), mu
