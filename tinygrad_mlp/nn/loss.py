"""Loss modules (thin wrappers over ``tinygrad_mlp.functional``) and weight penalties.

Each loss is called as ``loss(input, target)`` and takes
``reduction='mean' | 'sum' | 'none'`` like PyTorch's.
"""

from __future__ import annotations

from collections.abc import Iterator

from .. import functional as F
from ..functional import l1_penalty, l2_penalty
from ..tensor import Tensor
from .module import Module, Parameter

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss", "NLLLoss",
    "l1_penalty", "l2_penalty", "penalty_params", "weights_only",
]

_REDUCTIONS = ("mean", "sum", "none")


class _Loss(Module):
    _fn = staticmethod(F.mse_loss)

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction = reduction

    def forward(self, input, target) -> Tensor:
        return type(self)._fn(input, target, reduction=self.reduction)

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """(input − target)², input and target of the same shape."""

    _fn = staticmethod(F.mse_loss)


class CrossEntropyLoss(_Loss):
    """−log softmax(logits)[target]: logits (N, C), integer labels (N,)."""

    _fn = staticmethod(F.cross_entropy)


class NLLLoss(_Loss):
    """−log_probs[target]: log-probabilities (N, C) (e.g. from LogSoftmax), labels (N,)."""

    _fn = staticmethod(F.nll_loss)


class BCELoss(_Loss):
    """−[t·log p + (1−t)·log(1−p)] for probabilities p (e.g. after Sigmoid)."""

    _fn = staticmethod(F.binary_cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of σ(logits), computed stably from the logits."""

    _fn = staticmethod(F.binary_cross_entropy_with_logits)


def weights_only(module: Module) -> Iterator[Parameter]:
    """The parameters to penalise: every parameter except those named ``bias``.

    ``F.l2_penalty(nn.weights_only(model), lam)`` is the classic (λ/2)·Σ w² over
    weights, leaving biases unpenalised.
    """
    for name, p in module.named_parameters():
        if name.rsplit(".", 1)[-1] != "bias":
            yield p


penalty_params = weights_only
