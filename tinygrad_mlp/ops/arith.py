"""Pointwise math of two or three inputs: ``maximum minimum clamp/clip floor_divide (//)
remainder (%) fmod lerp logaddexp pow``.

Operands broadcast and promote as in PyTorch (``dtypes.result_type``); gradients come
back in the broadcast shape and the engine sums them to each input's shape.  At
ties, ``maximum``/``minimum`` give each input half the gradient, and ``clamp``
gives it to the input (not the bound), as PyTorch does.
"""

from __future__ import annotations

from .. import tensor as _tensor
from ..autograd import Function
from ..backend import xp
from ._dual import exp, value
from ._promote import operands
from ._registry import tensor_method, tm_function
from .elementwise import Clip, Pow
from .pointwise import quiet, zeros_grad


def _mask(cond, dtype):
    """A boolean array as 0/1 in ``dtype`` (a constant: it carries no gradient)."""
    return cond.astype(dtype)


class Maximum(Function):
    """max(a, b) elementwise (NaN wins);  d/da = 1 where a > b, ½ where a = b, else 0."""

    def forward(self, a, b):
        return xp.maximum(a, b)

    def backward(self, g, out, a, b):
        av, bv = value(a), value(b)
        tie = 0.5 * _mask(av == bv, av.dtype)
        ga = g * (_mask(av > bv, av.dtype) + tie) if self.needs_grad(0) else None
        gb = g * (_mask(bv > av, av.dtype) + tie) if self.needs_grad(1) else None
        return ga, gb


class Minimum(Function):
    """min(a, b) elementwise (NaN wins);  d/da = 1 where a < b, ½ where a = b, else 0."""

    def forward(self, a, b):
        return xp.minimum(a, b)

    def backward(self, g, out, a, b):
        av, bv = value(a), value(b)
        tie = 0.5 * _mask(av == bv, av.dtype)
        ga = g * (_mask(av < bv, av.dtype) + tie) if self.needs_grad(0) else None
        gb = g * (_mask(bv < av, av.dtype) + tie) if self.needs_grad(1) else None
        return ga, gb


class ClampTensor(Function):
    """min(max(x, lo), hi) with tensor bounds (``lo``/``hi`` None when not given).

    The gradient goes to x where lo ≤ x ≤ hi, to lo where x < lo < hi, and to hi
    where x > hi or hi < lo (then the result is hi everywhere) — PyTorch's rule.
    """

    def forward(self, x, *bounds, has_lo=True, has_hi=True):
        lo = bounds[0] if has_lo else None
        hi = bounds[-1] if has_hi else None
        self.has_lo, self.has_hi = has_lo, has_hi
        out = x if lo is None else xp.maximum(x, lo)
        return out if hi is None else xp.minimum(out, hi)

    def backward(self, g, out, x, *bounds):
        xv = value(x)
        lo = value(bounds[0]) if self.has_lo else None
        hi = value(bounds[-1]) if self.has_hi else None
        inside = True  # lo ≤ x ≤ hi, for the bounds that are given
        if lo is not None:
            inside = xv >= lo
        if hi is not None:
            inside = inside & (xv <= hi)
        grads = [g * _mask(inside, xv.dtype) if self.needs_grad(0) else None]
        if lo is not None:
            to_lo = xv < lo if hi is None else (xv < lo) & (lo < hi)
            grads.append(g * _mask(to_lo, xv.dtype) if self.needs_grad(1) else None)
        if hi is not None:
            to_hi = xv > hi if lo is None else (xv > hi) | (hi < lo)
            grads.append(g * _mask(to_hi, xv.dtype) if self.needs_grad(len(grads)) else None)
        return tuple(grads)

    @classmethod
    def name(cls) -> str:
        return "clamp"


def _check_int_divisor(opname: str, a, b) -> None:
    if a.dtype.kind in "iub" and b.dtype.kind in "iub" and not xp.all(b):
        raise RuntimeError(f"{opname}: ZeroDivisionError (an integer tensor divided by 0; "
                           f"divisor shape {b.shape})")


class FloorDivide(Function):
    """⌊a / b⌋ (Python's ``//``: rounds toward −∞);  piecewise constant, gradient 0."""

    def forward(self, a, b):
        _check_int_divisor("floor_divide", a, b)
        with xp.errstate(divide="ignore", invalid="ignore"):  # x // 0 = ±inf or nan
            return xp.floor_divide(a, b)

    def backward(self, g, out, a, b):
        return zeros_grad(g), zeros_grad(g)

    @classmethod
    def name(cls) -> str:
        return "floor_divide"


class Remainder(Function):
    """a − b·⌊a / b⌋ (Python's ``%``: the sign of b);  d/da = 1, d/db = −⌊a / b⌋."""

    _divide = staticmethod(xp.floor_divide)
    _op = staticmethod(xp.remainder)

    def forward(self, a, b):
        _check_int_divisor(self.name(), a, b)
        with xp.errstate(divide="ignore", invalid="ignore"):  # x % 0 = nan, as in PyTorch
            return self._op(a, b)

    def backward(self, g, out, a, b):
        gb = None
        if self.needs_grad(1):
            with xp.errstate(divide="ignore", invalid="ignore"):
                q = self._divide(value(a), value(b))
            gb = -g * q
        return g, gb


def _trunc_divide(a, b):
    return xp.trunc(a / b)


class Fmod(Remainder):
    """a − b·trunc(a / b) (C's ``fmod``: the sign of a);  d/da = 1, d/db = −trunc(a / b)."""

    _divide = staticmethod(_trunc_divide)
    _op = staticmethod(xp.fmod)


