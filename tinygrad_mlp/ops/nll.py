"""Negative log-likelihood on class labels, with PyTorch's ``weight``, ``ignore_index``
and (for cross-entropy) ``label_smoothing``, for inputs (C,), (N, C) or (N, C, d1, …).

Every variant is one formula: with a constant coefficient array A of the
input's shape (the class axis is 1, or 0 for a single sample),

    loss_n = −Σ_c A[n, c] · input[n, c],    'mean' = Σ_n loss_n / D,

where A[n, c] = (1 − ε)·w[yₙ]·[c = yₙ] + (ε/C)·w[c] on rows whose label is not
``ignore_index`` (0 elsewhere) and D = Σ_n w[yₙ] over those rows (their count
without weights), as PyTorch normalises.
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._dual import is_tensor

__all__ = ["NLLLoss", "check_class_targets", "class_axis", "class_coefficients"]


def class_axis(ndim: int) -> int:
    """The class dim of an input with ``ndim`` dims: 0 for (C,), else 1 ((N, C, d1, …))."""
    return 0 if ndim == 1 else 1


def check_class_targets(opname: str, input_shape: tuple, targets, ignore_index=None):
    """Validate integer class labels for an input of ``input_shape``; return them as an
    int array (labels equal to ``ignore_index`` may be out of range)."""
    t = xp.asarray(targets.data if is_tensor(targets) else targets)
    if t.dtype.kind not in "iu":
        if t.dtype.kind == "f" and t.size and xp.all(t == xp.round(t)):
            hint = " (they look like whole numbers: cast them with .astype(int))"
        else:
            hint = (" (class probabilities must have the input's shape "
                    f"{tuple(input_shape)})")
        raise TypeError(
            f"{opname}: targets must be integer class labels, got dtype {t.dtype}{hint}"
        )
    if len(input_shape) == 0:
        raise ValueError(f"{opname}: expected an input of shape (C,), (N, C) or (N, C, d1, ...), "
                         f"got a 0-d input")
    ax = class_axis(len(input_shape))
    expected = tuple(input_shape[:ax]) + tuple(input_shape[ax + 1:])
    if t.shape != expected:
        raise ValueError(
            f"{opname}: input of shape {tuple(input_shape)} needs targets of shape {expected}, "
            f"got {t.shape}"
        )
    n_classes = input_shape[ax]
    bad = (t < 0) | (t >= n_classes)
    if ignore_index is not None:
        bad &= t != ignore_index
    if t.size and bad.any():
        pos = tuple(int(i) for i in xp.argwhere(bad)[0]) if t.ndim else ()
        raise ValueError(
            f"{opname}: target {int(t[pos])} at position {pos} is out of range for "
            f"{n_classes} classes (labels must be in [0, {n_classes - 1}])"
        )
    return t


def class_coefficients(shape: tuple, targets, weight=None, ignore_index: int = -100,
                       label_smoothing: float = 0.0, dtype=None):
    """(A, D): the coefficient array of the module docstring and the 'mean' divisor."""
    ax = class_axis(len(shape))
    c = shape[ax]
    valid = targets != ignore_index
    safe = xp.where(valid, targets, 0)
    picked_w = weight[safe] if weight is not None else xp.ones(safe.shape, dtype)
    picked_w = picked_w * valid
    coef = xp.zeros(shape, dtype)
    xp.put_along_axis(coef, xp.expand_dims(safe, ax).astype(xp.intp),
                      xp.expand_dims(picked_w * (1 - label_smoothing), ax), axis=ax)
    if label_smoothing:
        wb = (weight if weight is not None else xp.ones(c, dtype)).reshape(
            (c,) + (1,) * (len(shape) - ax - 1))
        coef += (label_smoothing / c) * wb * xp.expand_dims(valid, ax)
    return coef, picked_w.sum(dtype=xp.float64)


def reduce_losses(losses, reduction: str, denom, negate: bool = False):
    """(value, scale): the reduced loss and the factor the gradient is multiplied by;
    ``negate``: of −losses (negating is exact, so after the sum it is the same number)."""
    if reduction == "none":
        return (-losses if negate else losses), 1.0
    total = xp.add.reduce(losses, axis=None)  # (= losses.sum(), without its Python wrapper)
    if reduction == "sum":
        return (-total if negate else total), 1.0
    if denom:  # (the dtype's own scalar: NumPy 1.x would promote)
        scale = 1.0 / float(denom)
        return total * total.dtype.type(-scale if negate else scale), scale
    with xp.errstate(invalid="ignore"):  # every label ignored: 0/0 = nan, as PyTorch says
        return total * total.dtype.type(float("nan")), float("nan")


def expand_grad(g, reduction: str, scale, ax: int):
    """The upstream gradient broadcastable against the input (class axis restored)."""
    if reduction == "none":
        return g.reshape(g.shape[:ax] + (1,) + g.shape[ax:])
    return g * scale if reduction == "mean" else g


class NLLLoss(Function):
    """loss_n = −Σ_c A[n, c] · input[n, c] (see the module docstring);  ∂/∂input = −A · g."""

    def forward(self, x, coef=None, denom=1.0, reduction="mean"):
        self.coef, self.reduction = coef, reduction
        self.ax = class_axis(x.ndim)
        losses = -(coef * x).sum(axis=self.ax)
        out, self.scale = reduce_losses(losses, reduction, denom)
        return out

    def backward(self, g, out, x):
        return (-self.coef * expand_grad(g, self.reduction, self.scale, self.ax),)

    @classmethod
    def name(cls) -> str:
        return "nll_loss"
