"""Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    """PyTorch's SGD update, for each parameter p with gradient g::

        g ← g + weight_decay·p
        buf ← g                                   (first step)
        buf ← momentum·buf + (1 − dampening)·g    (later steps)
        g ← g + momentum·buf  if nesterov  else  buf      (when momentum ≠ 0)
        p ← p − lr·g
    """

    hyperparam_names = ("lr", "momentum", "dampening", "weight_decay", "nesterov")

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0, dampening: float = 0.0):
        super().__init__(params)
        self._set_hyperparams(lr=lr, momentum=momentum, dampening=dampening,
                              weight_decay=weight_decay, nesterov=nesterov)

    def _set_hyperparams(self, lr, momentum, dampening, weight_decay, nesterov) -> None:
        for name, v in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            if not float(v) >= 0:
                raise ValueError(f"SGD: {name} must be >= 0, got {v}")
        if not 0 <= float(dampening) <= 1:
            raise ValueError(f"SGD: dampening must be in [0, 1], got {dampening}")
        if nesterov and (float(momentum) <= 0 or float(dampening) != 0):
            raise ValueError(f"SGD: Nesterov momentum needs momentum > 0 and dampening = 0, "
                             f"got momentum={momentum}, dampening={dampening}")
        self.lr = lr
        self.momentum = float(momentum)
        self.dampening = float(dampening)
        self.weight_decay = float(weight_decay)
        self.nesterov = bool(nesterov)

    def hyperparams(self) -> dict:
        hp = super().hyperparams()
        hp["nesterov"] = int(self.nesterov)  # a number, so the state saves to .npz as is
        return hp

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict) -> None:
        mu = self.momentum
        if self.weight_decay:
            g = g + self.weight_decay * p
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g, copy=True)
            else:
                buf *= mu
                buf += g if self.dampening == 0 else (1 - self.dampening) * g
            g = g + mu * buf if self.nesterov else buf
        p -= self.lr * g
