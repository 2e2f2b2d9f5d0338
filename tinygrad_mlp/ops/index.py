"""Indexing by tensors of indices or masks: ``gather``, ``scatter``, ``scatter_add``,
``index_select``, ``take``, ``masked_fill``, ``masked_select``, ``where``, ``nonzero``.

Index and mask tensors are constants (they carry no gradient).  Where an op reads an
element several times (repeated indices), its gradient adds the contributions up
(scatter-add), so every backward here is exact for repeats.
"""

from __future__ import annotations

import numbers

from .._args import normalize_dim
from ..autograd import Function
from ..backend import xp
from ..dtypes import result_type
from ..tensor import Tensor
from ._dual import scatter_add as _scatter_add_dual
from ._promote import as_tensor
from ._registry import tensor_method, tm_function


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _index(index, op: str, *, kinds: str = "iu"):
    """The integer array behind ``index`` (a Tensor, array or list), or PyTorch's error."""
    arr = xp.asarray(index.data if isinstance(index, Tensor) else index)
    if arr.dtype.kind not in kinds:
        raise RuntimeError(f"{op}(): Expected dtype int64 for index, got {arr.dtype}")
    return arr.astype(xp.intp, copy=False)


def _mask(mask, op: str):
    arr = xp.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if arr.dtype != bool:
        raise RuntimeError(f"{op}: expected a boolean mask (condition), got dtype {arr.dtype}; "
                           f"compare to get one, e.g. x > 0")
    return arr


# ------------------------------------------------------------------ gather/scatter
def _grid(index, dim: int) -> tuple:
    """Index arrays that pick, for every position p of ``index``, the element whose
    coordinate along ``dim`` is ``index[p]`` and is p's elsewhere."""
    nd = index.ndim
    return tuple(index if d == dim else
                 xp.arange(n).reshape((n,) + (1,) * (nd - 1 - d))
                 for d, n in enumerate(index.shape))


def _check_grid(op: str, x_shape, dim: int, index, other=None) -> None:
    if index.ndim != len(x_shape) and not (index.ndim <= 1 and len(x_shape) <= 1):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions "
                           f"as input tensor (index shape {index.shape}, input {x_shape})")
    for d, n in enumerate(index.shape):
        if d != dim and n > x_shape[d]:
            raise RuntimeError(f"{op}(): Size does not match at dimension {d} expected index "
                               f"{index.shape} to be smaller than self {x_shape} apart "
                               f"from dimension {dim}")
        if other is not None and n > other[d]:
            raise RuntimeError(f"{op}(): Expected index {index.shape} to be smaller than src "
                               f"{other} at dimension {d}")
    if index.size:
        lo, hi = int(index.min()), int(index.max())
        n = x_shape[dim] if x_shape else 1
        if lo < 0 or hi >= n:
            bad = lo if lo < 0 else hi
            raise RuntimeError(f"{op}(): index {bad} is out of bounds for dimension {dim} "
                               f"with size {n}")


class Gather(Function):
    """``out[p] = x[p with coordinate dim replaced by index[p]]``; the gradient
    scatter-adds ``g`` back to those positions (repeats add up)."""

    def forward(self, x, dim=0, index=None):
        self.grid = _grid(index, dim)
        return x[self.grid] if x.ndim else xp.broadcast_to(x, index.shape).copy()

    def backward(self, g, out, x):
        if x.ndim == 0:
            return (g.sum(),)
        return (_scatter_add_dual(g, self.grid, x.shape),)


@tensor_method("gather")
@tm_function("gather")
def gather(input: Tensor, dim: int, index) -> Tensor:  # noqa: A002
    """Values of ``input`` along ``dim`` at ``index`` (same ndim; the result has its shape):
    for 2-D and dim=1, ``out[i][j] = input[i][index[i][j]]``."""
    x = _t(input)
    d = normalize_dim(dim, x.ndim, "gather")
    idx = _index(index, "gather")
    _check_grid("gather", x.shape, d, idx)
    return Gather.apply(x, dim=d, index=idx)


