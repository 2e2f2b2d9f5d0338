"""Rounding and its relatives: ``sign floor ceil round (decimals=) trunc (fix) frac``.

The first five are piecewise constant: their derivative is 0 wherever it exists,
and PyTorch takes it as 0 at the jumps too.  They keep the input's dtype (the floor
of an int64 tensor is int64; of a float32 tensor, float32).  ``frac`` = x − trunc(x)
has derivative 1 away from the integers.
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._registry import tensor_method, tm_function
from .pointwise import tensor_arg, zeros_grad


class Frac(Function):
    """x − trunc(x) (keeps the sign of x);  d/dx = 1 away from the integers."""

    def forward(self, x):
        return x - xp.trunc(x)

    def backward(self, g, out, x):
        return (g,)


class _Step(Function):
    """A piecewise-constant op: its derivative is 0 wherever it exists (PyTorch's choice
    at the jumps too)."""

    def backward(self, g, out, x):
        return (zeros_grad(g),)


class Sign(_Step):
    """−1, 0 or 1."""

    def forward(self, x):
        return x.copy() if x.dtype == bool else xp.sign(x)


class Floor(_Step):
    """The largest integer ≤ x."""

    def forward(self, x):
        return xp.floor(x) if x.dtype.kind == "f" else x.copy()


class Ceil(_Step):
    """The smallest integer ≥ x."""

    def forward(self, x):
        return xp.ceil(x) if x.dtype.kind == "f" else x.copy()


class Trunc(_Step):
    """x rounded toward 0."""

    def forward(self, x):
        return xp.trunc(x) if x.dtype.kind == "f" else x.copy()


class Round(_Step):
    """x rounded to ``decimals`` places, halves to even (``torch.round``)."""

    def forward(self, x, decimals=0):
        if x.dtype.kind != "f":
            return x.copy() if decimals >= 0 else xp.round(x, decimals)
        return xp.round(x, decimals)


@tensor_method("sign")
@tm_function("sign")
def sign(input):  # noqa: A002
    """−1, 0 or 1 by the sign of x (dtype kept); gradient 0."""
    return Sign.apply(tensor_arg(input))


@tensor_method("floor")
@tm_function("floor")
def floor(input):  # noqa: A002
    """The largest integer ≤ x, in x's dtype; gradient 0."""
    return Floor.apply(tensor_arg(input))


@tensor_method("ceil")
@tm_function("ceil")
def ceil(input):  # noqa: A002
    """The smallest integer ≥ x, in x's dtype; gradient 0."""
    return Ceil.apply(tensor_arg(input))


@tensor_method("trunc", "fix")
@tm_function("trunc", "fix")
def trunc(input):  # noqa: A002
    """x rounded toward zero, in x's dtype; gradient 0."""
    return Trunc.apply(tensor_arg(input))


@tensor_method("round")
@tm_function("round")
def round(input, decimals: int = 0):  # noqa: A001, A002 - PyTorch's names
    """x rounded to ``decimals`` places, halves to even (round(2.5) = 2); gradient 0."""
    if not isinstance(decimals, int):
        raise TypeError(f"round: decimals must be an int, got {type(decimals).__name__}")
    return Round.apply(tensor_arg(input), decimals=decimals)


@tensor_method("frac")
@tm_function("frac")
def frac(input):  # noqa: A002
    """x − trunc(x), the fractional part with x's sign; gradient 1."""
    input = tensor_arg(input)
    if input.data.dtype.kind != "f":
        raise NotImplementedError(f"frac: not implemented for dtype {input.dtype}; "
                                  f"integers have no fractional part")
    return Frac.apply(input)
