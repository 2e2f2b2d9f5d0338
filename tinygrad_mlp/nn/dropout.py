"""``Dropout`` and ``AlphaDropout``: active in training mode, the identity in eval mode."""

from __future__ import annotations

from .. import functional as F
from ..tensor import Tensor
from .module import Module

__all__ = ["AlphaDropout", "Dropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = float(p)
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """In training mode, zero each element with probability ``p`` and scale the rest
    by 1/(1−p); in eval mode, the identity. Masks are drawn from ``tm.get_rng()``."""

    def forward(self, x) -> Tensor:
        return F.dropout(x, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """Dropout for SELU networks: keeps mean 0 and variance 1 (``F.alpha_dropout``)."""

    def forward(self, x) -> Tensor:
        return F.alpha_dropout(x, self.p, self.training)
