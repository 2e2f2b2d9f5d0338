"""Reductions: sum, mean, max, min over ``axis`` (None, an int or a tuple), with ``keepdims``."""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._dual import broadcast_to, value


def normalize_axis(axis, ndim: int) -> tuple:
    """``axis`` as a sorted tuple of non-negative ints, with a clear error when out of range
    (``Function.apply`` prefixes the op's name)."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = []
    for a in axes:
        if not isinstance(a, (int, xp.integer)):
            raise TypeError(f"axis must be an int or a tuple of ints, got {axis!r}")
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dims")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {axis!r}")
    return tuple(sorted(out))


def kept_shape(shape: tuple, axes: tuple) -> tuple:
    """``shape`` with the reduced ``axes`` set to 1 (the keepdims shape)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


class _Reduction(Function):
    """Shared bookkeeping: remember the keepdims shape so ``g`` can be broadcast back."""

    def _setup(self, x, axis, keepdims):
        self.axes = normalize_axis(axis, x.ndim)
        self.kshape = kept_shape(x.shape, self.axes)
        return self.axes if x.ndim else None

    def _expand(self, g, shape):
        if g.shape != self.kshape:
            g = g.reshape(self.kshape)
        return broadcast_to(g, shape)


class Sum(_Reduction):
    def forward(self, x, axis=None, keepdims=False):
        return x.sum(axis=self._setup(x, axis, keepdims), keepdims=keepdims)

    def backward(self, g, out, x):
        return (self._expand(g, x.shape),)


class Mean(_Reduction):
    def forward(self, x, axis=None, keepdims=False):
        axes = self._setup(x, axis, keepdims)
        self.scale = 1.0 / max(1, x.size // max(1, _prod(self.kshape)))
        return x.mean(axis=axes, keepdims=keepdims)

    def backward(self, g, out, x):
        return (self._expand(g, x.shape) * self.scale,)


class Max(_Reduction):
    """Maximum; tied maxima share the gradient equally (like ``torch.amax``)."""

    _reduce = staticmethod(xp.max)

    def forward(self, x, axis=None, keepdims=False):
        axes = self._setup(x, axis, keepdims)
        if x.size == 0:
            raise ValueError(f"cannot reduce an empty tensor of shape {x.shape}")
        m = self._reduce(x, axis=axes, keepdims=True)
        return m if keepdims else m.reshape(_drop(x.shape, self.axes))

    def backward(self, g, out, x):
        # The derivative picks the extreme elements: a constant mask, shared among ties.
        xv = value(x)
        hit = xv == value(out).reshape(self.kshape)
        weights = hit / hit.sum(axis=self.axes or None, keepdims=True).astype(xv.dtype)
        return (self._expand(g, x.shape) * weights,)


class Min(Max):
    """Minimum; tied minima share the gradient equally (like ``torch.amin``)."""

    _reduce = staticmethod(xp.min)


def _prod(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _drop(shape: tuple, axes: tuple) -> tuple:
    return tuple(n for i, n in enumerate(shape) if i not in axes)
