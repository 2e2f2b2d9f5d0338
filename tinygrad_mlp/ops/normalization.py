"""Batch and layer normalisation as one fused op node.

    x̂ = (x − μ) / √(σ² + ε),   y = γ ⊙ x̂ + β

μ and σ² (biased) are taken over ``axes``: (N, L) per channel for batch norm,
the last dims for layer norm.  With statistics of the batch itself the
gradient is the classic

    ∂L/∂x = (1/√(σ² + ε)) · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)),   ĝ = γ ⊙ g

(means over ``axes``); with fixed statistics (BatchNorm in eval mode) it is
γ ⊙ g / √(σ² + ε).  ∂L/∂γ = Σ g ⊙ x̂ and ∂L/∂β = Σ g over the other axes.
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._dual import is_tensor

__all__ = ["Normalize", "moments"]


def moments(x, axes: tuple):
    """(mean, biased variance) of the array ``x`` over ``axes``, kept as size-1 dims."""
    mean = x.mean(axis=axes, keepdims=True)
    d = x - mean
    return mean, (d * d).mean(axis=axes, keepdims=True)


class Normalize(Function):
    """y = γ ⊙ (x − mean) / √(var + eps) + β, one op node (inputs x[, γ][, β]).

    ``axes``: the dims the statistics run over; ``pshape``: the shape γ and β
    broadcast as; ``paxes``: the dims their gradients are summed over;
    ``mean``/``var``: the statistics (arrays of x's rank); ``batch_stats``:
    whether they were computed from x (training) or are constants (eval).
    """

    def forward(self, x, *params, axes=(), pshape=(), paxes=(), mean=None, var=None,
                eps=1e-5, batch_stats=True, has_weight=True):
        self.axes, self.pshape, self.paxes = axes, pshape, paxes
        self.eps, self.batch_stats, self.has_weight = eps, batch_stats, has_weight
        self.invstd = 1.0 / xp.sqrt(var + eps)
        self.xhat = xhat = (x - mean) * self.invstd
        if not params:
            return xhat
        w = params[0].reshape(pshape) if has_weight else None
        b = params[-1].reshape(pshape) if len(params) == 2 or not has_weight else None
        y = xhat * w if w is not None else xhat.copy()
        if b is not None:
            y += b
        return y

    def backward(self, g, out, x, *params):
        axes = self.axes
        if is_tensor(x) and self.batch_stats:  # create_graph: the statistics depend on x
            mean = x.mean(axis=axes, keepdims=True)
            d = x - mean
            invstd = ((d * d).mean(axis=axes, keepdims=True) + self.eps) ** -0.5
            xhat = d * invstd
        else:
            invstd, xhat = self.invstd, self.xhat
        w = params[0] if params and self.has_weight else None
        gw = gb = None
        if w is not None and self.needs_grad(1):
            gw = (g * xhat).sum(axis=self.paxes, keepdims=True).reshape(w.shape)
        if len(params) == 2 or (params and w is None):
            if self.needs_grad(len(params)):
                gb = g.sum(axis=self.paxes, keepdims=True).reshape(params[-1].shape)
        gx = None
        if self.needs_grad(0):
            gh = g * w.reshape(self.pshape) if w is not None else g
            if self.batch_stats:
                gx = invstd * (gh - gh.mean(axis=axes, keepdims=True)
                               - xhat * (gh * xhat).mean(axis=axes, keepdims=True))
            else:
                gx = gh * invstd
        grads = [gx]
        if w is not None:
            grads.append(gw)
        if len(grads) < 1 + len(params):
            grads.append(gb)
        return tuple(grads)

    @classmethod
    def name(cls) -> str:
        return "normalize"
