"""The activation functions of deep learning beyond σ, tanh and ReLU, one op node each.

Each ``forward`` is the formula of PyTorch's documentation; each ``backward``
its derivative times the upstream gradient ``g``.  Derivatives are written with
the array-or-Tensor helpers of ``_dual``, so they can be differentiated again
(``create_graph=True``).  Where a function is piecewise, the derivative at the
joint is PyTorch's choice (named in each docstring).

The function forms (``leaky_relu(x, negative_slope)``…) are registered as
``F.``, ``tm.`` and Tensor-method names (``F.gelu(x)``, ``tm.gelu(x)``, ``x.gelu()``).
"""

from __future__ import annotations

import math

from ..autograd import Function
from ..backend import xp
from ._dual import exp, is_tensor, log, sigmoid, value, where
from ._registry import tensor_method, tm_function

#: SELU's constants (Klambauer et al. 2017), as in PyTorch.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def tanh(x):
    return x.tanh() if is_tensor(x) else xp.tanh(x)


def _mask(cond, like):
    """A boolean condition as a constant array of ``like``'s dtype (no gradient)."""
    return cond.astype(value(like).dtype)


class LeakyRelu(Function):
    """x for x > 0, slope·x otherwise; the derivative at 0 is ``slope`` (PyTorch: x > 0)."""

    def forward(self, x, negative_slope=0.01):
        self.slope = negative_slope
        return xp.where(x > 0, x, x * x.dtype.type(negative_slope))

    def backward(self, g, out, x):
        pos = value(x) > 0
        return (g * xp.where(pos, 1.0, self.slope).astype(value(x).dtype),)


class Elu(Function):
    """ELU: x for x > 0, α(eˣ − 1) otherwise (CELU with ``scale_input``: α(e^(x/α) − 1)).

    The derivative is 1 for x > 0 and α·eˣ (e^(x/α) for CELU) otherwise.
    SELU is ``scale``·ELU with SELU's α.
    """

    def forward(self, x, alpha=1.0, scale=1.0, input_scale=1.0):
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale
        neg = xp.expm1(xp.minimum(x, 0) * x.dtype.type(input_scale)) * x.dtype.type(alpha)
        return xp.where(x > 0, x, neg) * x.dtype.type(scale)

    def backward(self, g, out, x):
        pos = _mask(value(x) > 0, x)
        xneg = where(value(x) > 0, 0.0, x)  # keeps e^x finite where it is not used
        d_neg = exp(xneg * self.input_scale) * (self.alpha * self.input_scale)
        return (g * (pos + (1 - pos) * d_neg) * self.scale,)


class Gelu(Function):
    """GELU: x·Φ(x) (``approximate='none'``) or PyTorch's tanh approximation
    0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) (``approximate='tanh'``)."""

    def forward(self, x, approximate="none"):
        self.approximate = approximate
        if approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)
            return (0.5 * x * (1 + xp.tanh(inner))).astype(x.dtype)
        return (x * _Phi(x)).astype(x.dtype)

    def backward(self, g, out, x):
        if self.approximate == "tanh":
            inner = (x + x * x * x * 0.044715) * _SQRT_2_OVER_PI
            t = tanh(inner)
            d_inner = (x * x * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI
            return (g * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * d_inner),)
        phi = exp(x * x * -0.5) * _INV_SQRT_2PI
        return (g * (_Phi(x) + x * phi),)


def _Phi(x):
    """The standard normal CDF Φ(x) = (1 + erf(x/√2))/2, on arrays or Tensors."""
    if is_tensor(x):
        return (x * (1 / math.sqrt(2))).erf() * 0.5 + 0.5
    from scipy.special import ndtr

    return ndtr(x).astype(x.dtype)


class Silu(Function):
    """SiLU (swish): x·σ(x); derivative σ(x)·(1 + x·(1 − σ(x)))."""

    def forward(self, x):
        from .elementwise import sigmoid_array

        return x * sigmoid_array(x)

    def backward(self, g, out, x):
        s = sigmoid(x)
        return (g * s * (1 + x * (1 - s)),)


