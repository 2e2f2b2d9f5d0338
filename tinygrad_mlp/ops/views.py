"""Shape methods at PyTorch's names and meanings, built on the view ops of ``shape.py``
(``Reshape``, ``Transpose``, ``SwapAxes``, ``BroadcastTo``): no new backward here.

``transpose(d0, d1)`` swaps two dims (NumPy's ``transpose()``/``transpose(perm)``
stay as aliases: no arguments reverse the dims, one tuple permutes);
``squeeze(dim)`` leaves a dim that is not 1 alone; ``expand`` takes -1 for
"keep this size"; ``repeat`` tiles.  Dims out of range raise PyTorch's IndexError.
"""

from __future__ import annotations

from .._args import normalize_dim, normalize_dims
from ..backend import xp
from ._registry import tensor_method, tm_function
from .elementwise import Clone
from .shape import BroadcastTo, Reshape, SwapAxes, Transpose


def _sizes(args) -> tuple:
    """``f(2, 3)`` or ``f((2, 3))`` → ``(2, 3)``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _infer_shape(shape: tuple, numel: int, op: str, have: tuple) -> tuple:
    shape = tuple(int(s) for s in shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred, got {shape}")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"{op}: invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size "
                               f"{numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"{op}: shape '{list(shape)}' is invalid for input of size {numel} "
                           f"(input shape {have})")
    return shape


@tensor_method("reshape")
@tm_function("reshape")
def reshape(input, *shape):
    """The same elements in a new shape (``reshape(2, 3)`` or ``reshape((2, 3))``; one -1
    is inferred); a view when the memory allows it."""
    shape = _infer_shape(_sizes(shape), input.data.size, "reshape", input.shape)
    return input if shape == input.shape else Reshape.apply(input, shape=shape)


@tensor_method("view")
def view(self, *shape):
    """``reshape`` that must not copy: a non-contiguous tensor raises, as in PyTorch."""
    shape = _infer_shape(_sizes(shape), self.data.size, "view", self.shape)
    if shape == self.shape:
        return Reshape.apply(self, shape=shape)
    try:
        probe = self.data.view()
        probe.shape = shape  # NumPy refuses exactly when a copy would be needed
    except AttributeError:
        raise RuntimeError(f"view size is not compatible with input tensor's size and stride "
                           f"(shape {self.shape} -> {shape}): use .reshape(...) "
                           f"instead") from None
    return Reshape.apply(self, shape=shape)


@tensor_method("view_as")
def view_as(self, other):
    """``view(other.shape)``."""
    return view(self, other.shape)


@tensor_method("reshape_as")
def reshape_as(self, other):
    """``reshape(other.shape)``."""
    return reshape(self, other.shape)


@tensor_method("transpose")
@tm_function("transpose")
def transpose(input, *dims):
    """``transpose(d0, d1)``: swap two dims (PyTorch).  NumPy spellings kept:
    ``transpose()`` reverses every dim, ``transpose((2, 0, 1))`` permutes."""
    if len(dims) == 2 and not isinstance(dims[0], (tuple, list)):
        d0 = normalize_dim(dims[0], input.ndim, "transpose")
        d1 = normalize_dim(dims[1], input.ndim, "transpose")
        if d0 == d1 or input.ndim < 2:
            return input
        return SwapAxes.apply(input, a=d0, b=d1)
    if not dims:
        return Transpose.apply(input, axes=None)
    return permute(input, *dims)


@tensor_method("permute")
@tm_function("permute")
def permute(input, *dims):
    """Reorder the dims: ``permute(2, 0, 1)`` or ``permute((2, 0, 1))``."""
    dims = _sizes(dims)
    nd = [normalize_dim(d, input.ndim, "permute") for d in dims]
    if len(nd) != input.ndim or sorted(nd) != list(range(input.ndim)):
        raise RuntimeError(f"permute: dims {dims} are not a permutation of the {input.ndim} "
                           f"dims of a tensor of shape {input.shape}")
    return Transpose.apply(input, axes=tuple(nd))


@tensor_method("swapaxes", "swapdims")
@tm_function("swapaxes", "swapdims")
def swapaxes(input, axis0: int, axis1: int):
    """Exchange two dims (``transpose(axis0, axis1)``)."""
    return transpose(input, axis0, axis1)


@tensor_method("t")
@tm_function("t")
def t(input):
    """The transpose of a tensor of at most 2 dims (PyTorch's ``t()``)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input.ndim}D")
    return input if input.ndim < 2 else SwapAxes.apply(input, a=0, b=1)


def _T(self):
    """Every dim reversed (PyTorch's ``.T``; for a matrix, the transpose)."""
    return self if self.ndim < 2 else Transpose.apply(self, axes=None)


def _mT(self):
    """The last two dims swapped (a batch of matrices, each transposed)."""
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. "
                           f"Got {self.ndim}-D tensor.")
    return SwapAxes.apply(self, a=-2, b=-1)


