"""Joining and splitting: ``cat`` (``concatenate``, ``concat``), ``stack``, ``hstack``,
``vstack``, ``split``, ``chunk``, ``unbind``.

Joining has a ``Function`` each (the gradient of a join is the pieces of ``g``);
splitting is slicing (``narrow``), whose gradient scatters each piece back.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._args import dim_aliases, normalize_dim
from ..autograd import Function
from ..backend import xp
from ..tensor import Tensor
from ._registry import tensor_method, tm_function


class Concatenate(Function):
    """``cat(xs, dim)``: inputs of equal shape except along ``dim``; gradient: ``g`` cut
    back into the inputs' pieces along ``dim``."""

    def forward(self, *arrays, axis=0):
        self.axis = axis
        self.bounds = xp.cumsum([0] + [a.shape[axis] for a in arrays]).tolist()
        return xp.concatenate(arrays, axis=axis)

    def backward(self, g, out, *inputs):
        lead = (slice(None),) * (self.axis % g.ndim)
        b = self.bounds
        return tuple(g[lead + (slice(b[i], b[i + 1]),)] for i in range(len(inputs)))

    @classmethod
    def name(cls) -> str:
        return "cat"


class Stack(Function):
    """``stack(xs, dim)``: same-shaped inputs along a new ``dim``; gradient: slice i of ``g``."""

    def forward(self, *arrays, axis=0):
        self.axis = axis
        return xp.stack(arrays, axis=axis)

    def backward(self, g, out, *inputs):
        lead = (slice(None),) * (self.axis % g.ndim)
        return tuple(g[lead + (i,)] for i in range(len(inputs)))


def _as_tensors(opname: str, tensors) -> list:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (Sequence, tuple)):
        raise TypeError(f"{opname}(): argument 'tensors' must be a tuple or list of Tensors, "
                        f"not {type(tensors).__name__}")
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not ts:
        raise RuntimeError(f"{opname}(): expected a non-empty list of Tensors")
    return ts


def _real_dim(x: Tensor, dim: int, op: str) -> int:
    """``dim`` of a tensor that must have dims (0-d tensors cannot be split or narrowed)."""
    if x.ndim == 0:
        raise IndexError(f"{op}: dimension specified as {dim} but tensor has no dimensions")
    return normalize_dim(dim, x.ndim, op)


@tm_function("cat", "concatenate", "concat")
@dim_aliases
def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing ``dim``: shapes must agree except along it.

    (n₁, k), (n₂, k) → (n₁ + n₂, k) for ``dim=0``.  Aliases ``concatenate``,
    ``concat``; NumPy's ``axis=`` is accepted.
    """
    ts = _as_tensors("cat", tensors)
    ref = ts[0]
    d = normalize_dim(dim, ref.ndim, "cat")
    if ref.ndim == 0:
        raise RuntimeError("cat: zero-dimensional tensor (at position 0) cannot be concatenated")
    for i, t in enumerate(ts[1:], 1):
        if t.ndim != ref.ndim or any(a != b for j, (a, b) in enumerate(zip(t.shape, ref.shape))
                                     if j != d):
            raise RuntimeError(f"cat: Sizes of tensors must match except in dimension {d}: "
                               f"tensor 0 has shape {ref.shape}, tensor {i} has {t.shape}")
    return Concatenate.apply(*ts, axis=d)


@tm_function("stack")
@dim_aliases
def stack(tensors, dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new ``dim`` (k tensors of (n,) → (k, n) for dim 0)."""
    ts = _as_tensors("stack", tensors)
    d = normalize_dim(dim, ts[0].ndim + 1, "stack")
    for i, t in enumerate(ts[1:], 1):
        if t.shape != ts[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{ts[0].shape} at entry 0 and {t.shape} at entry {i}")
    return Stack.apply(*ts, axis=d)


@tm_function("hstack")
def hstack(tensors) -> Tensor:
    """Join along dim 1 (dim 0 for 1-D tensors), like ``torch.hstack``."""
    ts = [t.reshape(1) if t.ndim == 0 else t for t in _as_tensors("hstack", tensors)]
    return cat(ts, 0 if ts[0].ndim == 1 else 1)


@tm_function("vstack")
def vstack(tensors) -> Tensor:
    """Join along dim 0, 0-d and 1-D tensors first made rows (1, n), like ``torch.vstack``."""
    ts = [t.reshape(1, -1) if t.ndim < 2 else t for t in _as_tensors("vstack", tensors)]
    return cat(ts, 0)


@tensor_method("narrow")
@tm_function("narrow")
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """Elements ``start … start + length − 1`` along ``dim`` (a slice; the gradient
    is zero outside it)."""
    d = _real_dim(input, dim, "narrow")
    n = input.shape[d]
    if start < 0:
        start += n
    if not 0 <= start <= n or length < 0 or start + length > n:
        raise IndexError(f"narrow: start ({start}) + length ({length}) exceeds dimension "
                         f"size ({n}) of dim {dim} (shape {input.shape})")
    return input[(slice(None),) * d + (slice(start, start + length),)]


@tensor_method("split")
@tm_function("split")
@dim_aliases
def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces along ``dim``: of ``split_size`` each (the last may be smaller), or of the
    given list of sizes (which must add up to the dim's size)."""
    d = _real_dim(tensor, dim, "split")
    n = tensor.shape[d]
    s = split_size_or_sections
    if isinstance(s, (list, tuple)):
        sizes = [int(k) for k in s]
        if sum(sizes) != n or any(k < 0 for k in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} "
                               f"(input tensor's size at dimension {d}), but got "
                               f"split_sizes={list(s)}")
    else:
        if s <= 0 and n > 0:
            raise RuntimeError(f"split: split_size must be positive, got {s}")
        sizes = [min(s, n - i) for i in range(0, n, s)] if n else [0]
    starts = xp.cumsum([0] + sizes[:-1]).tolist()
    return tuple(narrow(tensor, d, a, k) for a, k in zip(starts, sizes))


@tensor_method("chunk")
@tm_function("chunk")
@dim_aliases
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:  # noqa: A002
    """At most ``chunks`` pieces of ⌈n / chunks⌉ along ``dim`` (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.shape[_real_dim(input, dim, "chunk")]
    return split(input, max(1, -(-n // chunks)), dim)


@tensor_method("unbind")
@tm_function("unbind")
@dim_aliases
def unbind(input: Tensor, dim: int = 0) -> tuple:  # noqa: A002
    """The slices along ``dim``, that dim removed: (k, n) → k tensors of (n,)."""
    d = _real_dim(input, dim, "unbind")
    return tuple(input[(slice(None),) * d + (i,)] for i in range(input.shape[d]))