class Mish(Function):
    """Mish: x·tanh(softplus(x)); derivative tanh(sp) + x·(1 − tanh²(sp))·σ(x)."""

    def forward(self, x):
        return x * xp.tanh(_softplus_array(x))

    def backward(self, g, out, x):
        t = tanh(_softplus_dual(x))
        return (g * (t + x * (1 - t * t) * sigmoid(x)),)


def _softplus_array(z):
    """log(1 + eᶻ) without overflow: max(z, 0) + log1p(e^−|z|)."""
    return xp.maximum(z, 0) + xp.log1p(xp.exp(-xp.abs(z)))


def _softplus_dual(z):
    if is_tensor(z):
        return z.relu() + log(exp(-z.abs()) + 1)
    return _softplus_array(z)


class Softplus(Function):
    """(1/β)·log(1 + e^(βx)), and x itself where βx > ``threshold`` (as PyTorch);
    the derivative is σ(βx), and 1 where linear."""

    def forward(self, x, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold
        z = x * x.dtype.type(beta)
        return xp.where(z > threshold, x, _softplus_array(z) / x.dtype.type(beta))

    def backward(self, g, out, x):
        z = x * self.beta
        linear = _mask(value(z) > self.threshold, x)
        return (g * (linear + (1 - linear) * sigmoid(z)),)


class LogSigmoid(Function):
    """log σ(x) = −softplus(−x), stable for any x; derivative σ(−x) = 1 − σ(x)."""

    def forward(self, x):
        return -_softplus_array(-x)

    def backward(self, g, out, x):
        return (g * sigmoid(-x),)


class Softsign(Function):
    """x / (1 + |x|); derivative 1 / (1 + |x|)²."""

    def forward(self, x):
        return x / (1 + xp.abs(x))

    def backward(self, g, out, x):
        d = x.abs() + 1 if is_tensor(x) else xp.abs(x) + 1
        return (g / (d * d),)


class Hardtanh(Function):
    """Clamp into [min_val, max_val]; derivative 1 strictly inside, 0 outside and at the
    bounds (PyTorch's choice).  ReLU6 is Hardtanh(0, 6)."""

    def forward(self, x, min_val=-1.0, max_val=1.0):
        self.lo, self.hi = min_val, max_val
        return xp.clip(x, min_val, max_val).astype(x.dtype)

    def backward(self, g, out, x):
        xv = value(x)
        return (g * _mask((xv > self.lo) & (xv < self.hi), x),)


class Hardsigmoid(Function):
    """relu6(x + 3) / 6: 0 below −3, 1 above 3; derivative 1/6 strictly inside (−3, 3)."""

    def forward(self, x):
        return (xp.clip(x + 3, 0, 6) / 6).astype(x.dtype)

    def backward(self, g, out, x):
        xv = value(x)
        return (g * (_mask((xv > -3) & (xv < 3), x) / 6),)


class Hardswish(Function):
    """x·relu6(x + 3)/6; derivative 0 below −3, x/3 + 1/2 on [−3, 3], 1 above 3 (PyTorch)."""

    def forward(self, x):
        return (x * xp.clip(x + 3, 0, 6) / 6).astype(x.dtype)

    def backward(self, g, out, x):
        xv = value(x)
        mid = _mask((xv >= -3) & (xv <= 3), x)
        above = _mask(xv > 3, x)
        return (g * (mid * (x * (1 / 3) + 0.5) + above),)


# --------------------------------------------------------------- function forms
def _t(x):
    from ..tensor import Tensor

    if isinstance(x, Tensor):
        return x
    return Tensor._wrap(x) if isinstance(x, xp.ndarray) else Tensor(x)


def _float(opname: str, x):
    x = _t(x)
    if x.data.dtype.kind != "f":
        raise TypeError(f"{opname}: expected a floating-point tensor, got dtype {x.data.dtype}")
    return x


@tensor_method()
@tm_function()
def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False):
    """x for x > 0, ``negative_slope``·x otherwise (``F.leaky_relu``)."""
    return LeakyRelu.apply(_float("leaky_relu", input), negative_slope=negative_slope)


