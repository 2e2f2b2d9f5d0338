"""Ops that move elements without changing them: reshape, transpose, indexing and
broadcasting (joins are in ``join.py``, ``where`` in ``index.py``)."""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._dual import scatter_add, scatter_add_array


class _View(Function):
    """An op whose output may be a view of its input's memory: the two then share
    one version counter, so an in-place change through either is seen by both."""

    saves_inputs = saves_output = False  # backward needs only the input's shape

    @classmethod
    def apply(cls, x, **params):
        out = Function.apply.__func__(cls, x, **params)
        if xp.may_share_memory(out.data, x.data):
            if x._vc is None:
                x._vc = []
            out._vc = x._vc
        return out


class Reshape(_View):
    def forward(self, x, shape=()):
        return x.reshape(shape)

    def backward(self, g, out, x):
        return (g.reshape(x.shape),)


class Transpose(_View):
    """Permute axes (reverse them when ``axes`` is None); the gradient permutes back."""

    def forward(self, x, axes=None):
        if axes is not None and sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)):
            raise ValueError(f"axes {axes} are not a permutation of the {x.ndim} dims")
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g, out, x):
        if self.axes is None:
            return (g.transpose(),)
        return (g.transpose(tuple(xp.argsort([a % x.ndim for a in self.axes]).tolist())),)


class SwapAxes(_View):
    def forward(self, x, a=-2, b=-1):
        self.a, self.b = a, b
        return x.swapaxes(a, b)

    def backward(self, g, out, x):
        return (g.swapaxes(self.a, self.b),)


class GetItem(_View):
    """``x[index]``: basic and integer-array indexing; the gradient scatter-adds back,
    so an element picked twice gets both gradients."""

    def forward(self, x, index=None):
        self.index = index
        return x[index]

    def backward(self, g, out, x):
        return (scatter_add(g, self.index, x.shape),)

    @classmethod
    def name(cls) -> str:
        return "getitem"


class ScatterAdd(Function):
    """The adjoint of ``GetItem`` (used when the backward pass is itself differentiated)."""

    saves_inputs = saves_output = False

    def forward(self, g, index=None, shape=()):
        self.index = index
        return scatter_add_array(g, index, shape)

    def backward(self, g, out, src):
        return (g[self.index],)


class BroadcastTo(_View):
    def forward(self, x, shape=()):
        return xp.broadcast_to(x, shape)

    def backward(self, g, out, x):
        return (g,)  # the engine sums the gradient back to x's shape


# cat/stack live in join.py, where/Where in index.py; importable from here as before.
from .index import Where, where  # noqa: E402, F401
from .join import Concatenate, Stack, cat, stack  # noqa: E402, F401

concatenate = cat
