"""Indexing: ``x[index]`` (a differentiable gather) and ``x[index] = value`` (an in-place
write into ``x``'s memory), with PyTorch's placement of dims.

NumPy and PyTorch agree on basic, integer-array and boolean indexing except
in one case: an *integer* beside an index array.  NumPy counts the integer as
one more advanced index (``x[0, :, [0, 1]]`` on shape (2, 3, 4) → (2, 3)),
PyTorch applies it first as a plain selection (→ (3, 2)).  ``split_index``
turns such an index into two NumPy steps that give PyTorch's answer.
"""

from __future__ import annotations

from ..backend import xp
from .shape import GetItem


def _is_int(p) -> bool:
    return isinstance(p, (int, xp.integer)) and not isinstance(p, (bool, xp.bool_))


def _is_array(p) -> bool:
    return isinstance(p, xp.ndarray) and p.ndim > 0


def plain_index(index):
    """Replace Tensors (and lists) inside an index with arrays."""
    from ..tensor import Tensor

    if isinstance(index, Tensor):
        return index.data if index.data.ndim or index.data.dtype == bool else int(index.data)
    if isinstance(index, list):
        return xp.asarray(index) if not any(isinstance(i, (slice, type(None))) for i in index) \
            else tuple(index)
    if isinstance(index, tuple):
        return tuple(plain_index(i) if isinstance(i, (Tensor, list)) else i for i in index)
    return index


def split_index(index):
    """``index`` as one NumPy index, or (for integers mixed with index arrays) two that,
    applied one after the other, place the dims as PyTorch does."""
    if not isinstance(index, tuple):
        return (index,)
    has_int = has_array = False
    for p in index:
        if _is_int(p):
            has_int = True
        elif _is_array(p):
            has_array = True
    if not (has_int and has_array):
        return (index,)
    first = tuple(p if (_is_int(p) or p is None or p is Ellipsis) else slice(None)
                  if not isinstance(p, slice) else p for p in index)
    second = tuple(slice(None) if (p is None or isinstance(p, slice)) else p
                   for p in index if not _is_int(p))
    return (first, second)


def getitem(x, index):
    """``x[index]``; the gradient scatter-adds back (an element picked twice gets both)."""
    steps = split_index(plain_index(index))
    out = x
    for step in steps:
        out = GetItem.apply(out, index=step)
    return out


def setitem(x, index, value) -> None:
    """``x[index] = value``, in ``x``'s memory (see ``inplace.py`` for the rules)."""
    from .inplace import setitem_

    steps = split_index(plain_index(index))
    if len(steps) == 2:  # the rare mixed case: one index array per dim picks the same elements
        flat = xp.arange(x.data.size).reshape(x.shape)
        setitem_(x, xp.unravel_index(flat[steps[0]][steps[1]], x.shape), value)
    else:
        setitem_(x, steps[0], value)
