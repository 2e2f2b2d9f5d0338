"""Function forms of the activations and losses (``import tinygrad_mlp.functional as F``).

Losses take ``reduction='mean' | 'sum' | 'none'`` like PyTorch's.
"""

from __future__ import annotations

from . import ops
from .backend import xp
from .ops.activation import (  # noqa: F401  (the F. forms of the activations)
    celu,
    elu,
    gelu,
    hardsigmoid,
    hardswish,
    hardtanh,
    leaky_relu,
    logsigmoid,
    mish,
    relu6,
    selu,
    silu,
    softmin,
    softplus,
    softsign,
)
from .ops.softmax import check_class_targets, check_reduction, reduce_loss
from .rng import get_rng
from .tensor import Tensor

__all__ = [
    "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "dropout",
    "l1_penalty", "l2_penalty", "linear", "log_softmax", "logsumexp", "mse_loss", "nll_loss",
    "relu", "sigmoid", "softmax", "tanh",
    # activations (ops/activation.py)
    "celu", "elu", "gelu", "hardsigmoid", "hardswish", "hardtanh", "leaky_relu", "logsigmoid",
    "mish", "relu6", "selu", "silu", "softmin", "softplus", "softsign",
]


def _t(x) -> Tensor:
    """A Tensor view of an input: Tensors as they are, arrays without a copy."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, xp.ndarray):
        return Tensor._wrap(x)
    return Tensor(x)


def _as_data_of(x: Tensor, dtype) -> Tensor:
    """``x`` in ``dtype`` when it is data (no gradient wanted) of another dtype.

    A float32 model fed NumPy's default float64 data (or uint8 pixels) would
    otherwise silently compute everything in float64; PyTorch raises instead.
    """
    if x.requires_grad or x.data.dtype == dtype:
        return x
    return Tensor._wrap(x.data.astype(dtype))


# ----------------------------------------------------------------- layers
def linear(x, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b with x (..., in), W (out, in), b (out,) → y (..., out); one fused op node.

    Input data that needs no gradient is cast to the weight's dtype (float64
    NumPy arrays to a float32 model's float32).
    """
    weight = _t(weight)
    if weight.ndim != 2:
        raise ValueError(f"linear: weight must have shape (out, in), got {weight.shape}")
    x = _as_data_of(_t(x), weight.data.dtype)
    if bias is None:
        return ops.Linear.apply(x, weight)
    bias = _t(bias)
    if bias.shape != weight.shape[:1]:
        raise ValueError(f"linear: bias of shape {bias.shape} does not match the weight's "
                         f"{weight.shape[0]} outputs")
    return ops.Linear.apply(x, weight, bias)


def dropout(x, p: float = 0.5, training: bool = True, rng=None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1−p) (inverted dropout)."""
    if not 0 <= p < 1:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    x = _t(x)
    if not training or p == 0:
        return x
    keep = (rng or get_rng()).random(x.shape) >= p
    return x * (keep / (1 - p)).astype(x.dtype)


# ------------------------------------------------------------ activations
def sigmoid(x) -> Tensor:
    """σ(x) = 1/(1 + e⁻ˣ), elementwise."""
    return _t(x).sigmoid()


def tanh(x) -> Tensor:
    """tanh(x), elementwise."""
    return _t(x).tanh()


def relu(x) -> Tensor:
    """max(x, 0), elementwise."""
    return _t(x).relu()


def softmax(x, axis: int = -1) -> Tensor:
    """eˣ / Σ eˣ along ``axis``."""
    return _t(x).softmax(axis)


def log_softmax(x, axis: int = -1) -> Tensor:
    """x − logsumexp(x) along ``axis``."""
    return _t(x).log_softmax(axis)


def logsumexp(x, axis=None, keepdims: bool = False) -> Tensor:
    """log Σ eˣ over ``axis``."""
    return _t(x).logsumexp(axis, keepdims)


# ----------------------------------------------------------------- losses
def _check_same_shape(opname: str, a: Tensor, b: Tensor) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{opname}: input of shape {a.shape} and target of shape {b.shape} "
                         f"differ (no silent broadcasting in losses)")


def _target(input: Tensor, target) -> Tensor:
    """The target as a Tensor; constant float targets take the input's dtype."""
    target = _t(target)
    if input.data.dtype.kind == "f":
        target = _as_data_of(target, input.data.dtype)
    return target


