"""Helpers that backward formulas share, working on arrays *and* Tensors.

Backward formulas receive plain arrays normally and Tensors under
``create_graph=True``.  Arithmetic and methods like ``.sum``/``.reshape`` work on
both already; the few functions NumPy spells as free functions live here.
"""

from __future__ import annotations

from .. import tensor as _tensor
from ..backend import xp


def is_tensor(x) -> bool:
    return isinstance(x, _tensor.Tensor)


def value(x):
    """The array behind ``x`` (for constants such as masks, which carry no gradient)."""
    return x.data if isinstance(x, _tensor.Tensor) else x


def exp(x):
    return x.exp() if isinstance(x, _tensor.Tensor) else xp.exp(x)


def log(x):
    return x.log() if isinstance(x, _tensor.Tensor) else xp.log(x)


def where(cond, a, b):
    """``np.where`` with a constant boolean ``cond``; differentiable in a and b for Tensors."""
    if isinstance(a, _tensor.Tensor) or isinstance(b, _tensor.Tensor):
        from .shape import where as tensor_where

        return tensor_where(cond, a, b)
    return xp.where(cond, a, b)


def sigmoid(x):
    if isinstance(x, _tensor.Tensor):
        return x.sigmoid()
    from .elementwise import sigmoid_array

    return sigmoid_array(x)


def sign(x):
    """sign(x) as a constant array: it is piecewise constant, so it has no gradient."""
    return xp.sign(value(x))


def broadcast_to(x, shape: tuple):
    if isinstance(x, _tensor.Tensor):
        return x.broadcast_to(shape)
    return xp.broadcast_to(x, shape)


def scatter_add(g, index, shape: tuple):
    """A zeros array of ``shape`` with ``g`` added at ``index`` (repeats add up)."""
    if isinstance(g, _tensor.Tensor):
        from .shape import ScatterAdd

        return ScatterAdd.apply(g, index=index, shape=shape)
    return scatter_add_array(g, index, shape)


def scatter_add_array(g, index, shape: tuple):
    out = xp.zeros(shape, dtype=g.dtype)
    if is_basic_index(index):
        out[index] = g  # basic indexing selects each element at most once
    else:
        xp.add.at(out, index, g)
    return out


def is_basic_index(index) -> bool:
    """True when ``index`` holds only ints, slices, None, Ellipsis and boolean masks."""
    parts = index if isinstance(index, tuple) else (index,)
    for p in parts:
        if p is None or p is Ellipsis or isinstance(p, (int, slice)):
            continue
        if isinstance(p, xp.ndarray) and p.dtype == bool:
            continue
        return False
    return True
