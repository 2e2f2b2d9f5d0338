"""Sorting and selection: ``sort``, ``argsort``, ``msort``, ``topk``, ``kthvalue``, ``median``,
``argmax``, ``argmin``.

Indices are int64 tensors without gradient.  Values are ``gather(x, dim, indices)``,
so their gradient is ``g`` scattered back to the positions the values came from.
NaN sorts as the largest value, as in PyTorch.
"""

from __future__ import annotations

from collections import namedtuple

from .._args import dim_aliases, normalize_dim
from ..backend import xp
from ..tensor import Tensor
from ._registry import tensor_method, tm_function
from .index import Gather

#: ``(values, indices)`` results, named as PyTorch's ``torch.return_types``.
sort_result = namedtuple("sort", ["values", "indices"])
topk_result = namedtuple("topk", ["values", "indices"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])
median_result = namedtuple("median", ["values", "indices"])


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _argsort(a, dim: int, descending: bool):
    """Stable sort order along ``dim``; descending keeps equal elements in their order
    (sort the reversed array ascending, reverse the result, map the indices back)."""
    if not descending:
        return xp.argsort(a, axis=dim, kind="stable")
    n = a.shape[dim]
    rev = xp.argsort(xp.flip(a, dim), axis=dim, kind="stable")
    return (n - 1) - xp.flip(rev, dim)


def _as_1d(x: Tensor):
    """0-d tensors sort as one element (PyTorch accepts dim 0 and -1 for them)."""
    return x.reshape(1) if x.ndim == 0 else x


def _values(x: Tensor, dim: int, idx, shape: tuple | None = None) -> Tensor:
    v = Gather.apply(x, dim=dim, index=idx)
    return v if shape is None or v.shape == shape else v.reshape(shape)


@tensor_method("sort")
@tm_function("sort")
@dim_aliases
def sort(input: Tensor, dim: int = -1, descending: bool = False,  # noqa: A002
         stable: bool = False) -> tuple:
    """``(values, indices)``: ``input`` sorted along ``dim`` and where each value came from.

    The sort is always stable (equal elements keep their order), so ``stable=True``
    changes nothing.  The gradient of ``values`` goes back to the sorted elements.
    """
    x = _t(input)
    d = normalize_dim(dim, x.ndim, "sort")
    x1 = _as_1d(x)
    idx = _argsort(x1.data, d, descending)
    return sort_result(_values(x1, d, idx, x.shape),
                       Tensor._wrap(idx.astype(xp.int64).reshape(x.shape)))


@tensor_method("argsort")
@tm_function("argsort")
@dim_aliases
def argsort(input: Tensor, dim: int = -1, descending: bool = False,  # noqa: A002
            stable: bool = False) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (int64): ``sort(...).indices``."""
    x = _t(input)
    d = normalize_dim(dim, x.ndim, "argsort")
    idx = _argsort(_as_1d(x).data, d, descending)
    return Tensor._wrap(idx.astype(xp.int64).reshape(x.shape))


@tensor_method("msort")
@tm_function("msort")
def msort(input: Tensor) -> Tensor:  # noqa: A002
    """``input`` sorted along dim 0 (the values of ``sort(input, dim=0)``)."""
    return sort(input, 0).values


@tensor_method("topk")
@tm_function("topk")
@dim_aliases
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True,  # noqa: A002
         sorted: bool = True) -> tuple:  # noqa: A002
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements
    along ``dim``, largest first; ties keep their order."""
    x = _t(input)
    d = normalize_dim(dim, x.ndim, "topk")
    x1 = _as_1d(x)
    n = x1.shape[d]
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k out of range (k={k}, dim {d} has size {n})")
    order = _argsort(x1.data, d, descending=largest)
    idx = xp.take(order, xp.arange(k), axis=d)
    shape = x.shape if x.ndim == 0 else None
    return topk_result(_values(x1, d, idx, shape),
                       Tensor._wrap(idx.astype(xp.int64).reshape(shape or idx.shape)))


def _select(x: Tensor, d: int, pos, keepdim: bool, result):
    """The element at sorted position ``pos`` (broadcast over the other dims) along ``d``."""
    x1 = _as_1d(x)
    order = _argsort(x1.data, d, descending=False)
    idx = xp.take_along_axis(order, xp.asarray(pos), axis=d)
    shape = x.shape if x.ndim == 0 else (idx.shape if keepdim else
                                         idx.shape[:d] + idx.shape[d + 1:])
    return result(_values(x1, d, idx, shape), Tensor._wrap(idx.astype(xp.int64).reshape(shape)))


@tensor_method("kthvalue")
@tm_function("kthvalue")
@dim_aliases
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> tuple:  # noqa: A002
    """``(values, indices)`` of the k-th smallest element along ``dim`` (k counts from 1)."""
    x = _t(input)
    d = normalize_dim(dim, x.ndim, "kthvalue")
    n = x.shape[d] if x.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d} "
                           f"(k={k}, size {n})")
    shape = list(_as_1d(x).shape)
    shape[d] = 1
    return _select(x, d, xp.full(shape, k - 1), keepdim, kthvalue_result)


@tensor_method("median")
@tm_function("median")
@dim_aliases
def median(input: Tensor, dim: int | None = None, keepdim: bool = False):  # noqa: A002
    """The lower median (the ⌊(n − 1)/2⌋-th smallest; NaN if any element is NaN).

    Without ``dim``: of all elements, a 0-d tensor.  With ``dim``: ``(values, indices)``.
    """
    x = _t(input)
    if dim is None:
        return median(x.reshape(-1), 0).values
    d = normalize_dim(dim, x.ndim, "median")
    a = _as_1d(x).data
    n = a.shape[d]
    if n == 0:
        raise IndexError(f"median(): Expected reduction dim {d} to have non-zero size")
    nans = xp.isnan(a).sum(axis=d, keepdims=True) if a.dtype.kind == "f" else 0
    pos = xp.where(nans > 0, n - nans, (n - 1) // 2)  # the first NaN, sorted last
    return _select(x, d, pos, keepdim, median_result)


def _arg_extreme(op: str, input, dim, keepdim: bool, fn) -> Tensor:
    a = _t(input).data
    if dim is None:
        if a.size == 0:
            raise RuntimeError(f"{op}(): Expected reduction dim to be specified for "
                               f"input.numel() == 0")
        i = xp.asarray(fn(a.reshape(-1)), dtype=xp.int64)
        return Tensor._wrap(i.reshape((1,) * a.ndim) if keepdim else i)
    d = normalize_dim(dim, a.ndim, op)
    if a.ndim == 0:
        return Tensor._wrap(xp.zeros((), dtype=xp.int64))
    if a.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size")
    return Tensor._wrap(fn(a, axis=d, keepdims=keepdim).astype(xp.int64))


@tensor_method("argmax")
@tm_function("argmax")
@dim_aliases
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index of the largest element along ``dim`` (of the flattened tensor when None), int64;
    the first one among ties; a NaN wins (as in PyTorch)."""
    return _arg_extreme("argmax", input, dim, keepdim, xp.argmax)


@tensor_method("argmin")
@tm_function("argmin")
@dim_aliases
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """Index of the smallest element along ``dim`` (of the flattened tensor when None), int64;
    the first one among ties; a NaN wins (as in PyTorch)."""
    return _arg_extreme("argmin", input, dim, keepdim, xp.argmin)
