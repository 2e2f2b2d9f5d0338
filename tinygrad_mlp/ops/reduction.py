"""Reductions and scans at PyTorch's names: ``prod cumsum cumprod any all logsumexp
count_nonzero``, and the vector norms behind ``norm`` and ``tm.linalg.vector_norm``.

``dim`` (an int, a tuple of ints or None for all) and ``keepdim`` are the argument
names; ``axis``/``keepdims`` are accepted as aliases.  Dtypes follow PyTorch: the
product and the cumulative sum/product of integer or bool tensors are int64,
``any``/``all`` give bool, ``dtype=`` casts the input first.

Products with zeros differentiate exactly (no division by zero): the derivative
of Π xⱼ with respect to xᵢ is the product of the *other* elements.
"""

from __future__ import annotations

from .. import tensor as _tensor
from .._args import dim_aliases, normalize_dim, normalize_dims
from ..autograd import Function
from ..backend import xp
from ..dtypes import float_type
from ._dual import is_tensor, value, where
from ._promote import as_tensor
from ._registry import tensor_method, tm_function
from .pointwise import quiet, tensor_arg
from .reduce import Sum
from .shape import SwapAxes
from .softmax import LogSumExp


def _accumulating(x, dtype):
    """``x`` in the dtype a sum/product gives: ``dtype`` if given, else int64 for integer
    and bool tensors, else x's own dtype."""
    x = tensor_arg(x)
    if dtype is not None:
        dt = xp.dtype(dtype)
    elif x.data.dtype.kind in "biu":
        dt = xp.dtype(xp.int64)
    else:
        dt = x.data.dtype
    return as_tensor(x, dt)


def _prod(x, axes, keepdims=True):
    return x.prod(dim=axes, keepdim=keepdims) if is_tensor(x) else xp.prod(x, axis=axes,
                                                                           keepdims=keepdims)


def _cumsum(x, axis):
    return x.cumsum(axis) if is_tensor(x) else xp.cumsum(x, axis=axis)


def _cumprod(x, axis):
    return x.cumprod(axis) if is_tensor(x) else xp.cumprod(x, axis=axis)


def _reverse_cumsum(g, axis):
    """Σ_{k ≥ i} g_k along ``axis`` (a flip, a cumsum, a flip back; works on Tensors too)."""
    flip = (slice(None),) * axis + (slice(None, None, -1),)
    return _cumsum(g[flip], axis)[flip]


# ------------------------------------------------------------------ prod
class Prod(Function):
    """Π x over ``axes``;  d/dxᵢ = Π_{j≠i} xⱼ.

    With no zero that is out / xᵢ; with one zero only the zero's derivative is
    non-zero (the product of the rest); with two or more zeros every derivative is 0.
    """

    def forward(self, x, axes=(), keepdim=False):
        self.axes, self.keepdim = axes, keepdim
        with quiet():  # a product may overflow to inf, silently as in PyTorch
            return xp.prod(x, axis=axes, keepdims=keepdim)

    def backward(self, g, out, x):
        xv = value(x)
        if not self.keepdim:  # put the reduced dims back as size 1, so g broadcasts
            kshape = _kept(xv.shape, self.axes)
            g, out = g.reshape(kshape), out.reshape(kshape)
        zero = xv == 0
        if not zero.any():
            return (g * out / x,)
        if is_tensor(x):  # create_graph: a form whose own derivative is exact at zeros
            return (g * _others_product(x, self.axes),)
        nz = zero.sum(axis=self.axes, keepdims=True)
        safe = where(zero, 1.0, x)
        others = where(zero, _prod(safe, self.axes), out / safe)  # Π_{j≠i} x_j if nz ≤ 1
        return (g * where(nz - zero > 0, 0.0, others),)  # another zero among the others


