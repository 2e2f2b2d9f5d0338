"""Binary cross-entropy on probabilities and on logits, each one fused op node that
stays finite at the extremes (p = 0 or 1; logits of ±1e4)."""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._dual import log, sigmoid

#: Each log is clamped at −100, as in PyTorch, so a confident mistake costs 100, not inf.
LOG_FLOOR = -100.0
#: Smallest p(1 − p) the gradient divides by (PyTorch's EPSILON for this loss), or the
#: dtype's smallest normal number where 1e-12 would underflow (float16).
EPS = 1e-12


def _eps(dtype) -> float:
    return max(EPS, float(xp.finfo(dtype).tiny))


class BinaryCrossEntropy(Function):
    """ℓ = −[t·log p + (1 − t)·log(1 − p)], elementwise, each log clamped at −100.

    ∂ℓ/∂p = (p − t) / max(p(1 − p), 1e-12)  and  ∂ℓ/∂t = log(1 − p) − log p
    (the form PyTorch uses: finite at p = 0 and p = 1 in any float dtype).
    """

    def forward(self, p, t):
        with xp.errstate(divide="ignore"):  # log(0) = −inf, clamped just below
            log_p = xp.maximum(xp.log(p), LOG_FLOOR)
            log_1mp = xp.maximum(xp.log1p(-p), LOG_FLOOR)
        return -(t * log_p + (1 - t) * log_1mp)

    def backward(self, g, out, p, t):
        eps = _eps(p.dtype)
        gp = g * (p - t) / (p * (1 - p)).clip(min=eps) if self.needs_grad(0) else None
        gt = None
        if self.needs_grad(1):
            lo = (1 - p).clip(min=eps)
            hi = p.clip(min=eps)
            gt = g * (log(lo) - log(hi))
        return gp, gt

    @classmethod
    def name(cls) -> str:
        return "binary_cross_entropy"


class BinaryCrossEntropyWithLogits(Function):
    """ℓ = (1 − t)·x − log σ(x), log σ(x) = min(x, 0) − log(1 + e^−|x|): binary
    cross-entropy of σ(x), stable for any finite x; PyTorch's formula, so x = ±inf
    gives inf and NaN exactly where PyTorch does.

    ∂ℓ/∂x = σ(x) − t  and  ∂ℓ/∂t = −x.  (Fused: built from min and abs, the
    kinks at x = 0 would cancel in the value but not in the subgradients.)
    """

    def forward(self, x, t):
        return (1 - t) * x - (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x))))

    def backward(self, g, out, x, t):
        gx = g * (sigmoid(x) - t) if self.needs_grad(0) else None
        gt = -g * x if self.needs_grad(1) else None
        return gx, gt

    @classmethod
    def name(cls) -> str:
        return "binary_cross_entropy_with_logits"