def mse_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean squared error (y − t)², elementwise, then reduced."""
    input = _t(input)
    target = _target(input, target)
    _check_same_shape("mse_loss", input, target)
    d = input - target
    return reduce_loss(d * d, reduction, "mse_loss")


def cross_entropy(logits, targets, reduction: str = "mean") -> Tensor:
    """−log softmax(logits)[target] for logits (N, C) or (C,) and integer labels (N,) or ().

    Fused with log-softmax: finite for logits of ±1e4; the gradient is softmax − one-hot.
    """
    logits = _t(logits)
    t = check_class_targets("cross_entropy", logits.shape, targets)
    check_reduction(reduction, "cross_entropy")
    return ops.CrossEntropy.apply(logits, targets=t, reduction=reduction)


def nll_loss(log_probs, targets, reduction: str = "mean") -> Tensor:
    """−log_probs[target] for log-probabilities (N, C) or (C,) and integer labels."""
    log_probs = _t(log_probs)
    t = check_class_targets("nll_loss", log_probs.shape, targets)
    if log_probs.ndim == 1:
        picked = log_probs[t]
    else:
        picked = log_probs[xp.arange(log_probs.shape[0]), t]
    return reduce_loss(-picked, reduction, "nll_loss")


def binary_cross_entropy(probs, target, reduction: str = "mean") -> Tensor:
    """−[t·log p + (1−t)·log(1−p)] for probabilities p in [0, 1] (one fused op node).

    Each log is clamped at −100, as in PyTorch, so p = 0 or 1 gives a finite
    loss and a finite gradient (p − t) / max(p(1 − p), 1e-12). Like PyTorch,
    RuntimeError if any p is outside [0, 1] or NaN.
    """
    probs = _t(probs)
    target = _target(probs, target)
    _check_same_shape("binary_cross_entropy", probs, target)
    p = probs.data
    inside = (p >= 0) & (p <= 1)  # False for NaN too
    if not inside.all():
        pos = tuple(int(i) for i in xp.argwhere(~inside)[0])
        raise RuntimeError(f"binary_cross_entropy: all elements of input should be between 0 "
                           f"and 1, got {p[pos]} at position {pos}; for logits use "
                           f"binary_cross_entropy_with_logits")
    losses = ops.BinaryCrossEntropy.apply(probs, target)
    return reduce_loss(losses, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(logits, target, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of σ(logits), computed stably as max(x, 0) − x·t + log(1 + e^−|x|)."""
    x = _t(logits)
    target = _target(x, target)
    _check_same_shape("binary_cross_entropy_with_logits", x, target)
    losses = ops.BinaryCrossEntropyWithLogits.apply(x, target)
    return reduce_loss(losses, reduction, "binary_cross_entropy_with_logits")


# -------------------------------------------------------------- penalties
def l2_penalty(params, lam: float = 1.0) -> Tensor:
    """(λ/2)·Σ w² over the given tensors (pass weights only to leave biases unpenalised)."""
    params = list(params)
    if not params:
        raise ValueError("l2_penalty: no parameters given")
    total = (params[0] * params[0]).sum()
    for p in params[1:]:
        total = total + (p * p).sum()
    return total * (lam / 2)


def l1_penalty(params, lam: float = 1.0) -> Tensor:
    """λ·Σ |w| over the given tensors."""
    params = list(params)
    if not params:
        raise ValueError("l1_penalty: no parameters given")
    total = params[0].abs().sum()
    for p in params[1:]:
        total = total + p.abs().sum()
    return total * lam


# ------------------------------------------------------------ padding
from .ops.layout import pad  # noqa: E402  (defined with its backward in ops/layout.py)

__all__ += ["pad"]
