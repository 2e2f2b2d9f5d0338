"""Softmax family and the fused cross-entropy, all stable for inputs of any size.

Each subtracts the maximum along ``axis`` before exponentiating, so logits of
±1e4 give finite results and no overflow warnings.
"""

from __future__ import annotations

from ..autograd import Function
from ..backend import xp
from ._dual import exp, is_tensor
from .nll import check_class_targets, class_axis, expand_grad, reduce_losses  # noqa: F401

#: Each signed integer dtype's unsigned twin and its own largest value
#: (CrossEntropy.check_replay's one-pass check).
_UNSIGNED = {xp.dtype(s): (xp.dtype(u), int(xp.iinfo(s).max)) for s, u in
             ((xp.int8, xp.uint8), (xp.int16, xp.uint16), (xp.int32, xp.uint32),
              (xp.int64, xp.uint64))}


_ROWS: dict = {}  # n -> a read-only arange(n): the row indices of an (n, C) batch


def _rows(n: int):
    rows = _ROWS.get(n)
    if rows is None:
        if len(_ROWS) >= 64:
            _ROWS.clear()
        rows = _ROWS[n] = xp.arange(n)
        rows.flags.writeable = False
    return rows


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
    """Mean (or sum, or per-sample) of −Σ_c A[n, c] · log softmax(x)[n, c], one op node.

    A is one-hot of the labels (the plain case), or the coefficients of
    ``ops/nll.py`` (``weight``, ``ignore_index``, ``label_smoothing``), or the
    class probabilities ``target`` (a second input, smoothed as PyTorch:
    t·(1 − ε) + ε/C, times the class weights).  Fused with log-softmax along the
    class axis (1, or 0 for a single sample), so it is finite for logits of
    ±1e4; the gradient with respect to the logits is (softmax · Σ_c A − A) · g
    (softmax − one-hot in the plain case), divided by N (or Σ w[yₙ]) for 'mean';
    with respect to probability targets it is −(1 − ε)·w·log softmax · g.
    """

    def forward(self, x, *prob_target, targets=None, reduction="mean", coef=None, denom=None,
                weight=None, label_smoothing=0.0):
        self.ax = ax = class_axis(x.ndim)
        # log Σ e^z = log1p(Σ_{j ≠ argmax} e^z_j) for z = x − max: the max contributes
        # exactly 1, and log1p keeps the small rest that 1 + rest would round away in
        # float32. So log p at the top class, and 1 − p there (backward's expm1), stay
        # accurate even where e^x underflows (a row like [−88.5, −100]).
        rows = _rows(x.shape[0]) if x.ndim == 2 else None
        if rows is not None and x.size:  # (N, C), the usual case, with one reduction:
            top = x.argmax(axis=1)  # the max is read where the argmax points
            z = x - x[rows, top].reshape(-1, 1)
            e = xp.exp(z)
            e[rows, top] = 0
        else:
            z = _shifted(x, ax)
            e = xp.exp(z)
            if e.size:
                xp.put_along_axis(e, xp.expand_dims(xp.argmax(z, axis=ax), ax), 0, axis=ax)
        self.logp = logp = z - xp.log1p(xp.add.reduce(e, axis=ax, keepdims=True))
        self.reduction = reduction
        if targets is not None:
            self.targets = targets  # the labels (graph drawings show them)
        if prob_target:
            (t,) = prob_target
            c = x.shape[ax]
            self.wb = None if weight is None else weight.reshape((c,) + (1,) * (x.ndim - ax - 1))
            self.eps_ = label_smoothing
            coef = t * (1 - label_smoothing) + label_smoothing / c if label_smoothing else t
            if self.wb is not None:
                coef = coef * self.wb
            denom = max(1, x.size // max(c, 1))
        self.coef = coef
        if coef is None:  # the plain case: pick one log-probability per sample
            self.picked = (targets,) if x.ndim == 1 else (rows, targets)
            picked = logp[self.picked]
            if reduction == "mean" and not picked.size:
                self.scale = 1.0
                return xp.full((), xp.nan, x.dtype)  # the mean of nothing, as PyTorch says
            # −Σ log p, negated after the sum (exactly the same number: one pass fewer)
            out, self.scale = reduce_losses(picked, reduction, picked.size, negate=True)
            return out
        self.rowsum = coef.sum(axis=ax, keepdims=True)
        losses = -(coef * logp).sum(axis=ax)
        out, self.scale = reduce_losses(losses, reduction, denom)
        return out

    def check_replay(self, inputs, params) -> None:
        """tm.compile, before a replay with new labels: those the plain case can take.
        (One pass: seen as unsigned, a negative label is larger than any class.)"""
        t, c = params.get("targets"), inputs[0].shape[class_axis(inputs[0].ndim)]
        if t is not None and t.size:
            twin = _UNSIGNED.get(t.dtype)
            u = t.view(twin[0]) if twin is not None and c <= twin[1] + 1 else t  # (-1 >= c)
            if xp.maximum.reduce(u, axis=None) >= c or (u is t and xp.minimum.reduce(
                    t, axis=None) < 0):
                raise ValueError(f"cross_entropy: a target is out of range for {c} classes")

    def backward(self, g, out, x, *prob_target):
        ax = self.ax
        if is_tensor(x):  # create_graph: softmax must stay differentiable
            p = x.softmax(ax)
        else:
            p = xp.exp(self.logp)
        if self.coef is None:
            if is_tensor(x):
                onehot = xp.zeros(x.shape, dtype=x.dtype)
                onehot[self.picked] = 1
                d = p - onehot
            else:
                d = p
                # softmax − one-hot, in place, without the cancellation of p − 1 when p ≈ 1
                d[self.picked] = xp.expm1(self.logp[self.picked])
        elif prob_target and is_tensor(x):  # create_graph: A depends on the target too
            (t,) = prob_target
            eps = self.eps_
            coef = t * (1 - eps) + eps / x.shape[ax] if eps else t
            if self.wb is not None:
                coef = coef * self.wb
            d = p * coef.sum(axis=ax, keepdims=True) - coef
        else:
            d = p * self.rowsum - self.coef
        ge = expand_grad(g, self.reduction, self.scale, ax)
        gx = d * ge
        if not prob_target:
            return (gx,)
        gt = None
        if self.needs_grad(1):
            logp = x.log_softmax(ax) if is_tensor(x) else self.logp
            k = -(1 - self.eps_) * logp
            gt = k * self.wb * ge if self.wb is not None else k * ge
        return gx, gt

    @classmethod
    def name(cls) -> str:
        return "cross_entropy"
