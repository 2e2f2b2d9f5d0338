"""Stochastic gradient descent with momentum, dampening, Nesterov momentum and L2 weight decay."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .. import blas
from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative


class SGD(Optimizer):
    """PyTorch's SGD, for each parameter p with gradient g (−g when ``maximize``)::

        g ← g + weight_decay·p
        buf ← g                                   (first step)
        buf ← momentum·buf + (1 − dampening)·g    (later steps)
        g ← g + momentum·buf  if nesterov  else  buf      (when momentum ≠ 0)
        p ← p − lr·g

    State per parameter: ``'momentum_buffer'`` (when momentum ≠ 0).
    ``foreach``, ``differentiable`` and ``fused`` are accepted for PyTorch's
    signature and do not change the arithmetic.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 momentum: float = 0.0, dampening: float = 0.0, weight_decay: float = 0.0,
                 nesterov: bool = False, *, maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None):
        check_non_negative("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if not 0 <= dampening <= 1:
            raise ValueError(f"SGD: Invalid dampening value: {dampening} (must be in [0, 1])")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(f"SGD: Nesterov momentum requires a momentum and zero dampening, "
                             f"got momentum={momentum}, dampening={dampening}")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _update_group(self, gi: int, group: dict) -> None:
        """Plain SGD (no momentum, weight decay or maximize) in one loop: p ← p − lr·g."""
        if (group["momentum"] != 0 or group["weight_decay"] != 0 or group["maximize"]
                or type(self)._update is not SGD._update):  # (a subclass's own _update runs)
            super()._update_group(gi, group)
            return
        lr = group["lr"]
        alpha = -lr if type(lr) is float else -float(lr)
        for p in group["params"]:
            grad = p.grad
            if grad is None or not p.requires_grad:
                continue
            g, pd = grad.data, p.data
            if g.shape != pd.shape:
                raise self._shape_error(gi, p, g)
            blas.axpy(alpha, g, pd)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        mu, wd = group["momentum"], group["weight_decay"]
        if group["maximize"]:
            g = -g
        if wd != 0:
            g = g + wd * p
        if mu != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g, copy=True)
            else:
                buf *= mu
                buf += g if group["dampening"] == 0 else (1 - group["dampening"]) * g
            g = g + mu * buf if group["nesterov"] else buf
        lr = group["lr"]
        blas.axpy(-lr if type(lr) is float else -float(lr), g, p)  # p ← p − lr·g, one pass
