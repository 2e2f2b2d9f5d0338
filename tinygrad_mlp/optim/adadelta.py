"""Adadelta (Zeiler): rates from the ratio of running RMS of updates and of gradients."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class Adadelta(Optimizer):
    """PyTorch's Adadelta, for each parameter p with gradient g::

        g ← g + weight_decay·p
        v ← ρ·v + (1 − ρ)·g²                        ('square_avg')
        Δ = √(u + eps) / √(v + eps) · g
        u ← ρ·u + (1 − ρ)·Δ²                        ('acc_delta')
        p ← p − lr·Δ                                 (lr = 1.0 by default)
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1.0,
                 rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0,
                 foreach: bool | None = None, *, capturable: bool = False,
                 maximize: bool = False, differentiable: bool = False):
        check_non_negative("Adadelta", lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: Invalid rho value: {rho} (must be in [0, 1])")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, capturable=capturable,
                                      foreach=foreach, differentiable=differentiable))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0.0
            state["square_avg"] = np.zeros_like(p)
            state["acc_delta"] = np.zeros_like(p)
        state["step"] += 1
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        tmp = np.multiply(g, g)
        tmp *= 1 - rho
        v += tmp
        np.add(v, eps, out=tmp)
        np.sqrt(tmp, out=tmp)                 # std
        delta = np.add(u, eps)
        np.sqrt(delta, out=delta)
        delta /= tmp
        delta *= g
        u *= rho
        np.multiply(delta, delta, out=tmp)
        tmp *= 1 - rho
        u += tmp
        delta *= group["lr"]
        p -= delta
