"""Elementwise op nodes: arithmetic and the pointwise functions of deep learning.

Each class is one op: ``forward`` computes the value, ``backward`` its local
derivative times the upstream gradient ``g``, written as in a textbook.
Gradients come back in the broadcast shape; the engine sums them back to each
input's shape (``autograd.sum_to_shape``), so no op repeats that logic.
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._dual import log, sign, value, where

#: Per dtype: minus the largest argument whose exponential is finite (a little rounded
#: down), and 1, as scalars of that dtype (sigmoid's floor and its constant).
_EXP_LIMIT = {xp.dtype(t): (t(1.0 - float(xp.log(xp.finfo(t).max))), t(1))
              for t in (xp.float32, xp.float64)}


def sigmoid_array(x):
    """σ(x) on an array (see ``Sigmoid``): 1 / (1 + e^−max(x, −floor)).

    (Written into one buffer with ``out=``, it was 5 % faster at (32, 100) and twice
    as slow at (1,): NumPy's ``out=`` costs more per call than a small allocation.)
    """
    lim = _EXP_LIMIT.get(x.dtype)
    if lim is None:  # float16 and the like: compute in float32, where the floor is far out
        return sigmoid_array(x.astype(xp.float32)).astype(x.dtype)
    floor, one = lim
    return one / (one + xp.exp(-xp.maximum(x, floor)))


class Add(Function):
    saves_inputs = saves_output = False  # backward needs neither

    def forward(self, a, b):
        return a + b

    def backward(self, g, out, a, b):
        return g, g


class Sub(Function):
    saves_inputs = saves_output = False  # backward needs neither

    def forward(self, a, b):
        return a - b

    def backward(self, g, out, a, b):
        return g, -g


class Mul(Function):
    saves_output = False

    def uses_input(self, i: int) -> bool:  # a is needed only for b's gradient, and b for a's
        return self.parents[1 - i].requires_grad

    def forward(self, a, b):
        return a * b

    def backward(self, g, out, a, b):
        # Skip the product nobody needs (x * constant is common). _p0 and _p1 are the
        # input tensors: ``parents``, spelled out, since this runs for every product.
        ga = g * b if self._p0.requires_grad else None
        return ga, (g * a if self._p1.requires_grad else None)


class Div(Function):
    def forward(self, a, b):
        return a / b

    def backward(self, g, out, a, b):
        ga = g / b
        return ga, (-ga * out if self.needs_grad(1) else None)


class Pow(Function):
    """``a ** b``; d/da = b·a^(b−1), d/db = a^b·ln a (each computed only when needed).

    At a = 0 the formulas read 0·0⁻¹ and 0·ln 0; the limits, as in PyTorch, are
    d/da = 0 where b = 0 and d/db = 0 where b ≥ 0.
    """

    def forward(self, a, b):
        return a**b

    def backward(self, g, out, a, b):
        ga = gb = None
        av, bv = value(a), value(b)
        with xp.errstate(divide="ignore", invalid="ignore"):  # masked out just below
            if self.needs_grad(0):
                ga = g * b * a ** (b - 1)
                if (bv == 0).any():
                    ga = where(bv == 0, 0.0, ga)
            if self.needs_grad(1):
                zero = (av == 0) & (bv >= 0)
                gb = g * out * log(where(zero, 1.0, a) if zero.any() else a)
        return ga, gb


class Neg(Function):
    saves_inputs = saves_output = False  # backward needs neither

    def forward(self, x):
        return -x

    def backward(self, g, out, x):
        return (-g,)


class Exp(Function):
    saves_inputs = False

    def forward(self, x):
        return xp.exp(x)

    def backward(self, g, out, x):
        return (g * out,)


class Log(Function):
    saves_output = False

    def forward(self, x):
        return xp.log(x)

    def backward(self, g, out, x):
        return (g / x,)


class Sqrt(Function):
    saves_inputs = False

    def forward(self, x):
        return xp.sqrt(x)

    def backward(self, g, out, x):
        return (g / (2 * out),)


class Abs(Function):
    """|x|; the derivative sign(x) is taken as 0 at x = 0, as in PyTorch."""

    saves_output = False

    def forward(self, x):
        return xp.abs(x)

    def backward(self, g, out, x):
        return (g * sign(x),)


class Tanh(Function):
    saves_inputs = False

    def forward(self, x):
        return xp.tanh(x)

    def backward(self, g, out, x):
        return (g * (1 - out * out),)


class Sigmoid(Function):
    """σ(x) = 1 / (1 + e^−x); σ′ = σ(1 − σ).

    e^−x overflows only for x below −log(max float); there σ(x) is below the
    smallest normal float anyway, so x is floored first.  This stays accurate
    in relative terms everywhere and costs five cheap ufunc calls.
    """

    saves_inputs = False

    def forward(self, x):
        return sigmoid_array(x)

    def backward(self, g, out, x):
        return (g * out * (1 - out),)


class Relu(Function):
    """max(x, 0); the derivative is taken as 0 at x = 0, as in PyTorch."""

    saves_output = False

    def forward(self, x):
        return xp.maximum(x, 0)

    def backward(self, g, out, x):
        return (g * (value(x) > 0),)

    @classmethod
    def name(cls) -> str:
        return "relu"


class Clip(Function):
    """Clamp into [lo, hi] (either may be None); the gradient is 0 where clamped."""

    saves_output = False

    def forward(self, x, lo=None, hi=None):
        self.lo, self.hi = lo, hi
        return xp.clip(x, lo, hi)

    def backward(self, g, out, x):
        xd = value(x)
        inside = xp.ones(xd.shape, dtype=bool)
        if self.lo is not None:
            inside &= xd >= self.lo
        if self.hi is not None:
            inside &= xd <= self.hi
        return (g * inside,)


class Cast(Function):
    """Change the dtype; the gradient is cast back to the input's dtype."""

    saves_inputs = saves_output = False  # backward needs neither

    def forward(self, x, dtype=None):
        return x.astype(dtype)

    def backward(self, g, out, x):
        return (g,)  # the engine casts each gradient to its input's dtype


class Clone(Function):
    """A copy with its own memory (``clone()``); the gradient passes through."""

    saves_inputs = saves_output = False

    def forward(self, x):
        return x.copy()

    def backward(self, g, out, x):
        return (g,)
