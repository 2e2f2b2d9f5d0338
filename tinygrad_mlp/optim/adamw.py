"""AdamW (Loshchilov & Hutter): Adam with weight decay decoupled from the gradient."""

from __future__ import annotations

from collections.abc import Iterable

from ..tensor import Tensor
from .adam import Adam


class AdamW(Adam):
    """Adam whose weight decay shrinks the weights directly, before the Adam step::

        p ← p·(1 − lr·weight_decay)
        then Adam's update with the undecayed gradient (see ``Adam``)

    so the decay is not rescaled by √v. ``weight_decay`` defaults to 1e-2, as in PyTorch.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
