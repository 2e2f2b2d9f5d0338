"""Pointwise math of one input: ``square rsqrt reciprocal log1p expm1 log2 log10 exp2
erf erfc sin cos tan neg``, and the ``tm.`` function forms of ``exp log sqrt abs tanh
sigmoid`` (the rounding family is in ``ops/rounding.py``).

Each op is a ``Function`` (forward and derivative side by side) and a function form
registered as a Tensor method and a ``tm.`` function at PyTorch's name.  Floating-point
functions of integer or bool tensors compute in the default float dtype (float32), as
PyTorch does; ``square``, ``neg`` and ``abs`` keep the dtype.
"""

from __future__ import annotations

import functools
import math

from .. import tensor as _tensor
from ..autograd import Function
from ..backend import xp
from ..dtypes import float_type
from ._dual import exp, is_tensor
from ._promote import as_tensor
from ._registry import tensor_method, tm_function
from .elementwise import Abs, Exp, Log, Neg, Sigmoid, Sqrt, Tanh

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def tensor_arg(x):
    """``x`` as a Tensor (arrays and numbers are wrapped, as ``torch`` functions need)."""
    return x if isinstance(x, _tensor.Tensor) else _tensor.Tensor(x)


def _floating(x):
    """``x`` as a floating-point Tensor (integers and bools → the default float dtype)."""
    x = tensor_arg(x)
    return as_tensor(x, float_type(x.data.dtype))


def _call(x, name: str):
    """``x.<name>()`` for a Tensor (create_graph), ``xp.<name>(x)`` for an array."""
    return getattr(x, name)() if is_tensor(x) else getattr(xp, name)(x)


def quiet():
    """NumPy's errstate for results that are ±inf or NaN by definition (log1p(−1) = −inf,
    exp2(1e4) = inf, 1/0 = inf): PyTorch returns them without a warning, so do we."""
    return xp.errstate(divide="ignore", over="ignore", invalid="ignore")


def zeros_grad(g):
    """A zero gradient shaped like ``g`` (``g * 0`` would turn an infinite ``g`` into NaN)."""
    z = xp.zeros(g.shape, dtype=g.dtype)
    return _tensor.Tensor._wrap(z) if is_tensor(g) else z


# ------------------------------------------------------------------ erf
@functools.cache
def _special(name: str):
    """SciPy's vectorised ``erf``/``erfc`` (imported on first use: it is slow to import);
    without SciPy, the C library's, element by element."""
    try:
        from scipy import special
    except ImportError:  # pragma: no cover - scipy comes with the dev extra
        return xp.vectorize(getattr(math, name), otypes=[xp.float64])
    return getattr(special, name)


def erf_array(x):
    """erf(x) = 2/√π ∫₀ˣ e^(−t²) dt on an array, in ``x``'s dtype."""
    return xp.asarray(_special("erf")(x), dtype=x.dtype)


def erfc_array(x):
    """erfc(x) = 1 − erf(x), accurate where erf(x) is close to 1."""
    return xp.asarray(_special("erfc")(x), dtype=x.dtype)


# ------------------------------------------------------------ op nodes
class Square(Function):
    """x²;  d/dx = 2x."""

    def forward(self, x):
        with quiet():
            return x * x

    def backward(self, g, out, x):
        with quiet():
            return (2 * g * x,)


class Rsqrt(Function):
    """1/√x;  d/dx = −½ x^(−3/2) = −½ out³."""

    def forward(self, x):
        with quiet():  # 1/√0 = inf, as in PyTorch
            return 1 / xp.sqrt(x)

    def backward(self, g, out, x):
        with quiet():
            return (-0.5 * g * out * out * out,)


class Reciprocal(Function):
    """1/x;  d/dx = −1/x² = −out²."""

    def forward(self, x):
        with quiet():
            return 1 / x

    def backward(self, g, out, x):
        with quiet():
            return (-g * out * out,)


class Log1p(Function):
    """log(1 + x), accurate for tiny x;  d/dx = 1/(1 + x)."""

    def forward(self, x):
        with quiet():
            return xp.log1p(x)

    def backward(self, g, out, x):
        with quiet():
            return (g / (1 + x),)


class Expm1(Function):
    """eˣ − 1, accurate for tiny x;  d/dx = eˣ = out + 1."""

    def forward(self, x):
        with quiet():
            return xp.expm1(x)

    def backward(self, g, out, x):
        with quiet():
            return (g * (out + 1),)


class Log2(Function):
    """log₂ x;  d/dx = 1/(x ln 2)."""

    def forward(self, x):
        with quiet():
            return xp.log2(x)

    def backward(self, g, out, x):
        with quiet():
            return (g / (x * _LN2),)


class Log10(Function):
    """log₁₀ x;  d/dx = 1/(x ln 10)."""

    def forward(self, x):
        with quiet():
            return xp.log10(x)

    def backward(self, g, out, x):
        with quiet():
            return (g / (x * _LN10),)


class Exp2(Function):
    """2ˣ;  d/dx = 2ˣ ln 2."""

    def forward(self, x):
        with quiet():
            return xp.exp2(x)

    def backward(self, g, out, x):
        with quiet():
            return (g * out * _LN2,)


class Erf(Function):
    """erf x;  d/dx = 2/√π · e^(−x²)."""

    def forward(self, x):
        return erf_array(x)

    def backward(self, g, out, x):
        with quiet():  # x² overflows for |x| > 1e154; e^−inf = 0 is right
            return (g * _TWO_OVER_SQRT_PI * exp(-(x * x)),)


