"""Function forms of the classification and regression losses (re-exported by
``tinygrad_mlp.functional``; the margin losses are in ``functional_margin_losses.py``),
with PyTorch's arguments, defaults, formulas and ``reduction='mean' | 'sum' | 'none'``.

Classification losses on labels (cross-entropy, NLL) and binary cross-entropy
are fused op nodes (``ops/softmax.py``, ``ops/nll.py``, ``ops/loss.py``,
``ops/bce_pos_weight.py``), finite for logits of ±1e4; the others are written
with the engine's ops, so their gradients come from those.  PyTorch's deprecated
``size_average``/``reduce`` arguments are accepted and mapped to ``reduction`` as
PyTorch does.
"""

from __future__ import annotations

import math
import warnings

from . import _trace, ops
from .backend import xp
from .functional_layers import _t
from .ops.bce_pos_weight import BinaryCrossEntropyWithLogitsPosWeight
from .ops.nll import NLLLoss, check_class_targets, class_axis, class_coefficients
from .ops.shape import where
from .ops.softmax import CrossEntropy, check_reduction, reduce_loss
from .tensor import Tensor

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy",
    "gaussian_nll_loss", "huber_loss", "kl_div", "l1_loss", "mse_loss", "nll_loss",
    "poisson_nll_loss", "smooth_l1_loss",
]


# ----------------------------------------------------------------- helpers
def _reduction(reduction: str, size_average, reduce, opname: str) -> str:
    """``reduction``, or PyTorch's mapping of the legacy ``size_average``/``reduce``.

    A string in ``size_average``'s place is taken as the reduction (older code here
    passed it third: ``F.mse_loss(x, y, 'sum')``).
    """
    if isinstance(size_average, str):
        size_average, reduction = None, size_average
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = ("mean" if size_average else "sum") if reduce else "none"
    check_reduction(reduction, opname)
    return reduction


def _as_data_of(x: Tensor, dtype) -> Tensor:
    if x.requires_grad or x.data.dtype == dtype:
        return x
    return Tensor._wrap(x.data.astype(dtype))


def _target(input: Tensor, target) -> Tensor:
    """The target as a Tensor; constant float targets take the input's dtype."""
    target = _t(target)
    if input.data.dtype.kind == "f":
        target = _as_data_of(target, input.data.dtype)
    return target


def _same_shape(opname: str, a: Tensor, b: Tensor) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{opname}: input of shape {a.shape} and target of shape {b.shape} "
                         f"differ (no silent broadcasting in losses)")


def _weight_array(weight, dtype, opname: str, n: int | None = None):
    if weight is None:
        return None
    w = xp.asarray(weight.data if isinstance(weight, Tensor) else weight).astype(dtype)
    if n is not None and w.shape != (n,):
        raise RuntimeError(f"{opname}: weight of shape {w.shape} does not match the "
                           f"{n} classes (a 1-D tensor of size {n} is expected)")
    return w


def _legacy_weight(weight, reduction: str):
    """Older code passed ``reduction`` third: ``F.nll_loss(x, y, 'sum')``."""
    if isinstance(weight, str):
        return None, weight
    return weight, reduction


