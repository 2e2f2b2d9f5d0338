"""``Identity``, ``Linear`` and ``Bilinear``, initialised as PyTorch's."""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from ..backend import DEFAULT_FLOAT
from ..rng import get_rng
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Bilinear", "Identity", "Linear", "factory_dtype"]


def factory_dtype(opname: str, dtype, device=None) -> np.dtype:
    """The float dtype a layer's parameters get (``dtype=None``: the default float)."""
    if device is not None and str(getattr(device, "type", device)).split(":")[0] != "cpu":
        raise RuntimeError(f"{opname}: tinygrad_mlp computes with NumPy on the CPU only; got "
                           f"device {str(device)!r}")
    dt = np.dtype(DEFAULT_FLOAT if dtype is None else getattr(dtype, "numpy_dtype", dtype))
    if dt.kind != "f":
        raise TypeError(f"{opname}: dtype must be a float dtype, got {dt}")
    return dt


def _check_size(opname: str, name: str, n) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"{opname}: {name} must be a non-negative int, got {n!r}")
    return int(n)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer; arguments are ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Linear(Module):
    """y = x Wᵀ + b: x (..., in_features) → y (..., out_features).

    ``weight`` has shape (out_features, in_features) and ``bias`` (out_features,),
    as in PyTorch, initialised as PyTorch does: W by ``kaiming_uniform_(a=√5)``,
    which is U(−1/√in, 1/√in), and b from U(−1/√in, 1/√in), drawn from ``tm.get_rng()``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None):
        super().__init__()
        self.in_features = _check_size("Linear", "in_features", in_features)
        self.out_features = _check_size("Linear", "out_features", out_features)
        dt = factory_dtype("Linear", dtype, device)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        """Redraw weight then bias from U(−1/√in, 1/√in) (PyTorch's default)."""
        rng = rng or get_rng()
        if self.in_features:
            init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        bound = 1 / math.sqrt(self.in_features) if self.in_features else 0.0
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, x) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """yₖ = x₁ᵀ Wₖ x₂ + bₖ: x₁ (..., in1), x₂ (..., in2) → y (..., out).

    ``weight`` (out_features, in1_features, in2_features) and ``bias``
    (out_features,) are drawn from U(−1/√in1, 1/√in1), as PyTorch.
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.in1_features = _check_size("Bilinear", "in1_features", in1_features)
        self.in2_features = _check_size("Bilinear", "in2_features", in2_features)
        self.out_features = _check_size("Bilinear", "out_features", out_features)
        dt = factory_dtype("Bilinear", dtype, device)
        self.weight = Parameter(np.empty((self.out_features, self.in1_features,
                                          self.in2_features), dtype=dt))
        if bias:
            self.bias = Parameter(np.empty(self.out_features, dtype=dt))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self, rng: np.random.Generator | None = None) -> None:
        rng = rng or get_rng()
        bound = 1 / math.sqrt(self.in1_features) if self.in1_features else 0.0
        init.uniform_(self.weight, -bound, bound, rng=rng)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, input1, input2) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
