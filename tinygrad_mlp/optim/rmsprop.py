"""RMSprop (Hinton): divide the gradient by a running RMS of recent gradients, as in PyTorch."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from .adam import lerp_
from .optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    """PyTorch's RMSprop, for each parameter p with gradient g::

        g ← g + weight_decay·p
        v ← α·v + (1 − α)·g²                         ('square_avg')
        ḡ ← α·ḡ + (1 − α)·g  and  d = √(v − ḡ²) + eps    if centered ('grad_avg')
        d = √v + eps                                  otherwise
        buf ← momentum·buf + g/d;  p ← p − lr·buf      if momentum > 0
        p ← p − lr·g/d                                otherwise
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        check_non_negative("RMSprop", lr=lr, eps=eps, momentum=momentum,
                           weight_decay=weight_decay, alpha=alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        alpha, mu, wd = group["alpha"], group["momentum"], group["weight_decay"]
        if not state:
            state["step"] = 0.0
            state["square_avg"] = np.zeros_like(p)
            if mu > 0:
                state["momentum_buffer"] = np.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p)
        state["step"] += 1
        if group["maximize"]:
            g = -g
        if wd != 0:
            g = g + wd * p
        v = state["square_avg"]
        v *= alpha
        avg = np.multiply(g, g)
        avg *= 1 - alpha
        v += avg
        if group["centered"]:
            gbar = state["grad_avg"]
            lerp_(gbar, g, 1 - alpha)
            np.multiply(gbar, gbar, out=avg)
            np.subtract(v, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(v, out=avg)
        avg += group["eps"]
        np.divide(g, avg, out=avg)
        if mu > 0:
            buf = state["momentum_buffer"]
            buf *= mu
            buf += avg
            avg = np.multiply(buf, group["lr"], out=avg)
        else:
            avg *= group["lr"]
        p -= avg
