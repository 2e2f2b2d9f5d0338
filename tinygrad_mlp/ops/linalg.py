"""Matrix multiplication with NumPy's ``@`` semantics (1-D, 2-D and batched)."""

from __future__ import annotations

from .. import blas
from ..autograd import Function
from ._registry import tensor_method, tm_function


class MatMul(Function):
    """``a @ b``.  dL/da = g · bᵀ and dL/db = aᵀ · g, computed only when needed;
    1-D operands are promoted to matrices and the extra axis removed again."""

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("matmul needs operands with at least 1 dim, got a 0-d operand; "
                             "use * to scale by a scalar")
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != k_b:
            raise ValueError(
                f"shapes {a.shape} and {b.shape} are not aligned: {a.shape[-1]} (last dim "
                f"of a) != {k_b} ({'dim 0' if b.ndim == 1 else 'second-to-last dim'} of b)"
            )
        return a @ b

    def backward(self, g, out, a, b):
        if a.ndim == 1 and b.ndim == 1:
            return g * b, g * a
        ga = gb = None
        if b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
            g2 = g[..., None]
            if self.needs_grad(0):
                ga = g2 * b
            if self.needs_grad(1):
                gb = (a.swapaxes(-1, -2) @ g2)[..., 0]
            return ga, gb
        if a.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
            g2 = g[..., None, :]
            if self.needs_grad(0):
                ga = (g2 @ b.swapaxes(-1, -2))[..., 0, :]
            if self.needs_grad(1):
                gb = a[:, None] * g2
            return ga, gb
        if self.needs_grad(0):
            ga = g @ b.swapaxes(-1, -2)
        if self.needs_grad(1):
            gb = a.swapaxes(-1, -2) @ g
        return ga, gb


class Linear(Function):
    """The affine map of a dense layer, fused into one op node: y = x Wᵀ + b.

    x (..., in), W (out, in), b (out,) → y (..., out).  Backward (BP3/BP4 for
    a batch): dL/dx = g W, dL/dW = gᵀ x, dL/db = Σ_batch g, each only when needed.
    """

    def forward(self, x, w, b=None):
        if x.ndim == 0 or x.shape[-1] != w.shape[1]:
            raise ValueError(
                f"input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} features but "
                f"the weight of shape {w.shape} expects {w.shape[1]}"
            )
        y = blas.matmul(x, w.T) if x.ndim == 2 else x @ w.T
        if b is None:
            return y
        if b.dtype is y.dtype or b.dtype == y.dtype:
            y += b  # in place: y is a fresh array
            return y
        return y + b

    def backward(self, g, out, x, w, b=None):
        p = self.parents
        if p[0].requires_grad:
            gx = blas.matmul(g, w) if g.ndim == 2 else g @ w
        else:
            gx = None
        g2 = g.reshape(-1, g.shape[-1]) if g.ndim != 2 else g
        if p[1].requires_grad:
            gw = blas.matmul(g2.T, x if x.ndim == 2 else x.reshape(-1, x.shape[-1]))
        else:
            gw = None
        if b is None:
            return gx, gw
        return gx, gw, (g2.sum(axis=0) if p[2].requires_grad else None)


@tensor_method("matmul")
@tm_function("matmul")
def matmul(input, other):
    """``input @ other`` (``torch.matmul``: 1-D, 2-D and batched, NumPy's rules)."""
    return input @ other
