"""Function forms of the layers beyond ``linear`` (re-exported by ``tinygrad_mlp.functional``):
``bilinear``, ``batch_norm``, ``layer_norm``, ``embedding``, ``alpha_dropout``,
``one_hot``, ``normalize``, ``cosine_similarity``, ``pairwise_distance``.

Arguments, defaults and formulas are PyTorch's (``torch.nn.functional``).
"""

from __future__ import annotations

import math

from . import _trace, ops
from .backend import xp
from .ops.distance import VectorNorm
from .ops.normalization import Normalize, moments
from .ops.sparse import Embedding
from .rng import get_rng
from .tensor import Tensor

__all__ = [
    "alpha_dropout", "batch_norm", "bilinear", "cosine_similarity", "embedding", "layer_norm",
    "normalize", "one_hot", "pairwise_distance", "vector_norm",
]


def _t(x) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, xp.ndarray):
        return Tensor._wrap(x)
    return Tensor(x)


def _data_as(x: Tensor, dtype) -> Tensor:
    """``x`` cast to ``dtype`` when it is data that needs no gradient (as ``F.linear``)."""
    if x.requires_grad or x.data.dtype == dtype or x.data.dtype.kind not in "biuf":
        return x
    return Tensor._wrap(x.data.astype(dtype))


# ------------------------------------------------------------------ layers
def bilinear(input1, input2, weight, bias=None) -> Tensor:
    """yₖ = x₁ᵀ Wₖ x₂ + bₖ: x₁ (..., in1), x₂ (..., in2), W (out, in1, in2), b (out,)
    → y (..., out).  Built from matmul and sum, so every gradient comes from theirs."""
    w = _t(weight)
    if w.ndim != 3:
        raise ValueError(f"bilinear: weight must have shape (out, in1, in2), got {w.shape}")
    x1, x2 = _data_as(_t(input1), w.dtype), _data_as(_t(input2), w.dtype)
    if x1.shape[:-1] != x2.shape[:-1] or x1.shape[-1:] != w.shape[1:2] \
            or x2.shape[-1:] != w.shape[2:3]:
        raise RuntimeError(f"bilinear: inputs of shapes {x1.shape} and {x2.shape} do not fit "
                           f"a weight of shape {w.shape} (need (..., {w.shape[1]}) and "
                           f"(..., {w.shape[2]}) with the same leading dims)")
    lead = x1.shape[:-1]
    m = math.prod(lead)
    a = x1.reshape(1, m, w.shape[1])
    c = x2.reshape(1, m, w.shape[2])
    y = ((a @ w) * c).sum(axis=-1).T  # (out, M, in2) summed over in2, then (M, out)
    if bias is not None:
        y = y + _t(bias)
    return y.reshape(lead + (w.shape[0],))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation of x (N, C) or (N, C, L…) per channel C (one fused op node).

    In training (or without running statistics) it normalises with the batch's mean
    and biased variance and, when given, updates ``running_mean``/``running_var`` in
    place: r ← (1 − momentum)·r + momentum·stat, with the unbiased variance (×n/(n−1)),
    as PyTorch.  Otherwise it uses the running statistics.  weight/bias: (C,).
    """
    x = _t(input)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, ...), got {x.shape}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(_t(t).shape) != (c,):
            raise RuntimeError(f"batch_norm: {name} of shape {tuple(_t(t).shape)} does not "
                               f"match the input's {c} channels (input shape {x.shape})")
    axes = (0,) + tuple(range(2, x.ndim))
    pshape = (1, c) + (1,) * (x.ndim - 2)
    use_batch = training or running_mean is None or running_var is None
    if use_batch:
        n = x.data.size // max(c, 1)
        if n <= 1 and training:
            raise ValueError(f"Expected more than 1 value per channel when training, got "
                             f"input size {list(x.shape)}")
        mean, var = moments(x.data, axes)
        if training and running_mean is not None:
            _trace.refuse("batch_norm updated its running statistics")
            rm, rv = _t(running_mean).data, _t(running_var).data
            rm *= 1 - momentum
            rm += momentum * mean.reshape(c).astype(rm.dtype)
            rv *= 1 - momentum
            rv += momentum * (var.reshape(c) * (n / max(n - 1, 1))).astype(rv.dtype)
    else:
        mean = _t(running_mean).data.reshape(pshape).astype(x.dtype, copy=False)
        var = _t(running_var).data.reshape(pshape).astype(x.dtype, copy=False)
    return _normalize(x, weight, bias, axes, pshape, axes, mean, var, eps, use_batch)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise over the last ``len(normalized_shape)`` dims (mean and biased variance
    of each sample), then γ ⊙ x̂ + β with weight/bias of ``normalized_shape``."""
    x = _t(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.shape[x.ndim - k:] != shape or x.ndim < k:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, shape))}], but got input of size"
                           f"{list(x.shape)}")
    axes = tuple(range(x.ndim - k, x.ndim))
    mean, var = moments(x.data, axes)
    return _normalize(x, weight, bias, axes, shape, tuple(range(x.ndim - k)), mean, var, eps,
                      True)