# ---------------------------------------------------- classification losses
def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax cross-entropy of logits (C,), (N, C) or (N, C, d1, …) against integer labels
    of the input's shape without the class dim, or class probabilities of the input's
    shape. ``weight`` (C,) rescales classes; labels equal to ``ignore_index`` count for
    nothing; ``label_smoothing`` ε mixes the targets with the uniform distribution.

    'mean' divides by Σ w[yₙ] over the counted samples (N without weights), as PyTorch.
    One fused op node: finite for logits of ±1e4; gradient softmax − one-hot (plain case).
    """
    weight, reduction = _legacy_weight(weight, reduction)
    reduction = _reduction(reduction, size_average, reduce, "cross_entropy")
    x = _t(input)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    if x.ndim == 0:
        raise ValueError("cross_entropy: expected logits of shape (C,), (N, C) or "
                         "(N, C, d1, ...), got a 0-d input")
    c = x.shape[class_axis(x.ndim)]
    w = _weight_array(weight, x.dtype, "cross_entropy", c)
    tdata = target.data if isinstance(target, Tensor) else xp.asarray(target)
    if tdata.dtype.kind == "f" and tdata.shape == x.shape:  # class probabilities
        t = _target(x, target)
        return CrossEntropy.apply(x, t, reduction=reduction, weight=w,
                                  label_smoothing=label_smoothing)
    labels = check_class_targets("cross_entropy", x.shape, target, ignore_index)
    plain = (w is None and not label_smoothing and x.ndim <= 2
             and not (labels == ignore_index).any())
    if plain:
        if _trace.ACTIVE is not None:
            if 0 <= ignore_index < c:
                _trace.refuse("cross_entropy with an ignore_index among the classes")
            if id(labels) not in _trace.ACTIVE.slots:
                _trace.refuse("cross_entropy's labels are not an argument of the step")
        return CrossEntropy.apply(x, targets=labels, reduction=reduction)
    _trace.refuse("cross_entropy with weight, ignore_index or label_smoothing "
                  "(coefficients computed from the labels)")
    coef, denom = class_coefficients(x.shape, labels, w, ignore_index, label_smoothing,
                                     x.dtype)
    return CrossEntropy.apply(x, targets=labels, reduction=reduction, coef=coef, denom=denom)


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean") -> Tensor:
    """−w[yₙ]·input[n, yₙ] for log-probabilities (C,), (N, C) or (N, C, d1, …) (e.g. from
    log_softmax) and integer labels; ``weight``/``ignore_index`` as ``cross_entropy``."""
    weight, reduction = _legacy_weight(weight, reduction)
    reduction = _reduction(reduction, size_average, reduce, "nll_loss")
    x = _t(input)
    labels = check_class_targets("nll_loss", x.shape, target, ignore_index)
    _trace.refuse("nll_loss (coefficients computed from the labels)")
    w = _weight_array(weight, x.dtype, "nll_loss", x.shape[class_axis(x.ndim)])
    coef, denom = class_coefficients(x.shape, labels, w, ignore_index, 0.0, x.dtype)
    return NLLLoss.apply(x, coef=coef, denom=denom, reduction=reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """−w·[t·log p + (1−t)·log(1−p)] for probabilities p in [0, 1] (one fused op node).

    Each log is clamped at −100, as in PyTorch, so p = 0 or 1 gives a finite
    loss and a finite gradient (p − t) / max(p(1 − p), 1e-12). ``weight``
    broadcasts against the input. Like PyTorch, RuntimeError if any p is outside
    [0, 1] or NaN.
    """
    weight, reduction = _legacy_weight(weight, reduction)
    reduction = _reduction(reduction, size_average, reduce, "binary_cross_entropy")
    probs = _t(input)
    target = _target(probs, target)
    _same_shape("binary_cross_entropy", probs, target)
    p = probs.data
    inside = (p >= 0) & (p <= 1)  # False for NaN too
    if not inside.all():
        pos = tuple(int(i) for i in xp.argwhere(~inside)[0])
        raise RuntimeError(f"binary_cross_entropy: all elements of input should be between 0 "
                           f"and 1, got {p[pos]} at position {pos}; for logits use "
                           f"binary_cross_entropy_with_logits")
    losses = ops.BinaryCrossEntropy.apply(probs, target)
    if weight is not None:
        losses = losses * _target(probs, weight)
    return reduce_loss(losses, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """Binary cross-entropy of σ(logits), stable for any logit: max(x, 0) − x·t +
    log(1 + e^−|x|); ``weight`` rescales elements, ``pos_weight`` (broadcast over the
    last, class dim) the positive term: −[p·t·log σ(x) + (1−t)·log(1−σ(x))]."""
    weight, reduction = _legacy_weight(weight, reduction)
    reduction = _reduction(reduction, size_average, reduce, "binary_cross_entropy_with_logits")
    x = _t(input)
    target = _target(x, target)
    _same_shape("binary_cross_entropy_with_logits", x, target)
    if pos_weight is None:
        losses = ops.BinaryCrossEntropyWithLogits.apply(x, target)
    else:
        pw = xp.asarray(pos_weight.data if isinstance(pos_weight, Tensor) else pos_weight,
                        dtype=x.dtype)
        losses = BinaryCrossEntropyWithLogitsPosWeight.apply(x, target, pos_weight=pw)
    if weight is not None:
        losses = losses * _target(x, weight)
    return reduce_loss(losses, reduction, "binary_cross_entropy_with_logits")


# ------------------------------------------------------- regression losses
def _weighted(losses: Tensor, weight, reduction: str, opname: str,
              mean_by_weight: bool) -> Tensor:
    """``losses`` times an elementwise ``weight`` of their shape, then reduced; 'mean'
    divides by Σ weight (``mean_by_weight``, as PyTorch's mse/l1) or by the count."""
    if weight is None:
        return reduce_loss(losses, reduction, opname)
    w = _target(losses, weight)
    if w.shape != losses.shape:
        raise ValueError(f"{opname}: Weights and input must have the same size (weight "
                         f"{w.shape}, input {losses.shape}).")
    weighted = losses * w
    if reduction == "mean" and mean_by_weight:
        return weighted.sum() / w.sum()
    return reduce_loss(weighted, reduction, opname)


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:
    """Mean squared error (x − y)², elementwise (times ``weight``), then reduced; with a
    weight 'mean' is Σ w·(x − y)² / Σ w (PyTorch's)."""
    reduction = _reduction(reduction, size_average, reduce, "mse_loss")
    x = _t(input)
    y = _target(x, target)
    _same_shape("mse_loss", x, y)
    d = x - y
    return _weighted(d * d, weight, reduction, "mse_loss", True)


def l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:
    """|x − y|, elementwise (times ``weight``; 'mean' then divides by Σ w), then reduced."""
    reduction = _reduction(reduction, size_average, reduce, "l1_loss")
    x = _t(input)
    y = _target(x, target)
    _same_shape("l1_loss", x, y)
    return _weighted((x - y).abs(), weight, reduction, "l1_loss", True)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5·d²/β where |d| < β, else |d| − 0.5·β (d = x − y); β = 0 is the L1 loss."""
    reduction = _reduction(reduction, size_average, reduce, "smooth_l1_loss")
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    x = _t(input)
    y = _target(x, target)
    _same_shape("smooth_l1_loss", x, y)
    d = x - y
    a = d.abs()
    if beta == 0:
        return reduce_loss(a, reduction, "smooth_l1_loss")
    losses = where(a.data < beta, d * d * (0.5 / beta), a - 0.5 * beta)
    return reduce_loss(losses, reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0,
               weight=None) -> Tensor:
    """0.5·d² where |d| < δ, else δ·(|d| − 0.5·δ) (d = x − y): β·smooth_l1 with β = δ;
    an elementwise ``weight`` multiplies before the reduction ('mean' over the count)."""
    check_reduction(reduction, "huber_loss")
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x = _t(input)
    y = _target(x, target)
    _same_shape("huber_loss", x, y)
    d = x - y
    a = d.abs()
    losses = where(a.data < delta, d * d * 0.5, (a - 0.5 * delta) * delta)
    return _weighted(losses, weight, reduction, "huber_loss", False)


def kl_div(input, target, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL(target ‖ exp(input)) pointwise: t·(log t − x) (0 where t = 0), or with
    ``log_target`` eᵗ·(t − x); ``input`` holds log-probabilities.

    'batchmean' divides the sum by the batch size (the true KL divergence per
    sample); 'mean' divides by the number of elements (PyTorch warns about it).
    """
    if reduction == "batchmean":
        red = "sum"
    else:
        red = _reduction(reduction, size_average, reduce, "kl_div")
        if red == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size "
                          "and the support size.'batchmean' divides only by the batch size, "
                          "and aligns with the KL div math definition.'mean' will be changed "
                          "to behave the same as 'batchmean' in the next major release.",
                          UserWarning, stacklevel=2)
    x = _t(input)
    t = _target(x, target)
    if log_target:
        losses = t.exp() * (t - x)
    elif t.requires_grad:
        pos = t.data > 0
        losses = where(pos, t * where(pos, t, 1.0).log(), 0.0) - t * x
    else:
        with xp.errstate(divide="ignore", invalid="ignore"):
            xlogy = xp.where(t.data > 0, t.data * xp.log(xp.where(t.data > 0, t.data, 1)), 0)
        losses = Tensor._wrap(xlogy.astype(x.dtype)) - t * x
    out = reduce_loss(losses, red, "kl_div")
    if reduction == "batchmean" and x.ndim:
        out = out / x.shape[0]
    return out