class Scatter(Function):
    """``out = x`` with ``src`` written (or, ``add=True``, added) at the positions
    ``gather`` would read.  Gradients: x gets ``g`` where nothing was written over it
    (all of ``g`` when adding), src gets ``g`` gathered from where it went."""

    def forward(self, x, src, dim=0, index=None, add=False):
        self.grid, self.add = _grid(index, dim), add
        self.part = tuple(slice(0, n) for n in index.shape)
        out = x.copy()
        vals = xp.broadcast_to(src, index.shape) if src.ndim == 0 else src[self.part]
        if add:
            xp.add.at(out, self.grid, vals)
        else:
            out[self.grid] = vals
        return out

    def backward(self, g, out, x, src):
        gx = None
        if self.needs_grad(0):
            if self.add:
                gx = g
            else:
                keep = xp.ones(x.shape, dtype=bool)
                keep[self.grid] = False
                gx = g * keep
        gsrc = None
        if self.needs_grad(1):
            gsrc = g[self.grid]
            if src.ndim == 0:
                gsrc = gsrc.sum()
            elif src.shape != gsrc.shape:
                gsrc = _scatter_add_dual(gsrc, self.part, src.shape)
        return gx, gsrc


def _scatter(op, input, dim, index, src, value, add):
    x = _t(input)
    d = normalize_dim(dim, x.ndim, op)
    idx = _index(index, op)
    if src is None and value is None:
        raise TypeError(f"{op}(): give src (a tensor) or value (a number)")
    if src is None or not isinstance(src, Tensor):
        s = Tensor._wrap(xp.asarray(value if src is None else src, dtype=x.dtype))
    else:
        s = src
        if s.dtype != x.dtype:
            raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype "
                               f"({x.dtype} vs {s.dtype})")
    _check_grid(op, x.shape, d, idx, s.shape if s.ndim else None)
    return Scatter.apply(x, s, dim=d, index=idx, add=add)


@tensor_method("take_along_dim")
@tm_function("take_along_dim")
def take_along_dim(input: Tensor, indices, dim: int | None = None) -> Tensor:  # noqa: A002
    """``gather`` with broadcasting: input and indices broadcast against each other in every
    dim but ``dim`` (``dim=None``: both flattened).  ``x.take_along_dim(x.argsort(1), 1)``
    sorts x along dim 1."""
    x = _t(input)
    idx = _index(indices, "take_along_dim")
    if dim is None:
        return gather(x.reshape(-1), 0, idx.reshape(-1))
    d = normalize_dim(dim, x.ndim, "take_along_dim")
    if idx.ndim != x.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number "
                           f"of dimensions, but got {x.ndim} and {idx.ndim} dimensions")
    common = list(xp.broadcast_shapes(x.shape[:d] + (1,) + x.shape[d + 1:],
                                      idx.shape[:d] + (1,) + idx.shape[d + 1:]))
    xs, ids = tuple(common[:d] + [x.shape[d]] + common[d + 1:]), \
        tuple(common[:d] + [idx.shape[d]] + common[d + 1:])
    if x.shape != xs:
        from .shape import BroadcastTo

        x = BroadcastTo.apply(x, shape=xs)
    return gather(x, d, xp.broadcast_to(idx, ids))


@tensor_method("scatter")
@tm_function("scatter")
def scatter(input: Tensor, dim: int, index, src=None, *, value=None,  # noqa: A002
            reduce: str | None = None) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or a number) written at ``index`` along
    ``dim``: for 2-D and dim=1, ``out[i][index[i][j]] = src[i][j]``.
    ``reduce='add'`` adds instead (as ``scatter_add``)."""
    if reduce not in (None, "add"):
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported; use None "
                                  f"or 'add'")
    if isinstance(src, numbers.Number):
        src, value = None, src
    return _scatter("scatter", input, dim, index, src, value, reduce == "add")


@tensor_method("scatter_add")
@tm_function("scatter_add")
def scatter_add(input: Tensor, dim: int, index, src: Tensor) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` added at ``index`` along ``dim`` (repeats add up):
    for 2-D and dim=1, ``out[i][index[i][j]] += src[i][j]``."""
    return _scatter("scatter_add", input, dim, index, src, None, True)


