"""Weight initialisers: each fills ``t.data`` in place (dtype kept) and returns ``t``.

Random draws come from ``rng`` or else the package generator ``tm.get_rng()``,
so ``tm.manual_seed(n)`` makes them repeatable. Fans are computed for weights
of shape (out, in, *receptive field) as in PyTorch: fan_in = in·∏receptive,
fan_out = out·∏receptive.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..rng import get_rng
from ..tensor import Tensor

__all__ = [
    "calculate_fan_in_and_fan_out", "calculate_gain", "constant_", "glorot_normal_",
    "glorot_uniform_", "he_normal_", "he_uniform_", "kaiming_normal_", "kaiming_uniform_",
    "normal_", "ones_", "uniform_", "xavier_normal_", "xavier_uniform_", "zeros_",
]


def _check(t, opname: str) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"{opname}: expected a Tensor or Parameter, got {type(t).__name__}")
    if t.data.dtype.kind != "f":
        raise TypeError(f"{opname}: can only initialise float tensors, got dtype {t.dtype}")


def _fill(t: Tensor, values) -> Tensor:
    t.data[...] = values  # in place: keeps dtype and any references to the array
    return t


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0,
             rng: np.random.Generator | None = None) -> Tensor:
    """Fill ``t`` with draws from U(a, b) (the classic nets use ``uniform_(w, -1, 1)``)."""
    _check(t, "uniform_")
    if a > b:
        raise ValueError(f"uniform_: need a <= b, got a={a}, b={b}")
    return _fill(t, (rng or get_rng()).uniform(a, b, t.shape))


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0,
            rng: np.random.Generator | None = None) -> Tensor:
    """Fill ``t`` with draws from N(mean, std²)."""
    _check(t, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    return _fill(t, (rng or get_rng()).normal(mean, std, t.shape))


def constant_(t: Tensor, val: float) -> Tensor:
    """Fill ``t`` with ``val``."""
    _check(t, "constant_")
    return _fill(t, val)


def zeros_(t: Tensor) -> Tensor:
    return constant_(t, 0.0)


def ones_(t: Tensor) -> Tensor:
    return constant_(t, 1.0)


def calculate_fan_in_and_fan_out(t) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *receptive)."""
    shape = tuple(t.shape)
    if len(shape) < 2:
        raise ValueError(f"calculate_fan_in_and_fan_out: fan in and fan out need a weight "
                         f"with at least 2 dimensions (out, in), got shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


_LINEAR_LIKE = ("linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity: 1 (linear, sigmoid), 5/3 (tanh),
    √2 (relu), √(2 / (1 + slope²)) (leaky_relu, slope ``param``, default 0.01), 3/4 (selu)."""
    if nonlinearity in _LINEAR_LIKE:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, numbers.Real):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r} (expected "
                     f"one of {', '.join(_LINEAR_LIKE)}, tanh, relu, leaky_relu, selu)")


def xavier_uniform_(t: Tensor, gain: float = 1.0,
                    rng: np.random.Generator | None = None) -> Tensor:
    """Glorot: U(−a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    _check(t, "xavier_uniform_")
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    if t.numel() == 0:
        return t
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return _fill(t, (rng or get_rng()).uniform(-a, a, t.shape))


def xavier_normal_(t: Tensor, gain: float = 1.0,
                   rng: np.random.Generator | None = None) -> Tensor:
    """Glorot: N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    _check(t, "xavier_normal_")
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    if t.numel() == 0:
        return t
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    return _fill(t, (rng or get_rng()).normal(0.0, std, t.shape))


def _kaiming_std(t, a: float, mode: str, nonlinearity: str, opname: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{opname}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(t)
    fan = fan_in if mode == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"{opname}: cannot initialise a weight with a zero {mode} "
                         f"(shape {t.shape})")
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu",
                     rng: np.random.Generator | None = None) -> Tensor:
    """He: U(−b, b) with b = gain·√(3 / fan); ``a`` is the leaky-ReLU slope."""
    _check(t, "kaiming_uniform_")
    bound = math.sqrt(3.0) * _kaiming_std(t, a, mode, nonlinearity, "kaiming_uniform_")
    return _fill(t, (rng or get_rng()).uniform(-bound, bound, t.shape))


def kaiming_normal_(t: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu",
                    rng: np.random.Generator | None = None) -> Tensor:
    """He: N(0, std²) with std = gain / √fan; ``a`` is the leaky-ReLU slope."""
    _check(t, "kaiming_normal_")
    std = _kaiming_std(t, a, mode, nonlinearity, "kaiming_normal_")
    return _fill(t, (rng or get_rng()).normal(0.0, std, t.shape))


glorot_uniform_ = xavier_uniform_
glorot_normal_ = xavier_normal_
he_uniform_ = kaiming_uniform_
he_normal_ = kaiming_normal_