tensor_method("T")(property(_T, doc=_T.__doc__))
tensor_method("mT")(property(_mT, doc=_mT.__doc__))


@tensor_method("flatten")
@tm_function("flatten")
def flatten(input, start_dim: int = 0, end_dim: int = -1):
    """Merge dims ``start_dim..end_dim`` into one."""
    s = input.shape
    if not s:
        return Reshape.apply(input, shape=(1,))
    start = normalize_dim(start_dim, len(s), "flatten")
    end = normalize_dim(end_dim, len(s), "flatten")
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    merged = 1
    for n in s[start:end + 1]:
        merged *= n
    return reshape(input, s[:start] + (merged,) + s[end + 1:])


@tensor_method("unflatten")
@tm_function("unflatten")
def unflatten(input, dim: int, sizes):
    """Split dim ``dim`` into ``sizes`` (one may be -1)."""
    d = normalize_dim(dim, input.ndim, "unflatten")
    inner = _infer_shape(tuple(sizes), input.shape[d], "unflatten", input.shape)
    return reshape(input, input.shape[:d] + inner + input.shape[d + 1:])


@tensor_method("squeeze")
@tm_function("squeeze")
def squeeze(input, dim=None):
    """Drop size-1 dims: all of them, or those of ``dim`` (an int or tuple) that are 1;
    a listed dim that is not 1 is left alone (PyTorch)."""
    s = input.shape
    dims = range(len(s)) if dim is None else normalize_dims(dim, len(s), "squeeze")
    drop = {d for d in dims if s and s[d] == 1}
    if not drop:
        return input
    return Reshape.apply(input, shape=tuple(n for i, n in enumerate(s) if i not in drop))


@tensor_method("unsqueeze")
@tm_function("unsqueeze")
def unsqueeze(input, dim: int):
    """Insert a size-1 dim at ``dim`` (in [-ndim-1, ndim])."""
    d = normalize_dim(dim, input.ndim + 1, "unsqueeze")
    s = input.shape
    return Reshape.apply(input, shape=s[:d] + (1,) + s[d:])


@tensor_method("expand")
def expand(self, *sizes):
    """A broadcast view of ``sizes``; -1 keeps a dim's size; the gradient is summed back."""
    sizes = _sizes(sizes)
    lead = len(sizes) - self.ndim
    if lead < 0:
        raise RuntimeError(f"expand: the number of sizes provided ({len(sizes)}) must be "
                           f"greater or equal to the number of dimensions in the tensor "
                           f"({self.ndim})")
    shape = tuple(self.shape[i - lead] if n == -1 and i >= lead else n
                  for i, n in enumerate(sizes))
    return broadcast_to(self, shape)


@tensor_method("expand_as")
def expand_as(self, other):
    """``expand(other.shape)``."""
    return broadcast_to(self, other.shape)


@tensor_method("broadcast_to")
@tm_function("broadcast_to")
def broadcast_to(input, shape):
    """A broadcast view of ``shape`` (NumPy's rules); the gradient is summed back."""
    shape = tuple(shape)
    if shape == input.shape:
        return input
    try:
        xp.broadcast_shapes(input.shape, shape)
        if len(shape) < input.ndim or xp.broadcast_shapes(input.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"expand: the expanded size of the tensor {input.shape} cannot "
                           f"be broadcast to {shape}") from None
    return BroadcastTo.apply(input, shape=shape)


@tensor_method("repeat")
def repeat(self, *sizes):
    """Tile: ``x.repeat(2, 3)`` repeats dim -2 twice and dim -1 three times (NumPy's
    ``tile``); needs at least as many sizes as dims."""
    sizes = _sizes(sizes)
    if len(sizes) < self.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than "
                           "number of dimensions of tensor")
    s = (1,) * (len(sizes) - self.ndim) + self.shape
    # View x as (1, s0, 1, s1, …), broadcast to (r0, s0, r1, s1, …), then merge pairs.
    inter = tuple(v for n in s for v in (1, n))
    target = tuple(v for r, n in zip(sizes, s) for v in (r, n))
    x = Reshape.apply(self, shape=inter)
    x = BroadcastTo.apply(x, shape=target) if target != inter else x
    return Reshape.apply(x, shape=tuple(r * n for r, n in zip(sizes, s)))


@tensor_method("clone")
@tm_function("clone")
def clone(input):
    """A copy with its own memory; the gradient flows through (``torch.clone``)."""
    return Clone.apply(input)


@tensor_method("contiguous")
def contiguous(self):
    """This tensor if its memory is C-contiguous, else a contiguous copy."""
    return self if self.data.flags.c_contiguous else Clone.apply(self)


@tensor_method("is_contiguous")
def is_contiguous(self) -> bool:
    """Whether the memory is C-contiguous."""
    return bool(self.data.flags.c_contiguous)


@tm_function("numel")
def numel(input) -> int:
    """Number of elements of ``input``."""
    return input.data.size