def _normalize(x, weight, bias, axes, pshape, paxes, mean, var, eps, batch_stats) -> Tensor:
    params = [_t(p) for p in (weight, bias) if p is not None]
    return Normalize.apply(x, *params, axes=axes, pshape=pshape, paxes=paxes, mean=mean,
                           var=var, eps=eps, batch_stats=batch_stats,
                           has_weight=weight is not None)


def embedding(input, weight, padding_idx: int | None = None, max_norm: float | None = None,
              norm_type: float = 2.0, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``input`` (*) → (*, dim).

    ``padding_idx``'s row gets no gradient; with ``max_norm`` the picked rows whose
    ``norm_type``-norm exceeds it are first rescaled to it, in place (as PyTorch).
    """
    w = _t(weight)
    idx = xp.asarray(input.data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"embedding: expected integer indices (Long or Int), got dtype "
                           f"{idx.dtype}")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    n = w.shape[0]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"embedding: index out of range in self (indices in "
                         f"[{idx.min()}, {idx.max()}] for {n} embeddings)")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding: padding_idx {padding_idx} must be within "
                             f"num_embeddings {n}")
        padding_idx %= n
    idx = idx % n if idx.size and idx.min() < 0 else idx
    if max_norm is not None:
        rows = xp.unique(idx)
        norms = xp.linalg.norm(w.data[rows], ord=norm_type, axis=1)
        big = norms > max_norm
        w.data[rows[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
    return Embedding.apply(w, indices=idx, padding_idx=padding_idx)


_SELU_ALPHA_PRIME = 1.7580993408473766  # λ·α of SELU: the value a dropped unit takes (−)


def alpha_dropout(input, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU's mean 0 and variance 1: dropped units are set to −λα and
    the result is rescaled by a and shifted by b (PyTorch's formula)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    x = _t(input)
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    alpha = _SELU_ALPHA_PRIME
    keep = (get_rng().random(x.shape) >= p).astype(x.dtype)
    a = 1.0 / math.sqrt((alpha * alpha * p + 1) * (1 - p))
    b = (keep - 1) * (alpha * a) + alpha * a * p
    return x * (keep * a).astype(x.dtype) + b.astype(x.dtype)


# ------------------------------------------------------- one-hot and norms
def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot rows: labels (*) → (*, num_classes); −1 infers max(label) + 1."""
    t = xp.asarray(tensor.data if isinstance(tensor, Tensor) else tensor)
    if t.dtype.kind not in "iu":
        raise RuntimeError(f"one_hot is only applicable to index tensor of integer type, "
                           f"got dtype {t.dtype}")
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(t.max()) + 1
    if t.size and t.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if t.size and t.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = xp.zeros(t.shape + (num_classes,), dtype=xp.int64)
    xp.put_along_axis(out, t[..., None].astype(xp.intp), 1, axis=-1)
    return Tensor._wrap(out)


def vector_norm(x, p: float = 2.0, dim: int = -1, keepdim: bool = False) -> Tensor:
    """‖x‖_p along ``dim`` (one fused op node; its gradient is 0 where the norm is 0)."""
    x = _t(x)
    if x.ndim == 0:
        x = x.reshape(1)
    return VectorNorm.apply(x, p=float(p), dim=dim, keepdim=keepdim)


def normalize(input, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖_p, eps) along ``dim``: unit vectors (PyTorch's ``F.normalize``)."""
    x = _t(input)
    return x / vector_norm(x, p, dim, keepdim=True).clip(min=eps)


def _clamp_straight_through(n: Tensor, eps: float) -> Tensor:
    """max(n, eps) in value, with the gradient of n (PyTorch clamps the norms under no_grad)."""
    low = n.data < eps
    if not low.any():
        return n
    return n + Tensor._wrap(xp.where(low, eps - n.data, 0).astype(n.dtype))


def cosine_similarity(x1, x2, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """Σ (x₁/max(‖x₁‖, eps)) ⊙ (x₂/max(‖x₂‖, eps)) along ``dim`` (inputs broadcast)."""
    a, b = _t(x1), _t(x2)
    nd = max(a.ndim, b.ndim)
    if a.ndim < nd:
        a = a.reshape((1,) * (nd - a.ndim) + a.shape)
    if b.ndim < nd:
        b = b.reshape((1,) * (nd - b.ndim) + b.shape)
    na = _clamp_straight_through(vector_norm(a, 2, dim, keepdim=True), eps)
    nb = _clamp_straight_through(vector_norm(b, 2, dim, keepdim=True), eps)
    return ((a / na) * (b / nb)).sum(axis=dim)


def pairwise_distance(x1, x2, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x₁ − x₂ + eps‖_p along the last dim (PyTorch's ``F.pairwise_distance``)."""
    a, b = _t(x1), _t(x2)
    d = a - b + eps
    if d.ndim == 0:
        d = d.reshape(1)
    return vector_norm(d, p, -1, keepdim=keepdim)


_ = ops  # the package must be imported (it binds the Tensor methods used above)
