"""The p-norm of vectors along one dim, one fused op node (distances, normalize)."""

from __future__ import annotations

import math

from ..autograd import Function
from ..backend import xp
from ._dual import sign, value, where

__all__ = ["VectorNorm"]


class VectorNorm(Function):
    """‖x‖_p = (Σ |xᵢ|^p)^(1/p) along ``dim`` (p = inf: max |xᵢ|; p = 0: count of xᵢ ≠ 0).

    ∂‖x‖_p/∂xᵢ = sign(xᵢ) |xᵢ|^(p−1) / ‖x‖_p^(p−1)  (p = 2: xᵢ / ‖x‖; p = 1: sign(xᵢ);
    p = inf: sign(xᵢ) shared among the tied maxima), taken as 0 where ‖x‖ = 0.
    """

    def forward(self, x, p=2.0, dim=-1, keepdim=False):
        self.p, self.dim = p, dim
        a = xp.abs(x)
        if p == math.inf:
            out = a.max(axis=dim, keepdims=True) if x.shape[dim] else a.sum(axis=dim,
                                                                          keepdims=True)
        elif p == -math.inf:
            out = a.min(axis=dim, keepdims=True)
        elif p == 0:
            out = (a != 0).sum(axis=dim, keepdims=True).astype(x.dtype)
        elif p == 1:
            out = a.sum(axis=dim, keepdims=True)
        elif p == 2:
            out = xp.sqrt((x * x).sum(axis=dim, keepdims=True))
        else:
            out = (a ** p).sum(axis=dim, keepdims=True) ** (1.0 / p)
        self.kept = out
        return out if keepdim else xp.squeeze(out, axis=dim)

    def backward(self, g, out, x):
        p, dim = self.p, self.dim
        n = self.kept
        g = g.reshape(n.shape)
        if p == 0:
            return (None,)
        if p == 1:
            return (g * sign(x),)
        zero = value(n) == 0
        if abs(p) == math.inf:
            hit = xp.abs(value(x)) == value(n)
            share = hit / hit.sum(axis=dim, keepdims=True)
            return (g * sign(x) * share,)
        nv = out.reshape(n.shape) if not isinstance(out, xp.ndarray) else n
        safe = where(zero, 1.0, nv) if zero.any() else nv
        if p == 2:
            gx = g * x / safe
        else:
            ax = xp.abs(x) if isinstance(x, xp.ndarray) else x.abs()
            gx = g * sign(x) * ax ** (p - 1) / safe ** (p - 1)
        return (where(zero, 0.0, gx) if zero.any() else gx,)

    @classmethod
    def name(cls) -> str:
        return "vector_norm"
