"""Adam (Kingma & Ba) with bias correction, AMSGrad, L2 or decoupled weight decay, as in PyTorch."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .. import blas
from ..tensor import Tensor
from .optimizer import Optimizer, check_betas, check_non_negative


def lerp_(m: np.ndarray, g: np.ndarray, weight: float, tmp: np.ndarray | None = None) -> None:
    """``m ← m + weight·(g − m)`` in place (``torch.lerp_``: an exponential moving average).

    Evaluated as PyTorch does, from the nearer end: ``g − (g − m)·(1 − weight)``
    when weight ≥ 0.5. ``tmp`` (optional) is scratch space of m's shape.
    """
    tmp = np.subtract(g, m, out=tmp)
    if weight < 0.5:
        tmp *= weight
        m += tmp
    else:
        tmp *= 1 - weight
        np.subtract(g, tmp, out=m)


def decay_weights(p: np.ndarray, g: np.ndarray, group: dict) -> np.ndarray:
    """Apply the group's weight decay: L2 (``g + wd·p``, returned) or decoupled
    (``p ← p·(1 − lr·wd)`` in place, AdamW's); the gradient sign flips with ``maximize``."""
    if group.get("maximize"):
        g = -g
    wd = group["weight_decay"]
    if wd != 0:
        if group.get("decoupled_weight_decay"):
            p *= 1 - group["lr"] * wd
        else:
            g = g + wd * p
    return g


class Adam(Optimizer):
    """PyTorch's Adam, at step t for each parameter p with gradient g::

        g ← g + weight_decay·p          (or p ← p·(1 − lr·weight_decay) when decoupled)
        m ← β₁·m + (1 − β₁)·g            v ← β₂·v + (1 − β₂)·g²
        v̂ ← max(v̂, v) if amsgrad else v
        p ← p − (lr / (1 − β₁ᵗ)) · m / (√v̂ / √(1 − β₂ᵗ) + eps)

    State per parameter: ``'step'``, ``'exp_avg'`` (m), ``'exp_avg_sq'`` (v) and
    ``'max_exp_avg_sq'`` with amsgrad.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False):
        name = type(self).__name__
        check_non_negative(name, lr=lr, eps=eps, weight_decay=weight_decay)
        betas = check_betas(name, betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable,
                                      fused=fused, decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        b1, b2 = group["betas"]
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        g = decay_weights(p, g, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        # Seven passes over the parameter where the formulas, one NumPy ufunc per
        # operation, make thirteen: BLAS's axpby and axpy fuse a scaling and a sum.
        tmp = np.empty_like(p)  # the one scratch array of the step
        blas.axpby(1 - b1, g, b1, m)  # m ← β₁·m + (1 − β₁)·g  (torch: m.lerp_(g, 1 − β₁))
        np.multiply(g, g, out=tmp)
        blas.axpby(1 - b2, tmp, b2, v)  # v ← β₂·v + (1 − β₂)·g²
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        # p ← p − lr/(1 − β₁ᵗ) · m / (√v / s + eps), s = √(1 − β₂ᵗ); multiplied out by s
        # (as PyTorch's capturable Adam does) the division by s leaves the array
        s = (1 - b2**t) ** 0.5
        np.sqrt(v, out=tmp)
        tmp += group["eps"] * s
        np.divide(m, tmp, out=tmp)
        blas.axpy(-(group["lr"] * s / (1 - b1**t)), tmp, p)