class Lerp(Function):
    """start + weight·(end − start);  d/dstart = 1 − w, d/dend = w, d/dw = end − start.

    Computed as PyTorch does: from ``end`` when w ≥ ½, so lerp(a, b, 1) is exactly b.
    """

    def forward(self, start, end, weight):
        with quiet():
            d = end - start
            return xp.where(xp.abs(weight) < 0.5, start + weight * d, end - d * (1 - weight))

    def backward(self, g, out, start, end, weight):
        gs = g * (1 - weight) if self.needs_grad(0) else None
        ge = g * weight if self.needs_grad(1) else None
        gw = g * (end - start) if self.needs_grad(2) else None
        return gs, ge, gw


class LogAddExp(Function):
    """log(eᵃ + eᵇ) without overflow;  d/da = eᵃ⁻ᵒᵘᵗ = σ(a − b), d/db = eᵇ⁻ᵒᵘᵗ."""

    def forward(self, a, b):
        return xp.logaddexp(a, b)

    def backward(self, g, out, a, b):
        with quiet():  # (−inf) − (−inf) when both inputs are −inf: NaN, as in PyTorch
            ga = g * exp(a - out) if self.needs_grad(0) else None
            gb = g * exp(b - out) if self.needs_grad(1) else None
        return ga, gb


# ------------------------------------------------------- function forms
@tensor_method("maximum")
@tm_function("maximum")
def maximum(input, other):  # noqa: A002 - PyTorch's argument names
    """Elementwise max of two tensors (broadcast); ties share the gradient ½ / ½."""
    return Maximum.apply(*operands(input, other))


@tensor_method("minimum")
@tm_function("minimum")
def minimum(input, other):  # noqa: A002
    """Elementwise min of two tensors (broadcast); ties share the gradient ½ / ½."""
    return Minimum.apply(*operands(input, other))


@tensor_method("clamp", "clip")
@tm_function("clamp", "clip")
def clamp(input, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """Clamp into [min, max]: ``min(max(x, min), max)``.

    Each bound is a number, a tensor (broadcast against x) or None. The gradient is
    0 where x is clamped; tensor bounds get it there (see ``ClampTensor``). When
    min > max the result is max, as in PyTorch.
    """
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    given = [b for b in (min, max) if b is not None]
    x, *bounds = operands(input, *given)
    if not any(isinstance(b, _tensor.Tensor) for b in given):
        lo = None if min is None else bounds[0].data.item()
        hi = None if max is None else bounds[-1].data.item()
        return Clip.apply(x, lo=lo, hi=hi)
    return ClampTensor.apply(x, *bounds, has_lo=min is not None, has_hi=max is not None)


@tensor_method("clamp_min")
@tm_function("clamp_min")
def clamp_min(input, min):  # noqa: A002
    """``clamp(input, min=min)``: max(x, min) with a number or tensor bound."""
    return clamp(input, min=min)


@tensor_method("clamp_max")
@tm_function("clamp_max")
def clamp_max(input, max):  # noqa: A002
    """``clamp(input, max=max)``: min(x, max) with a number or tensor bound."""
    return clamp(input, max=max)


@tensor_method("floor_divide", "__floordiv__")
@tm_function("floor_divide")
def floor_divide(input, other):  # noqa: A002
    """⌊input / other⌋, rounding toward −∞ like Python's ``//`` (−5 // 3 = −2).

    Integer tensors stay integers (division by 0 raises); floats give ±inf at 0.
    The gradient is 0 (PyTorch raises instead: the result is piecewise constant).
    """
    return FloorDivide.apply(*operands(input, other))


@tensor_method("__rfloordiv__")
def _rfloordiv(self, other):
    return floor_divide(other, self)


@tensor_method("remainder", "__mod__")
@tm_function("remainder")
def remainder(input, other):  # noqa: A002
    """input − other·⌊input / other⌋: Python's ``%``, the sign of ``other`` (−5 % 3 = 1).

    Gradient 1 for input and −⌊input / other⌋ for other.
    """
    return Remainder.apply(*operands(input, other))


@tensor_method("__rmod__")
def _rmod(self, other):
    return remainder(other, self)


@tensor_method("fmod")
@tm_function("fmod")
def fmod(input, other):  # noqa: A002
    """input − other·trunc(input / other): C's ``fmod``, the sign of ``input``
    (fmod(−5, 3) = −2). Gradient 1 for input and −trunc(input / other) for other."""
    return Fmod.apply(*operands(input, other))


@tensor_method("lerp")
@tm_function("lerp")
def lerp(input, end, weight):  # noqa: A002
    """input + weight·(end − input), with a number or a tensor ``weight``."""
    return Lerp.apply(*operands(input, end, weight, floating=True))


@tensor_method("logaddexp")
@tm_function("logaddexp")
def logaddexp(input, other):  # noqa: A002
    """log(e^input + e^other), finite for inputs of ±1e4; gradient σ(input − other)."""
    return LogAddExp.apply(*operands(input, other, floating=True))


@tensor_method("pow")
@tm_function("pow")
def pow(input, exponent):  # noqa: A001, A002 - PyTorch's names
    """input ** exponent; either may be a number (``tm.pow(2, x)``). Gradients:
    exponent·input^(exponent−1) and input^exponent·ln(input)."""
    a, b = operands(input, exponent)
    if a.data.dtype.kind in "iu" and b.data.dtype.kind in "iu" and (b.data < 0).any():
        raise RuntimeError("pow: Integers to negative integer powers are not allowed "
                           "(cast the base with .double() or .float())")
    return Pow.apply(a, b)
