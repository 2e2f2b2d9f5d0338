"""Softmax family and the fused cross-entropy, all stable for inputs of any size.

Each subtracts the maximum along ``axis`` before exponentiating, so logits of
±1e4 give finite results and no overflow warnings.
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._dual import exp, is_tensor


def _shifted(x, axis):
    """x − max(x) along axis: all ≤ 0, so the exponentials cannot overflow.

    (A row of all −inf gives NaN, as in PyTorch: its softmax is 0/0.)
    """
    return x - xp.maximum.reduce(x, axis=axis, keepdims=True)


class Softmax(Function):
    """softmax(x)ᵢ = e^xᵢ / Σⱼ e^xⱼ;  backward: s ⊙ (g − Σ g ⊙ s)."""

    def forward(self, x, axis=-1):
        self.axis = axis
        e = xp.exp(_shifted(x, axis))
        return e / e.sum(axis=axis, keepdims=True)

    def backward(self, g, out, x):
        return (out * (g - (g * out).sum(axis=self.axis, keepdims=True)),)


class LogSoftmax(Function):
    """log softmax(x) = x − logsumexp(x);  backward: g − softmax(x) · Σ g."""

    def forward(self, x, axis=-1):
        self.axis = axis
        z = _shifted(x, axis)
        return z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))

    def backward(self, g, out, x):
        return (g - exp(out) * g.sum(axis=self.axis, keepdims=True),)


class LogSumExp(Function):
    """log Σ e^x along ``axis``;  backward: g · softmax(x)."""

    def forward(self, x, axis=None, keepdims=False):
        from .reduce import kept_shape, normalize_axis

        axes = normalize_axis(axis, x.ndim)
        self.kshape = kept_shape(x.shape, axes)
        ax = axes if x.ndim else None
        m = x.max(axis=ax, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.exp(x - m).sum(axis=ax, keepdims=True)) + m
        if keepdims:
            return out
        return out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in axes))

    def backward(self, g, out, x):
        return (g.reshape(self.kshape) * exp(x - out.reshape(self.kshape)),)


def check_class_targets(opname: str, logits_shape: tuple, targets, class_axis: int = -1):
    """Validate integer class labels for ``logits_shape``; return them as an int array."""
    t = xp.asarray(targets.data if is_tensor(targets) else targets)
    if t.dtype.kind not in "iu":
        if t.dtype.kind == "f" and t.size and xp.all(t == xp.round(t)):
            hint = " (they look like whole numbers: cast them with .astype(int))"
        else:
            hint = " (for probabilities or one-hot rows use a different loss)"
        raise TypeError(
            f"{opname}: targets must be integer class labels, got dtype {t.dtype}{hint}"
        )
    if len(logits_shape) not in (1, 2):
        raise ValueError(f"{opname}: expected logits of shape (N, C) or (C,), got {logits_shape}")
    expected = logits_shape[:-1]
    if t.shape != expected:
        raise ValueError(
            f"{opname}: logits of shape {logits_shape} need targets of shape {expected}, "
            f"got {t.shape}"
        )
    n_classes = logits_shape[-1]
    if t.size and (xp.minimum.reduce(t, axis=None) < 0
                   or xp.maximum.reduce(t, axis=None) >= n_classes):
        bad = (t < 0) | (t >= n_classes)
        pos = tuple(int(i) for i in xp.argwhere(bad)[0]) if t.ndim else ()
        raise ValueError(
            f"{opname}: target {int(t[pos])} at position {pos} is out of range for "
            f"{n_classes} classes (labels must be in [0, {n_classes - 1}])"
        )
    return t


def check_reduction(reduction: str, opname: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(
            f"{opname}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}"
        )


def reduce_loss(losses, reduction: str, opname: str):
    """Apply ``reduction`` ('mean', 'sum' or 'none') to per-sample losses."""
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    check_reduction(reduction, opname)
    return losses


class CrossEntropy(Function):
    """Mean (or sum, or per-sample) of −log softmax(logits)[target].

    Fused with log-softmax, so it is finite for logits of ±1e4; its gradient
    with respect to the logits is (softmax − one-hot) · g (divided by N for 'mean').
    """

    def forward(self, x, targets=None, reduction="mean"):
        z = _shifted(x, -1)
        # log Σ e^z = log1p(Σ_{j ≠ argmax} e^z_j): the max contributes exactly 1, and
        # log1p keeps the small rest that 1 + rest would round away in float32. So
        # log p at the top class, and 1 − p there (backward's expm1), stay accurate
        # even where e^x underflows (a row like [−88.5, −100]).
        e = xp.exp(z)
        if e.size:
            xp.put_along_axis(e, xp.argmax(z, axis=-1)[..., None], 0, axis=-1)
        self.logp = logp = z - xp.log1p(xp.add.reduce(e, axis=-1, keepdims=True))
        self.targets = targets
        self.picked = (targets,) if x.ndim == 1 else (xp.arange(x.shape[0]), targets)
        losses = -logp[self.picked]
        self.reduction = reduction
        if reduction == "mean":
            self.scale = 1.0 / max(1, losses.size)
            if not losses.size:
                return xp.full((), xp.nan, x.dtype)  # the mean of nothing, as NumPy says
            return losses.sum() * x.dtype.type(self.scale)  # (NumPy 1.x would promote)
        if reduction == "sum":
            return losses.sum()
        return losses

    def backward(self, g, out, x, *_):
        if is_tensor(x):  # create_graph: softmax must stay differentiable
            onehot = xp.zeros(x.shape, dtype=x.dtype)
            onehot[self.picked] = 1
            d = x.softmax(axis=-1) - onehot
        else:
            d = xp.exp(self.logp)
            d[self.picked] = xp.expm1(self.logp[self.picked])  # softmax − one-hot, without
            # the cancellation of exp(log p) − 1 when p ≈ 1
        if self.reduction == "none":
            return (d * g[..., None],)
        if self.reduction == "mean":
            g = g * self.scale
        return (d * g,)

    @classmethod
    def name(cls) -> str:
        return "cross_entropy"