def _kept(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _to_last(x, axes):
    """Tensor ``x`` with ``axes`` swapped to the end; the swaps, to undo them."""
    swaps = [(a, x.ndim - 1 - k) for k, a in enumerate(sorted(axes, reverse=True))]
    for a, b in swaps:
        x = SwapAxes.apply(x, a=a, b=b) if a != b else x
    return x, swaps


def _from_last(y, swaps):
    for a, b in reversed(swaps):
        y = SwapAxes.apply(y, a=a, b=b) if a != b else y
    return y


def _others_product(x, axes):
    """Π_{j≠i} xⱼ over ``axes`` for every element i, on a Tensor, without division:
    row i of an (n, n) block holds the line with xᵢ replaced by 1, and is multiplied out.
    O(n²) memory, used under create_graph where zeros make out / xᵢ useless."""
    moved, swaps = _to_last(x, axes)
    lead = moved.shape[:moved.ndim - len(axes)]
    n = x.data.size // max(1, _size(lead))
    line = moved.reshape(lead + (1, n))
    others = Prod.apply(where(xp.eye(n, dtype=bool), 1.0, line), axes=(len(lead) + 1,))
    return _from_last(others.reshape(moved.shape), swaps)


def _size(shape) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


# ------------------------------------------------------------------ scans
class Cumsum(Function):
    """yᵢ = Σ_{j ≤ i} xⱼ along ``dim``;  backward: the reverse cumulative sum of g."""

    def forward(self, x, dim=0):
        self.dim = dim
        return xp.cumsum(x, axis=dim)

    def backward(self, g, out, x):
        return (_reverse_cumsum(g, self.dim),)


class Cumprod(Function):
    """yᵢ = Π_{j ≤ i} xⱼ along ``dim``;  d/dxᵢ = Σ_{k ≥ i} g_k · Π_{j ≤ k, j ≠ i} xⱼ.

    Before the first zero of a line that is Σ_{k ≥ i} g_k y_k / xᵢ; at the first
    zero z it is (Π_{j<z} xⱼ) · Σ_{k ≥ z} g_k Π_{z<j≤k} xⱼ; after it, 0.
    """

    def forward(self, x, dim=0):
        self.dim = dim
        with quiet():
            return xp.cumprod(x, axis=dim)

    def backward(self, g, out, x):
        d = self.dim
        zero = value(x) == 0
        if not zero.any():
            return (_reverse_cumsum(g * out, d) / x,)
        if is_tensor(x):  # create_graph: a form whose own derivative is exact at zeros
            return (_cumprod_grad_tensor(g, x, d),)
        seen = xp.cumsum(zero, axis=d)  # zeros up to and including position i
        before, first = seen == 0, zero & (seen == 1)
        safe = where(zero, 1.0, x)
        grad = where(before, _reverse_cumsum(g * out, d) / safe, 0.0)
        left = _prod(where(before, x, 1.0), (d,))  # Π_{j<z} x_j
        tail = _cumprod(where(before | first, 1.0, x), d)  # Π_{z<j≤k} x_j for k ≥ z
        at_first = left * (g * tail * (seen >= 1)).sum(axis=d, keepdims=True)
        return (grad + where(first, at_first, 0.0),)


def _cumprod_grad_tensor(g, x, d):
    """Σ_{k ≥ i} g_k Π_{j ≤ k, j ≠ i} xⱼ on Tensors, without division: row i of an (n, n)
    block is the cumulative product of the line with xᵢ replaced by 1 (O(n²) memory)."""
    gm, swaps = _to_last(g, (d,))
    xm, _ = _to_last(x, (d,))
    n = xm.shape[-1]
    rows = Cumprod.apply(where(xp.eye(n, dtype=bool), 1.0, xm.reshape(xm.shape[:-1] + (1, n))),
                         dim=xm.ndim)  # rows[..., i, k] = Π_{j ≤ k, j ≠ i} x_j
    upper = xp.triu(xp.ones((n, n), dtype=bool))  # k ≥ i
    grad = (where(upper, rows, 0.0) * gm.reshape(gm.shape[:-1] + (1, n))).sum(axis=-1)
    return _from_last(grad, swaps)


# ------------------------------------------------------------------ norms
class VectorNorm(Function):
    """‖x‖_p over ``axes``: (Σ |x|^p)^(1/p); p = inf/−inf: max/min |x|; p = 0: the count
    of non-zeros.

    d/dx = sign(x)·|x|^(p−1) / ‖x‖^(p−1) (x / ‖x‖ for p = 2, sign(x) for p = 1); at
    ‖x‖ = 0 it is 0, as in PyTorch. For ±inf the extreme elements share the gradient.
    """

    def forward(self, x, ord=2.0, axes=(), keepdim=False):
        self.ord, self.axes, self.keepdim = ord, axes, keepdim
        with quiet():  # ‖1e200‖ overflows to inf, as in PyTorch
            out = self._norm(x, ord, axes)
        return out if keepdim else out.reshape(_dropped(x.shape, axes))

    @staticmethod
    def _norm(x, ord, axes):
        a = xp.abs(x)
        if ord == 2:
            out = xp.sqrt(xp.sum(x * x, axis=axes, keepdims=True))
        elif ord == 1:
            out = xp.sum(a, axis=axes, keepdims=True)
        elif ord == float("inf"):
            out = xp.max(a, axis=axes, keepdims=True, initial=0)
        elif ord == float("-inf"):
            out = xp.min(a, axis=axes, keepdims=True)
        elif ord == 0:
            out = xp.sum(x != 0, axis=axes, keepdims=True).astype(x.dtype)
        else:  # (0 ** negative p = inf, as in PyTorch)
            out = xp.sum(a**ord, axis=axes, keepdims=True) ** (1.0 / ord)
        return out

    def backward(self, g, out, x):
        xv = value(x)
        kshape = _kept(xv.shape, self.axes)
        if not self.keepdim:
            g, out = g.reshape(kshape), out.reshape(kshape)
        p, ov = self.ord, value(out).reshape(kshape)
        zero_norm = ov == 0
        sgn = xp.sign(xv)
        if p == 0:
            return (g * xp.zeros_like(xv),)
        if p == 1:
            return (g * sgn,)
        if p in (float("inf"), float("-inf")):
            hit = xp.abs(xv) == ov
            share = hit / xp.maximum(hit.sum(axis=self.axes, keepdims=True), 1)
            return (g * (sgn * share).astype(xv.dtype),)
        denom = where(zero_norm, 1.0, out)
        if p == 2:
            return (g * where(zero_norm, 0.0, x / denom),)
        absx = x * sgn
        with xp.errstate(divide="ignore", invalid="ignore"):
            local = where(zero_norm | (xv == 0), 0.0, sgn * (absx / denom) ** (p - 1))
        return (g * local,)

    @classmethod
    def name(cls) -> str:
        return "vector_norm"


def _dropped(shape, axes):
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, dtype=None):
    """‖x‖_ord over ``dim`` (all elements when None), as ``torch.linalg.vector_norm``.

    ``ord``: 2 (Euclidean), 1, inf (max |x|), −inf (min |x|), 0 (count of non-zeros)
    or any other real p, giving (Σ |x|^p)^(1/p). The gradient at a zero vector is 0.
    """
    x = tensor_arg(x)
    if x.data.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point tensor as input, "
                           f"got dtype {x.data.dtype}; convert it with .float() first")
    if dtype is not None:
        x = as_tensor(x, xp.dtype(dtype))
    if isinstance(ord, str) or isinstance(ord, bool):
        raise TypeError(f"vector_norm: ord must be a number, got {ord!r}")
    axes = normalize_dims(dim, x.ndim, "vector_norm")
    if ord == float("-inf") and 0 in [x.shape[a] for a in axes]:
        raise RuntimeError(f"linalg.vector_norm cannot compute the -inf norm over an empty "
                           f"dim (input shape {x.shape}, dim {dim}): the minimum has no identity")
    return VectorNorm.apply(x, ord=float(ord), axes=axes, keepdim=keepdim)


