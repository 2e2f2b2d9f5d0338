"""NAdam (Dozat): Adam with Nesterov momentum and a momentum schedule, as in PyTorch."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from .adam import decay_weights, lerp_
from .optimizer import Optimizer, check_betas, check_non_negative


class NAdam(Optimizer):
    """PyTorch's NAdam, at step t for each parameter p with gradient g::

        μₜ = β₁·(1 − ½·0.96^(t·momentum_decay))        (the momentum schedule)
        Πₜ = μ₁·μ₂·…·μₜ                                  ('mu_product')
        m ← β₁·m + (1 − β₁)·g            v ← β₂·v + (1 − β₂)·g²
        d = √(v / (1 − β₂ᵗ)) + eps
        p ← p − lr·(1 − μₜ)/(1 − Πₜ) · g/d − lr·μₜ₊₁/(1 − Πₜ·μₜ₊₁) · m/d

    Weight decay is L2 (added to g) or, with ``decoupled_weight_decay``,
    ``p ← p·(1 − lr·weight_decay)`` (NAdamW). 'mu_product' is kept in float32
    as PyTorch keeps it (a float32 scalar tensor).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        check_non_negative("NAdam", lr=lr, eps=eps, weight_decay=weight_decay,
                           momentum_decay=momentum_decay)
        betas = check_betas("NAdam", betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach,
                                      capturable=capturable, differentiable=differentiable))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        b1, b2 = group["betas"]
        lr, psi = group["lr"], group["momentum_decay"]
        if not state:
            state["step"] = 0.0
            state["mu_product"] = 1.0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t = state["step"]
        g = decay_weights(p, g, group)
        mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        mu_product = float(np.float32(state["mu_product"]) * np.float32(mu))
        state["mu_product"] = mu_product
        m, v = state["exp_avg"], state["exp_avg_sq"]
        lerp_(m, g, 1 - b1)
        v *= b2
        tmp = np.multiply(g, g)
        tmp *= 1 - b2
        v += tmp
        denom = np.divide(v, 1 - b2**t)
        np.sqrt(denom, out=denom)
        denom += group["eps"]
        np.divide(g, denom, out=tmp)
        tmp *= -lr * (1.0 - mu) / (1.0 - mu_product)
        p += tmp
        np.divide(m, denom, out=tmp)
        tmp *= -lr * mu_next / (1.0 - mu_product * mu_next)
        p += tmp
