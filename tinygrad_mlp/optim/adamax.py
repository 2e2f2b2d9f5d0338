"""Adamax (Kingma & Ba): Adam with the infinity norm in place of the RMS."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from .adam import lerp_
from .optimizer import Optimizer, check_betas, check_non_negative


class Adamax(Optimizer):
    """PyTorch's Adamax, at step t for each parameter p with gradient g::

        g ← g + weight_decay·p
        m ← β₁·m + (1 − β₁)·g                       ('exp_avg')
        u ← max(β₂·u, |g| + eps)                     ('exp_inf')
        p ← p − lr/(1 − β₁ᵗ) · m/u
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False):
        check_non_negative("Adamax", lr=lr, eps=eps, weight_decay=weight_decay)
        betas = check_betas("Adamax", betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        b1, b2 = group["betas"]
        if not state:
            state["step"] = 0.0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_inf"] = np.zeros_like(p)
        state["step"] += 1
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        m, u = state["exp_avg"], state["exp_inf"]
        lerp_(m, g, 1 - b1)
        u *= b2
        tmp = np.abs(g)
        tmp += group["eps"]
        np.maximum(u, tmp, out=u)
        np.divide(m, u, out=tmp)
        tmp *= group["lr"] / (1 - b1 ** state["step"])
        p -= tmp
