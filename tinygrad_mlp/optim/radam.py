"""RAdam (Liu et al.): Adam with the variance of the adaptive rate rectified, as in PyTorch."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from .adam import decay_weights, lerp_
from .optimizer import Optimizer, check_betas, check_non_negative


class RAdam(Optimizer):
    """PyTorch's RAdam, at step t for each parameter p with gradient g::

        m ← β₁·m + (1 − β₁)·g            v ← β₂·v + (1 − β₂)·g²
        ρ∞ = 2/(1 − β₂) − 1               ρₜ = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
        m̂ = m / (1 − β₁ᵗ)
        if ρₜ > 5:  r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ))
                    p ← p − lr·m̂·r·√(1 − β₂ᵗ)/(√v + eps)
        else:       p ← p − lr·m̂                       (plain momentum SGD early on)

    Weight decay is L2 or, with ``decoupled_weight_decay``, ``p ← p·(1 − lr·wd)``.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        check_non_negative("RAdam", lr=lr, eps=eps, weight_decay=weight_decay)
        betas = check_betas("RAdam", betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, foreach=foreach,
                                      capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      differentiable=differentiable))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        b1, b2 = group["betas"]
        lr = group["lr"]
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        g = decay_weights(p, g, group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        lerp_(m, g, 1 - b1)
        v *= b2
        tmp = np.multiply(g, g)
        tmp *= 1 - b2
        v += tmp
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        m_hat = np.divide(m, bc1)
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * (b2**t) / bc2
        m_hat *= lr
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            np.sqrt(v, out=tmp)
            tmp += group["eps"]
            np.divide(bc2**0.5, tmp, out=tmp)  # the adaptive lr
            m_hat *= tmp
            m_hat *= rect
        p -= m_hat
