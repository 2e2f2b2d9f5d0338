"""PyTorch's argument names with NumPy's as aliases, handled in one place.

``dim``/``keepdim`` are the names; ``axis``/``keepdims`` are accepted too (as
PyTorch accepts them).  ``normalize_dim`` gives PyTorch's ``IndexError`` for a
dim out of range.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

_ALIASES = {"axis": "dim", "keepdims": "keepdim"}


def dim_aliases(fn: Callable) -> Callable:
    """Decorator: accept ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            for alias, name in _ALIASES.items():
                if alias in kwargs:
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}(): got both {name}= and its alias "
                                        f"{alias}=; pass one")
                    kwargs[name] = kwargs.pop(alias)
        return fn(*args, **kwargs)

    return wrapper


def normalize_dim(dim, ndim: int, op: str = "") -> int:
    """``dim`` as a non-negative int; PyTorch's IndexError when out of range.

    A 0-d tensor accepts dims -1 and 0, as in PyTorch.
    """
    if not isinstance(dim, int) or isinstance(dim, bool):
        try:
            dim = int(dim.__index__())
        except AttributeError:
            raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}") from None
    n = max(ndim, 1)
    if not -n <= dim < n:
        prefix = f"{op}: " if op else ""
        raise IndexError(f"{prefix}Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {dim})")
    return dim % n


def normalize_dims(dim, ndim: int, op: str = "") -> tuple:
    """``dim`` (None, an int, or a tuple/list of ints) as a sorted tuple of distinct dims;
    None means every dim."""
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    out = [normalize_dim(d, ndim, op) for d in dims]
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}: dim {dim!r} appears multiple times in the list of dims")
    return tuple(sorted(out)) if ndim else ()
