"""Adam (Kingma & Ba) with bias correction and L2 weight decay, as in PyTorch."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer


class Adam(Optimizer):
    """PyTorch's Adam update, at step t for each parameter p with gradient g::

        g ← g + weight_decay·p
        m ← β₁·m + (1 − β₁)·g            v ← β₂·v + (1 − β₂)·g²
        p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps)
    """

    hyperparam_names = ("lr", "beta1", "beta2", "eps", "weight_decay")

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params)
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self._set_hyperparams(lr=lr, beta1=betas[0], beta2=betas[1], eps=eps,
                              weight_decay=weight_decay)

    def _set_hyperparams(self, lr, beta1, beta2, eps, weight_decay) -> None:
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= float(b) < 1:
                raise ValueError(f"Adam: {name} must be in [0, 1), got {b}")
        for name, v in (("eps", eps), ("weight_decay", weight_decay)):
            if not float(v) >= 0:
                raise ValueError(f"Adam: {name} must be >= 0, got {v}")
        self.lr = lr
        self.betas = (float(beta1), float(beta2))
        self.eps = float(eps)
        self.weight_decay = float(weight_decay)

    @property
    def beta1(self) -> float:
        return self.betas[0]

    @property
    def beta2(self) -> float:
        return self.betas[1]

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict) -> None:
        b1, b2 = self.betas
        if self.weight_decay:
            g = g + self.weight_decay * p
        t = state["step"] = state.get("step", 0) + 1
        m = state.get("exp_avg")
        if m is None:
            m = state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
        v = state["exp_avg_sq"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        tmp = np.multiply(g, g)
        tmp *= 1 - b2
        v += tmp
        # tmp becomes the step: m / (√v / √(1 − β₂ᵗ) + eps) · lr / (1 − β₁ᵗ)
        np.sqrt(v, out=tmp)
        tmp /= math.sqrt(1 - b2**t)
        tmp += self.eps
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr / (1 - b1**t)
        p -= tmp