@tensor_method("norm")
@tm_function("norm")
@dim_aliases
def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None):  # noqa: A002
    """The vector p-norm of ``input`` over ``dim`` (``torch.norm``).

    ``p``: 'fro' or 2 (Euclidean, the default), 1, inf, −inf, 0 or any real number;
    'fro' over two dims is the Frobenius norm of those matrices. The gradient at a
    zero vector is 0, as in PyTorch.
    """
    if p == "fro":
        p = 2
    elif p == "nuc":
        raise NotImplementedError("norm: p='nuc' (the nuclear norm) needs an SVD, which "
                                  "tinygrad_mlp does not have; use 'fro' or a number")
    elif isinstance(p, str):
        raise RuntimeError(f"norm: p={p!r} is not a norm; use 'fro' or a number")
    return vector_norm(input, p, dim, keepdim, dtype=dtype)


# ---------------------------------------------------------- function forms
@tensor_method("prod")
@tm_function("prod")
@dim_aliases
def prod(input, dim=None, keepdim: bool = False, dtype=None):  # noqa: A002
    """Π of the elements over ``dim`` (all when None); int and bool tensors give int64.

    The gradient is the product of the other elements, exact with zeros present.
    """
    x = _accumulating(input, dtype)
    return Prod.apply(x, axes=normalize_dims(dim, x.ndim, "prod"), keepdim=keepdim)


