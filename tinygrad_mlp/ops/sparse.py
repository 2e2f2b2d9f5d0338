"""Embedding lookup: rows of a weight matrix picked by integer indices."""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._dual import is_tensor, scatter_add

__all__ = ["Embedding"]


class Embedding(Function):
    """y = W[indices]: W (num_embeddings, dim), indices (*) int → y (*, dim).

    Backward scatter-adds g into the picked rows (a row picked twice gets both
    gradients); the row ``padding_idx`` gets none, as in PyTorch.
    """

    def forward(self, w, indices=None, padding_idx=None):
        self.indices, self.padding_idx = indices, padding_idx
        return w[indices]

    def backward(self, g, out, w):
        idx = self.indices
        if self.padding_idx is not None:
            keep = (idx != self.padding_idx)[..., None]
            g = g * keep if is_tensor(g) else xp.where(keep, g, 0)
        if is_tensor(g):
            return (scatter_add(g, idx, w.shape),)
        gw = xp.zeros(w.shape, dtype=g.dtype)
        xp.add.at(gw, idx.reshape(-1), g.reshape(-1, w.shape[-1]))
        return (gw,)
