"""Layers and activations as modules: ``Linear``, ``Sigmoid``, ``Tanh``, ``ReLU``,
``Softmax``, ``LogSoftmax``, ``Dropout``, ``Flatten``, ``Identity``."""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from ..backend import DEFAULT_FLOAT
from ..rng import get_rng
from ..tensor import Tensor
from .module import Module, Parameter


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class Linear(Module):
    """y = x Wᵀ + b: x (..., in_features) → y (..., out_features).

    ``weight`` has shape (out_features, in_features) and ``bias`` (out_features,),
    as in PyTorch, both initialised U(−1/√in, 1/√in) from ``tm.get_rng()``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype=DEFAULT_FLOAT):
        super().__init__()
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {n!r}")
        if np.dtype(dtype).kind != "f":
            raise TypeError(f"Linear: dtype must be a float dtype, got {np.dtype(dtype)}")
        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dt = np.dtype(dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        """Redraw weight then bias from U(−1/√in, 1/√in) (PyTorch's default)."""
        rng = rng or get_rng()
        bound = 1 / math.sqrt(self.in_features) if self.in_features else 0.0
        self.weight.data[...] = rng.uniform(-bound, bound, self.weight.shape)
        if self.bias is not None:
            self.bias.data[...] = rng.uniform(-bound, bound, self.bias.shape)

    def forward(self, x) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^−x), elementwise."""

    def forward(self, x) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x) -> Tensor:
        return F.tanh(x)


class ReLU(Module):
    """max(x, 0), elementwise."""

    def forward(self, x) -> Tensor:
        return F.relu(x)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def forward(self, x):
        return x


class Softmax(Module):
    """e^xᵢ / Σⱼ e^xⱼ along ``axis``."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def forward(self, x) -> Tensor:
        return F.softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class LogSoftmax(Module):
    """log softmax(x) along ``axis`` (computed stably, without forming softmax)."""

    def __init__(self, axis: int = -1):
        super().__init__()
        self.axis = axis

    def forward(self, x) -> Tensor:
        return F.log_softmax(x, self.axis)

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


class Dropout(Module):
    """In training mode, zero each element with probability ``p`` and scale the rest
    by 1/(1−p); in eval mode, the identity. Masks are drawn from ``tm.get_rng()``."""

    def __init__(self, p: float = 0.5):
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = float(p)

    def forward(self, x) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one: (N, 28, 28) → (N, 784) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x) -> Tensor:
        x = _t(x)
        for d in (self.start_dim, self.end_dim):
            if not -x.ndim <= d < x.ndim:
                raise ValueError(f"Flatten: dim {d} is out of range for an input of shape "
                                 f"{x.shape}")
        if self.start_dim % x.ndim > self.end_dim % x.ndim:
            raise ValueError(f"Flatten: start_dim {self.start_dim} comes after end_dim "
                             f"{self.end_dim} for an input of shape {x.shape}")
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
