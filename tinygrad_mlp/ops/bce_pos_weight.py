"""Binary cross-entropy on logits with PyTorch's ``pos_weight`` (one fused op node)."""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._dual import is_tensor, sigmoid

__all__ = ["BinaryCrossEntropyWithLogitsPosWeight"]


def _softplus_neg(x):
    """log(1 + e^−x) = log1p(e^−|x|) + max(−x, 0), finite for any x (arrays)."""
    return xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)


class BinaryCrossEntropyWithLogitsPosWeight(Function):
    """ℓ = −[p·t·log σ(x) + (1 − t)·log(1 − σ(x))] with p = ``pos_weight`` (broadcast
    over the last dim), computed as PyTorch does:

        ℓ = (1 − t)·x + (1 + (p − 1)·t) · log(1 + e^−x)

    ∂ℓ/∂x = (1 − t) − (1 + (p − 1)·t)·σ(−x)  and  ∂ℓ/∂t = −x + (p − 1)·log(1 + e^−x).
    """

    def forward(self, x, t, pos_weight=None):
        self.pw = pos_weight
        return (1 - t) * x + ((pos_weight - 1) * t + 1) * _softplus_neg(x)

    def backward(self, g, out, x, t):
        pw = self.pw
        lw = (pw - 1) * t + 1
        gx = g * ((1 - t) - lw * sigmoid(-x)) if self.needs_grad(0) else None
        gt = None
        if self.needs_grad(1):
            if is_tensor(x):  # create_graph: log(1 + e^−x) as a differentiable node
                from .loss import BinaryCrossEntropyWithLogits

                ones = type(x)._wrap(xp.ones(x.shape, dtype=x.dtype))
                sp = BinaryCrossEntropyWithLogits.apply(x, ones)  # = log(1 + e^−x)
            else:
                sp = _softplus_neg(x)
            gt = g * (-x + (pw - 1) * sp)
        return gx, gt

    @classmethod
    def name(cls) -> str:
        return "binary_cross_entropy_with_logits"