@tensor_method()
@tm_function()
def elu(input, alpha: float = 1.0, inplace: bool = False):
    """x for x > 0, α(eˣ − 1) otherwise (``F.elu``)."""
    return Elu.apply(_float("elu", input), alpha=alpha)


@tensor_method()
@tm_function()
def selu(input, inplace: bool = False):
    """scale·(x for x > 0, α(eˣ − 1) otherwise), α ≈ 1.6733, scale ≈ 1.0507 (``F.selu``)."""
    return Elu.apply(_float("selu", input), alpha=SELU_ALPHA, scale=SELU_SCALE)


@tensor_method()
@tm_function()
def celu(input, alpha: float = 1.0, inplace: bool = False):
    """x for x > 0, α(e^(x/α) − 1) otherwise (``F.celu``)."""
    if alpha == 0:
        raise ValueError("celu: alpha must not be 0 (ZeroDivisionError in x/alpha)")
    return Elu.apply(_float("celu", input), alpha=alpha, input_scale=1.0 / alpha)


@tensor_method()
@tm_function()
def gelu(input, approximate: str = "none"):
    """x·Φ(x), Φ the standard normal CDF; ``approximate='tanh'`` for the tanh form (``F.gelu``)."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(_float("gelu", input), approximate=approximate)


@tensor_method()
@tm_function()
def silu(input, inplace: bool = False):
    """x·σ(x), also called swish (``F.silu``)."""
    return Silu.apply(_float("silu", input))


@tensor_method()
@tm_function()
def mish(input, inplace: bool = False):
    """x·tanh(softplus(x)) (``F.mish``)."""
    return Mish.apply(_float("mish", input))


@tensor_method()
@tm_function()
def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    """(1/β)·log(1 + e^(βx)), linear where βx > threshold (``F.softplus``)."""
    return Softplus.apply(_float("softplus", input), beta=beta, threshold=threshold)


@tensor_method()
@tm_function()
def logsigmoid(input):
    """log σ(x), computed without overflow (``F.logsigmoid``)."""
    return LogSigmoid.apply(_float("logsigmoid", input))


@tensor_method()
@tm_function()
def softsign(input):
    """x / (1 + |x|) (``F.softsign``)."""
    return Softsign.apply(_float("softsign", input))


@tensor_method()
@tm_function()
def hardtanh(input, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
    """Clamp into [min_val, max_val] (``F.hardtanh``)."""
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    return Hardtanh.apply(_float("hardtanh", input), min_val=min_val, max_val=max_val)


@tensor_method()
@tm_function()
def relu6(input, inplace: bool = False):
    """min(max(x, 0), 6) (``F.relu6``)."""
    return Hardtanh.apply(_float("relu6", input), min_val=0.0, max_val=6.0)


@tensor_method()
@tm_function()
def hardsigmoid(input, inplace: bool = False):
    """relu6(x + 3) / 6 (``F.hardsigmoid``)."""
    return Hardsigmoid.apply(_float("hardsigmoid", input))


@tensor_method()
@tm_function()
def hardswish(input, inplace: bool = False):
    """x·relu6(x + 3) / 6 (``F.hardswish``)."""
    return Hardswish.apply(_float("hardswish", input))


@tensor_method()
@tm_function()
def softmin(input, dim: int | None = None, dtype=None, **kw):
    """softmax(−x) along ``dim`` (``F.softmin``); ``axis=`` is accepted for ``dim``."""
    dim = kw.pop("axis", dim)
    if kw:
        raise TypeError(f"softmin: unexpected arguments {sorted(kw)}")
    x = _float("softmin", input)
    if dtype is not None:
        x = x.astype(dtype)
    if dim is None:  # PyTorch's legacy implicit choice: dim 0 for 0-, 1- and 3-d inputs, else 1
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return (-x).softmax(dim)


__all__ = [
    "Elu", "Gelu", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyRelu", "LogSigmoid", "Mish",
    "SELU_ALPHA", "SELU_SCALE", "Silu", "Softplus", "Softsign", "celu", "elu", "gelu",
    "hardsigmoid", "hardswish", "hardtanh", "leaky_relu", "logsigmoid", "mish", "relu6",
    "selu", "silu", "softmin", "softplus", "softsign",
]