@tensor_method("index_select")
@tm_function("index_select")
def index_select(input: Tensor, dim: int, index) -> Tensor:  # noqa: A002
    """The slices ``index`` (a 1-D integer tensor, repeats allowed) along ``dim``;
    the gradient adds up the slices picked more than once."""
    x = _t(input)
    d = normalize_dim(dim, x.ndim, "index_select")
    idx = _index(index, "index_select")
    if idx.ndim > 1:
        raise IndexError(f"index_select(): Index is supposed to be a vector, got shape "
                         f"{idx.shape}")
    n = x.shape[d] if x.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"index_select: index out of range in self (indices "
                         f"{idx.min()}..{idx.max()}, dim {d} has size {n})")
    if x.ndim == 0:
        return x.reshape(1)[idx.reshape(-1)].reshape(())
    return x[(slice(None),) * d + (idx.reshape(-1),)]


@tensor_method("take")
@tm_function("take")
def take(input: Tensor, index) -> Tensor:  # noqa: A002
    """Elements of the flattened ``input`` at ``index`` (negative counts from the end);
    the result has the index's shape."""
    x = _t(input)
    idx = _index(index, "take")
    if idx.size and (idx.min() < -x.data.size or idx.max() >= x.data.size):
        raise IndexError(f"take: out of range: tried to access index {idx.max()} on a tensor "
                         f"of {x.data.size} elements")
    return x.reshape(-1)[idx]


# ------------------------------------------------------------------ masks
class Where(Function):
    """``where(cond, a, b)``: ``cond`` is a constant boolean array; the gradient goes to
    ``a`` where cond holds and to ``b`` elsewhere."""

    def forward(self, a, b, cond=None):
        self.cond = cond
        return xp.where(cond, a, b)

    def backward(self, g, out, a, b):
        return g * self.cond, g * ~self.cond


@tm_function("where")
def where(condition, input=None, other=None):  # noqa: A002
    """``input`` where ``condition`` holds, else ``other`` (broadcasting; either may be a
    number; the dtype follows PyTorch's promotion).  ``where(condition)`` alone is
    ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        return nonzero(_t(condition), as_tuple=True)
    if input is None or other is None:
        raise TypeError("where(): give both input and other, or neither")
    cond = _mask(condition, "where")
    dt = result_type(input, other)
    return Where.apply(as_tensor(input, dt), as_tensor(other, dt), cond=cond)


@tensor_method("where")
def _where_method(self: Tensor, condition, other) -> Tensor:
    """``x.where(condition, y)``: ``where(condition, x, y)``."""
    return where(condition, self, other)


@tensor_method("masked_fill")
@tm_function("masked_fill")
def masked_fill(input: Tensor, mask, value) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``value`` (a number or a 0-d tensor) where ``mask`` (boolean,
    broadcastable to input) is True; input's gradient is zero there."""
    x = _t(input)
    m = _mask(mask, "masked_fill")
    if xp.broadcast_shapes(m.shape, x.shape) != x.shape:
        raise RuntimeError(f"masked_fill: the mask of shape {m.shape} does not broadcast to "
                           f"the input's shape {x.shape}")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"masked_fill only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.ndim} dimension(s)")
    return Where.apply(as_tensor(value, x.dtype), x, cond=m)


@tensor_method("masked_select")
@tm_function("masked_select")
def masked_select(input: Tensor, mask) -> Tensor:  # noqa: A002
    """The elements of ``input`` where ``mask`` is True, as a 1-D tensor (both are
    broadcast first)."""
    x = _t(input)
    m = _mask(mask, "masked_select")
    shape = xp.broadcast_shapes(m.shape, x.shape)
    if x.shape != shape:
        from .shape import BroadcastTo

        x = BroadcastTo.apply(x, shape=shape)
    return x[xp.broadcast_to(m, shape)]


@tensor_method("nonzero")
@tm_function("nonzero")
def nonzero(input: Tensor, *, as_tuple: bool = False):  # noqa: A002
    """Indices of the non-zero elements: an (n, ndim) int64 tensor, or with ``as_tuple``
    one (n,) int64 tensor per dim (usable as an index)."""
    a = _t(input).data
    if as_tuple:
        return tuple(Tensor._wrap(i.astype(xp.int64)) for i in xp.nonzero(xp.atleast_1d(a)))
    return Tensor._wrap(xp.argwhere(a).astype(xp.int64))


@tensor_method("argwhere")
@tm_function("argwhere")
def argwhere(input: Tensor) -> Tensor:  # noqa: A002
    """``nonzero(input)``: the (n, ndim) int64 indices of the non-zero elements."""
    return nonzero(input)
