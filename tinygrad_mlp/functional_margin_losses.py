"""Function forms of the margin and metric-learning losses (re-exported by
``tinygrad_mlp.functional``): ranking, hinge, cosine, multi-class margin, soft margin
and triplet losses, with PyTorch's arguments and ``reduction``.

They are written with the engine's ops (``clip(min=0)`` is PyTorch's ``clamp_min``),
so their gradients come from those; the soft-margin losses reuse the fused, stable
binary cross-entropy on logits.
"""

from __future__ import annotations

from . import ops
from .backend import xp
from .functional_layers import _t, pairwise_distance
from .functional_losses import _reduction, _same_shape, _target, _weight_array
from .ops.nll import check_class_targets
from .ops.shape import where
from .ops.softmax import reduce_loss
from .tensor import Tensor

__all__ = [
    "cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
    "multi_margin_loss", "multilabel_soft_margin_loss", "soft_margin_loss",
    "triplet_margin_loss",
]


def margin_ranking_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:
    """max(0, −y·(x₁ − x₂) + margin), y = ±1: x₁ should rank above x₂ when y = 1."""
    reduction = _reduction(reduction, size_average, reduce, "margin_ranking_loss")
    a, b = _t(input1), _t(input2)
    y = _target(a, target)
    if not (a.shape == b.shape == y.shape):
        raise RuntimeError(f"margin_ranking_loss: All input tensors should have same shape, "
                           f"got {a.shape}, {b.shape} and {y.shape}")
    return reduce_loss((-y * (a - b) + margin).clip(min=0), reduction, "margin_ranking_loss")


def hinge_embedding_loss(input, target, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin − x) where y = −1 (x is typically a distance)."""
    reduction = _reduction(reduction, size_average, reduce, "hinge_embedding_loss")
    x = _t(input)
    y = xp.asarray(target.data if isinstance(target, Tensor) else target)
    margin_part = where(y != 1, (margin - x).clip(min=0), 0.0)
    self_part = where(y != -1, x, 0.0)
    return reduce_loss(margin_part + self_part, reduction, "hinge_embedding_loss")


def cosine_embedding_loss(input1, input2, target, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:
    """1 − cos(x₁, x₂) where y = 1, max(0, cos(x₁, x₂) − margin) where y = −1;
    x₁, x₂ (N, D) or (D,), y (N,) or ().  cos = x₁·x₂ / √((|x₁|² + 1e-12)(|x₂|² + 1e-12))."""
    reduction = _reduction(reduction, size_average, reduce, "cosine_embedding_loss")
    a, b = _t(input1), _t(input2)
    y = xp.asarray(target.data if isinstance(target, Tensor) else target)
    if a.shape != b.shape or a.ndim not in (1, 2) or y.shape != a.shape[:-1]:
        raise RuntimeError(f"cosine_embedding_loss: expected inputs (N, D) or (D,) of one "
                           f"shape and a target (N,) or (), got {a.shape}, {b.shape} and "
                           f"{y.shape}")
    d = y.ndim
    prod = (a * b).sum(axis=d)
    m1 = (a * a).sum(axis=d) + 1e-12
    m2 = (b * b).sum(axis=d) + 1e-12
    cos = prod / (m1 * m2).sqrt()
    pos = where(y == 1, 1 - cos, 0.0)
    neg = where(y == -1, (cos - margin).clip(min=0), 0.0)
    return reduce_loss(pos + neg, reduction, "cosine_embedding_loss")


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """Multi-class hinge loss: Σ_{j≠y} max(0, margin − x[y] + x[j])^p / C (times w[y])
    for x (N, C) or (C,) and integer labels y."""
    reduction = _reduction(reduction, size_average, reduce, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x = _t(input)
    one = x.ndim == 1
    if one:
        x = x.reshape(1, -1)
    if x.ndim != 2:
        raise ValueError(f"multi_margin_loss: expected an input (N, C) or (C,), got {x.shape}")
    labels = check_class_targets("multi_margin_loss", x.shape,
                                 xp.asarray(target.data if isinstance(target, Tensor)
                                            else target).reshape(x.shape[0]))
    n, c = x.shape
    rows = xp.arange(n)
    picked = x[rows, labels].reshape(n, 1)
    others = xp.ones((n, c), dtype=x.dtype)
    others[rows, labels] = 0
    h = (x - picked + margin).relu() * others
    if p == 2:
        h = h * h
    w = _weight_array(weight, x.dtype, "multi_margin_loss", c)
    if w is not None:
        h = h * w[labels].reshape(n, 1)
    losses = h.sum(axis=1) / c
    if one:
        losses = losses.reshape(())
    return reduce_loss(losses, reduction, "multi_margin_loss")


def soft_margin_loss(input, target, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:
    """log(1 + e^(−y·x)) for labels y = ±1 (computed stably)."""
    reduction = _reduction(reduction, size_average, reduce, "soft_margin_loss")
    x = _t(input)
    y = _target(x, target)
    _same_shape("soft_margin_loss", x, y)
    # softplus(−z) is binary cross-entropy of logit z against 1: one fused, stable node.
    ones = Tensor._wrap(xp.ones(x.shape, dtype=x.dtype))
    losses = ops.BinaryCrossEntropyWithLogits.apply(y * x, ones)
    return reduce_loss(losses, reduction, "soft_margin_loss")


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction: str = "mean") -> Tensor:
    """−(1/C)·Σ_c w_c·[y_c·log σ(x_c) + (1 − y_c)·log σ(−x_c)] for x, y (N, C)."""
    reduction = _reduction(reduction, size_average, reduce, "multilabel_soft_margin_loss")
    x = _t(input)
    y = _target(x, target)
    _same_shape("multilabel_soft_margin_loss", x, y)
    losses = ops.BinaryCrossEntropyWithLogits.apply(x, y)
    if weight is not None:
        losses = losses * _target(x, weight)
    c = x.shape[-1] if x.ndim else 1
    losses = losses.sum(axis=-1) / c if x.ndim else losses
    return reduce_loss(losses, reduction, "multilabel_soft_margin_loss")


def triplet_margin_loss(anchor, positive, negative, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) − d(a, n)) with d the ``pairwise_distance`` (p-norm);
    ``swap`` uses min(d(a, n), d(p, n)) as the negative distance."""
    reduction = _reduction(reduction, size_average, reduce, "triplet_margin_loss")
    a, pos, neg = _t(anchor), _t(positive), _t(negative)
    if not (a.ndim == pos.ndim == neg.ndim) or a.ndim not in (1, 2):
        raise RuntimeError(f"triplet_margin_loss: anchor, positive and negative must be "
                           f"(N, D) or (D,) alike, got {a.shape}, {pos.shape} and {neg.shape}")
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_swap = pairwise_distance(pos, neg, p, eps)
        d_neg = where(d_swap.data < d_neg.data, d_swap, d_neg)
    losses = (d_pos - d_neg + margin).clip(min=0)
    return reduce_loss(losses, reduction, "triplet_margin_loss")
