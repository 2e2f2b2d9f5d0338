"""Ways to make tensors: from data, filled, and random (from the seeded package generator)."""

from __future__ import annotations

from .backend import DEFAULT_FLOAT, get_default_dtype, xp
from .device import check_device
from .rng import get_rng
from .tensor import Tensor


def tensor(data, requires_grad: bool = False, dtype=None, name: str | None = None, *,
           device=None) -> Tensor:
    """A new Tensor holding a copy of ``data``, with ``torch.tensor``'s dtype inference:
    Python ints → int64, floats → the default float dtype (float32), bools → bool;
    an ndarray or Tensor keeps its dtype.  ``name`` labels it in graph drawings."""
    if device is not None:
        check_device(device, "tensor")
    if dtype is None and not isinstance(data, (Tensor, xp.ndarray, xp.generic)):
        arr = xp.array(data)
        if arr.dtype.kind == "f":
            dtype = get_default_dtype()
        elif arr.dtype.kind in "iu":
            dtype = xp.int64
        data = arr
    return Tensor(data, requires_grad=requires_grad, dtype=dtype, name=name)


def from_numpy(array) -> Tensor:
    """A Tensor sharing memory with the ndarray ``array`` (``torch.from_numpy``): a change
    through either is seen by the other."""
    if not isinstance(array, xp.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(array).__name__})")
    return Tensor._wrap(array)


def _shape(shape) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(*shape, dtype=DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    return Tensor._wrap(xp.zeros(_shape(shape), dtype=dtype)).requires_grad_(requires_grad)


def ones(*shape, dtype=DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return Tensor._wrap(xp.ones(_shape(shape), dtype=dtype)).requires_grad_(requires_grad)


def full(shape, fill_value, dtype=DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``."""
    return Tensor._wrap(xp.full(shape, fill_value, dtype=dtype)).requires_grad_(requires_grad)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    """Zeros with the shape and dtype of ``t``."""
    return zeros(t.shape, dtype=t.dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    """Ones with the shape and dtype of ``t``."""
    return ones(t.shape, dtype=t.dtype, requires_grad=requires_grad)


def randn(*shape, dtype=DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    """Standard normal samples from the seeded package generator."""
    data = get_rng().standard_normal(_shape(shape)).astype(dtype)
    return Tensor._wrap(data).requires_grad_(requires_grad)


def rand(*shape, dtype=DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples from the seeded package generator."""
    data = get_rng().random(_shape(shape)).astype(dtype)
    return Tensor._wrap(data).requires_grad_(requires_grad)


def arange(*args, dtype=None) -> Tensor:
    """``np.arange`` as a tensor (integer unless given floats or a dtype)."""
    return Tensor._wrap(xp.arange(*args, dtype=dtype))