def _straight_through_clamp(v: Tensor, lo: float) -> Tensor:
    """max(v, lo) in value with the gradient of v (PyTorch clamps under no_grad)."""
    low = v.data < lo
    if not low.any():
        return v
    return v + Tensor._wrap(xp.where(low, lo - v.data, 0).astype(v.dtype))


def gaussian_nll_loss(input, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """0.5·(log max(var, eps) + (x − y)² / max(var, eps)) (+ 0.5·log 2π with ``full``).

    ``var`` has the input's shape, or one dim fewer, or a last dim of 1 (one
    variance per sample); the clamp at ``eps`` does not stop its gradient (PyTorch).
    """
    check_reduction(reduction, "gaussian_nll_loss")
    x = _t(input)
    y = _target(x, target)
    v = _target(x, var) if not isinstance(var, (int, float)) else Tensor(
        xp.full(x.shape, var, dtype=x.dtype))
    if v.shape != x.shape:
        if x.shape[:-1] == v.shape:
            v = v.reshape(v.shape + (1,))
        elif not (x.shape[:-1] == v.shape[:-1] and v.shape[-1:] == (1,)):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size (var {v.shape}, "
                             f"input {x.shape})")
    if xp.any(v.data < 0):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    v = _straight_through_clamp(v, eps)
    d = x - y
    losses = (v.log() + d * d / v) * 0.5
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return reduce_loss(losses, reduction, "gaussian_nll_loss")


def poisson_nll_loss(input, target, log_input: bool = True, full: bool = False,
                     size_average=None, eps: float = 1e-8, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """Poisson negative log-likelihood: eˣ − y·x (``log_input``) or x − y·log(x + eps),
    plus with ``full`` the Stirling term y·log y − y + 0.5·log(2πy) where y > 1."""
    reduction = _reduction(reduction, size_average, reduce, "poisson_nll_loss")
    x = _t(input)
    y = _target(x, target)
    losses = x.exp() - y * x if log_input else x - y * (x + eps).log()
    if full:
        yd = y.data
        big = yd > 1
        ys = xp.where(big, yd, 1.0)
        stirling = xp.where(big, ys * xp.log(ys) - ys + 0.5 * xp.log(2 * math.pi * ys), 0)
        losses = losses + Tensor._wrap(stirling.astype(x.dtype))
    return reduce_loss(losses, reduction, "poisson_nll_loss")