def _scan(cls, opname, input, dim, dtype):  # noqa: A002
    x = _accumulating(input, dtype)
    d = normalize_dim(dim, x.ndim, opname)
    if x.ndim == 0:  # a 0-d tensor scans as itself (a copy)
        return cls.apply(x.reshape(1), dim=0).reshape(())
    return cls.apply(x, dim=d)


@tensor_method("cumsum")
@tm_function("cumsum")
@dim_aliases
def cumsum(input, dim: int, dtype=None):  # noqa: A002
    """Running sums along ``dim``: yᵢ = Σ_{j≤i} xⱼ (int and bool tensors give int64)."""
    return _scan(Cumsum, "cumsum", input, dim, dtype)


@tensor_method("cumprod")
@tm_function("cumprod")
@dim_aliases
def cumprod(input, dim: int, dtype=None):  # noqa: A002
    """Running products along ``dim``: yᵢ = Π_{j≤i} xⱼ (int and bool tensors give int64);
    the gradient is exact with zeros present."""
    return _scan(Cumprod, "cumprod", input, dim, dtype)


@tensor_method("logsumexp")
@tm_function("logsumexp")
@dim_aliases
def logsumexp(input, dim=None, keepdim: bool = False):  # noqa: A002
    """log Σ e^x over ``dim`` (all elements when None), without overflow; gradient
    softmax(x) along ``dim``."""
    x = tensor_arg(input)
    x = as_tensor(x, float_type(x.data.dtype))
    axes = normalize_dims(dim, x.ndim, "logsumexp")
    if 0 in [x.shape[a] for a in axes]:  # log Σ over nothing = log 0 = −inf, as in PyTorch
        return Sum.apply(x, axis=axes, keepdims=keepdim) + float("-inf")
    return LogSumExp.apply(x, axis=axes, keepdims=keepdim)


def _logical_reduce(ufunc, opname, input, dim, keepdim):  # noqa: A002
    x = tensor_arg(input)
    axes = normalize_dims(dim, x.ndim, opname)
    out = ufunc(x.data != 0, axis=axes if x.ndim else None, keepdims=keepdim)
    return _tensor.Tensor._wrap(xp.asarray(out))


@tensor_method("any")
@tm_function("any")
@dim_aliases
def any(input, dim=None, keepdim: bool = False):  # noqa: A001, A002 - PyTorch's names
    """Whether any element over ``dim`` is non-zero (a bool tensor; no gradient)."""
    return _logical_reduce(xp.any, "any", input, dim, keepdim)


@tensor_method("all")
@tm_function("all")
@dim_aliases
def all(input, dim=None, keepdim: bool = False):  # noqa: A001, A002
    """Whether every element over ``dim`` is non-zero (a bool tensor; no gradient)."""
    return _logical_reduce(xp.all, "all", input, dim, keepdim)


@tensor_method("count_nonzero")
@tm_function("count_nonzero")
@dim_aliases
def count_nonzero(input, dim=None):  # noqa: A002
    """The number of non-zero elements over ``dim`` (an int64 tensor; no gradient)."""
    x = tensor_arg(input)
    axes = normalize_dims(dim, x.ndim, "count_nonzero")
    out = xp.sum(x.data != 0, axis=axes if x.ndim else None, dtype=xp.int64)
    return _tensor.Tensor._wrap(xp.asarray(out))
