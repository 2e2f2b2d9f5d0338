"""The classic activations as modules (``Sigmoid``, ``Tanh``, ``ReLU``, ``Softmax``,
``LogSoftmax``), and the home of the older import paths of the layers.

The layers themselves live in files named as PyTorch's: ``linear.py``
(``Identity``, ``Linear``, ``Bilinear``), ``flatten.py``, ``dropout.py``,
``normalization.py`` (``BatchNorm1d``, ``LayerNorm``) and ``sparse.py``
(``Embedding``); ``from tinygrad_mlp.nn.layers import Linear`` keeps working.
"""

from __future__ import annotations

from .. import functional as F
from .._args import dim_aliases
from ..tensor import Tensor
from .dropout import AlphaDropout, Dropout
from .flatten import Flatten, Unflatten
from .linear import Bilinear, Identity, Linear
from .module import Module

__all__ = [
    "AlphaDropout", "Bilinear", "Dropout", "Flatten", "Identity", "Linear", "LogSoftmax",
    "ReLU", "Sigmoid", "Softmax", "Tanh", "Unflatten",
]


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^−x), elementwise."""

    def forward(self, x) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, x) -> Tensor:
        return F.tanh(x)


class ReLU(Module):
    """max(x, 0), elementwise (``inplace`` is accepted and has no effect)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x) -> Tensor:
        return F.relu(x)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Softmax(Module):
    """e^xᵢ / Σⱼ e^xⱼ along ``dim`` (``axis=`` is accepted as an alias)."""

    @dim_aliases
    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log softmax(x) along ``dim`` (computed stably, without forming softmax)."""

    @dim_aliases
    def __init__(self, dim: int | None = None):
        super().__init__()
        self.dim = dim

    def forward(self, x) -> Tensor:
        return F.log_softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
