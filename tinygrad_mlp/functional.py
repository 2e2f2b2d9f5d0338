"""Function forms of the activations and losses (``import tinygrad_mlp.functional as F``).

Losses take ``reduction='mean' | 'sum' | 'none'`` like PyTorch's.
"""

from __future__ import annotations

import warnings

from . import ops
from ._args import dim_aliases
from .backend import xp
from .functional_layers import (  # the layers beyond linear
    alpha_dropout,
    batch_norm,
    bilinear,
    cosine_similarity,
    embedding,
    layer_norm,
    normalize,
    one_hot,
    pairwise_distance,
    vector_norm,
)
from .functional_losses import (  # classification and regression losses
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    gaussian_nll_loss,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
)
from .functional_margin_losses import (  # margin and metric-learning losses
    cosine_embedding_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multi_margin_loss,
    multilabel_soft_margin_loss,
    soft_margin_loss,
    triplet_margin_loss,
)
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
__all__ += [  # functional_layers.py, functional_losses.py, functional_margin_losses.py
    "alpha_dropout", "batch_norm", "bilinear", "cosine_embedding_loss", "cosine_similarity",
    "embedding", "gaussian_nll_loss", "hinge_embedding_loss", "huber_loss", "kl_div",
    "l1_loss", "layer_norm", "margin_ranking_loss", "multi_margin_loss",
    "multilabel_soft_margin_loss", "normalize", "one_hot", "pairwise_distance",
    "poisson_nll_loss", "smooth_l1_loss", "soft_margin_loss", "triplet_margin_loss",
    "vector_norm",
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


def dropout(x, p: float = 0.5, training: bool = True, inplace: bool = False,
            rng=None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1−p) (inverted
    dropout) when ``training``; the identity otherwise (``inplace`` has no effect)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = _t(x)
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
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


def _softmax_dim(x: Tensor, dim, opname: str) -> int:
    """``dim``, or PyTorch's legacy implicit choice (0 for 0-, 1- and 3-d inputs, else 1)."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {opname} has been deprecated. Change the "
                  f"call to include dim=X as an argument.", UserWarning, stacklevel=4)
    return 0 if x.ndim in (0, 1, 3) else 1


@dim_aliases
def softmax(x, dim: int | None = None, dtype=None) -> Tensor:
    """eˣ / Σ eˣ along ``dim`` (``axis=`` accepted), computed without overflow."""
    x = _t(x) if dtype is None else _t(x).astype(dtype)
    return x.softmax(_softmax_dim(x, dim, "softmax"))


@dim_aliases
def log_softmax(x, dim: int | None = None, dtype=None) -> Tensor:
    """x − logsumexp(x) along ``dim`` (``axis=`` accepted), computed without overflow."""
    x = _t(x) if dtype is None else _t(x).astype(dtype)
    return x.log_softmax(_softmax_dim(x, dim, "log_softmax"))


def logsumexp(x, axis=None, keepdims: bool = False) -> Tensor:
    """log Σ eˣ over ``axis``."""
    return _t(x).logsumexp(axis, keepdims)


# ----------------------------------------------------------------- losses
# (functional_losses.py; imported at the top of this file)


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