class Erfc(Function):
    """erfc x = 1 − erf x;  d/dx = −2/√π · e^(−x²)."""

    def forward(self, x):
        return erfc_array(x)

    def backward(self, g, out, x):
        with quiet():  # x² overflows for |x| > 1e154; e^−inf = 0 is right
            return (-g * _TWO_OVER_SQRT_PI * exp(-(x * x)),)


class Sin(Function):
    """sin x;  d/dx = cos x."""

    def forward(self, x):
        return xp.sin(x)

    def backward(self, g, out, x):
        return (g * _call(x, "cos"),)


class Cos(Function):
    """cos x;  d/dx = −sin x."""

    def forward(self, x):
        return xp.cos(x)

    def backward(self, g, out, x):
        return (-g * _call(x, "sin"),)


class Tan(Function):
    """tan x;  d/dx = 1 + tan² x."""

    def forward(self, x):
        return xp.tan(x)

    def backward(self, g, out, x):
        with quiet():
            return (g * (1 + out * out),)


# ------------------------------------------------------- function forms
@tensor_method("square")
@tm_function("square")
def square(input):  # noqa: A002 - PyTorch's argument name
    """x² elementwise (integers stay integers); gradient 2x."""
    input = tensor_arg(input)
    if input.data.dtype == bool:
        input = as_tensor(input, xp.dtype(xp.int64))
    return Square.apply(input)


@tensor_method("rsqrt")
@tm_function("rsqrt")
def rsqrt(input):  # noqa: A002
    """1/√x elementwise; gradient −½ x^(−3/2)."""
    return Rsqrt.apply(_floating(input))


@tensor_method("reciprocal")
@tm_function("reciprocal")
def reciprocal(input):  # noqa: A002
    """1/x elementwise (1/0 = inf); gradient −1/x²."""
    return Reciprocal.apply(_floating(input))


@tensor_method("log1p")
@tm_function("log1p")
def log1p(input):  # noqa: A002
    """log(1 + x), accurate near 0 (log1p(1e-10) = 1e-10); gradient 1/(1 + x)."""
    return Log1p.apply(_floating(input))


@tensor_method("expm1")
@tm_function("expm1")
def expm1(input):  # noqa: A002
    """eˣ − 1, accurate near 0 (expm1(1e-10) = 1e-10); gradient eˣ."""
    return Expm1.apply(_floating(input))


@tensor_method("log2")
@tm_function("log2")
def log2(input):  # noqa: A002
    """log₂ x elementwise; gradient 1/(x ln 2)."""
    return Log2.apply(_floating(input))


@tensor_method("log10")
@tm_function("log10")
def log10(input):  # noqa: A002
    """log₁₀ x elementwise; gradient 1/(x ln 10)."""
    return Log10.apply(_floating(input))


@tensor_method("exp2")
@tm_function("exp2")
def exp2(input):  # noqa: A002
    """2ˣ elementwise; gradient 2ˣ ln 2."""
    return Exp2.apply(_floating(input))


@tensor_method("erf")
@tm_function("erf")
def erf(input):  # noqa: A002
    """The error function 2/√π ∫₀ˣ e^(−t²) dt; gradient 2/√π e^(−x²)."""
    return Erf.apply(_floating(input))


@tensor_method("erfc")
@tm_function("erfc")
def erfc(input):  # noqa: A002
    """1 − erf(x), accurate for large x; gradient −2/√π e^(−x²)."""
    return Erfc.apply(_floating(input))


@tensor_method("sin")
@tm_function("sin")
def sin(input):  # noqa: A002
    """sin x elementwise (radians); gradient cos x."""
    return Sin.apply(_floating(input))


@tensor_method("cos")
@tm_function("cos")
def cos(input):  # noqa: A002
    """cos x elementwise (radians); gradient −sin x."""
    return Cos.apply(_floating(input))


@tensor_method("tan")
@tm_function("tan")
def tan(input):  # noqa: A002
    """tan x elementwise (radians); gradient 1 + tan² x."""
    return Tan.apply(_floating(input))


@tensor_method("neg", "negative")
@tm_function("neg", "negative")
def neg(input):  # noqa: A002
    """−x elementwise (the ``-x`` operator); gradient −1."""
    input = tensor_arg(input)
    if input.data.dtype == bool:
        raise RuntimeError("neg: Negation, the `-` operator, on a bool tensor is not "
                           "supported; to invert a mask use ~ or logical_not()")
    return Neg.apply(tensor_arg(input))


@tm_function("exp")
def exp_(input):  # noqa: A002
    """eˣ elementwise (``Tensor.exp``); gradient eˣ."""
    return Exp.apply(_floating(input))


@tm_function("log")
def log_(input):  # noqa: A002
    """Natural log elementwise (``Tensor.log``); gradient 1/x."""
    return Log.apply(_floating(input))


@tm_function("sqrt")
def sqrt(input):  # noqa: A002
    """√x elementwise (``Tensor.sqrt``); gradient 1/(2√x)."""
    return Sqrt.apply(_floating(input))


@tm_function("abs", "absolute")
def abs(input):  # noqa: A001, A002
    """|x| elementwise (``Tensor.abs``, dtype kept); gradient sign(x), 0 at 0."""
    return Abs.apply(tensor_arg(input))


@tm_function("tanh")
def tanh(input):  # noqa: A002
    """tanh x elementwise (``Tensor.tanh``); gradient 1 − tanh² x."""
    return Tanh.apply(_floating(input))


@tm_function("sigmoid")
def sigmoid(input):  # noqa: A002
    """σ(x) = 1/(1 + e⁻ˣ), stable for any x (``Tensor.sigmoid``); gradient σ(1 − σ)."""
    return Sigmoid.apply(_floating(input))
