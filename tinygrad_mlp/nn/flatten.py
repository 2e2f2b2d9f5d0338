"""``Flatten`` and ``Unflatten``: merge dims into one, or split one into several."""

from __future__ import annotations

import math

from ..tensor import Tensor
from .module import Module

__all__ = ["Flatten", "Unflatten"]


def _t(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one: (N, 28, 28) → (N, 784) by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x) -> Tensor:
        x = _t(x)
        nd = max(x.ndim, 1)
        for d in (self.start_dim, self.end_dim):
            if not -nd <= d < nd:
                raise IndexError(f"Flatten: Dimension out of range (expected to be in range "
                                 f"of [{-nd}, {nd - 1}], but got {d}) for an input of shape "
                                 f"{x.shape}")
        if self.start_dim % nd > self.end_dim % nd:
            raise RuntimeError(f"Flatten: start_dim {self.start_dim} comes after end_dim "
                               f"{self.end_dim} for an input of shape {x.shape}")
        if x.ndim == 0:
            return x.reshape(1)
        s, e = self.start_dim % nd, self.end_dim % nd
        return x.reshape(x.shape[:s] + (math.prod(x.shape[s:e + 1]),) + x.shape[e + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``: Unflatten(1, (1, 28, 28)) turns
    (N, 784) into (N, 1, 28, 28); one entry may be −1 (inferred)."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, x) -> Tensor:
        x = _t(x)
        nd = max(x.ndim, 1)
        if not -nd <= self.dim < nd:
            raise IndexError(f"Unflatten: Dimension out of range (expected to be in range of "
                             f"[{-nd}, {nd - 1}], but got {self.dim})")
        d = self.dim % nd
        sizes = list(self.unflattened_size)
        known = math.prod(s for s in sizes if s != -1)
        if sizes.count(-1) == 1 and known:
            sizes[sizes.index(-1)] = x.shape[d] // known
        if math.prod(sizes) != x.shape[d]:
            raise RuntimeError(f"Unflatten: unflattened_size {self.unflattened_size} does not "
                               f"multiply to the size {x.shape[d]} of dim {self.dim} (input "
                               f"shape {x.shape})")
        return x.reshape(x.shape[:d] + tuple(sizes) + x.shape[d + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
