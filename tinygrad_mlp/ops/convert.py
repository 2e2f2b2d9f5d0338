"""dtype and device conversions: ``to``, ``type``, ``float``/``double``/``long``/…, ``cpu``.

``to(dtype)`` returns the tensor itself when nothing changes, as PyTorch;
a cast is the differentiable ``Cast`` op (gradients flow back in the
source dtype).  Only the CPU exists: another device raises (``device.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..backend import xp
from ..device import check_device, device
from ..dtypes import TYPE_NAMES, as_dtype
from ._registry import tensor_method
from .elementwise import Cast, Clone

if TYPE_CHECKING:
    from ..tensor import Tensor


def _T():
    from ..tensor import Tensor

    return Tensor


def _is_device_name(s: str) -> bool:
    return s.split(":")[0] in ("cpu", "cuda", "mps", "meta", "xpu")


@tensor_method("astype")
def astype(self, dtype) -> Tensor:
    """A version with another dtype (this tensor if it already has it); gradients
    flow back in this tensor's dtype."""
    dtype = as_dtype(dtype)
    if dtype == self.data.dtype:
        return self
    return Cast.apply(self, dtype=dtype)


@tensor_method("to")
def to(self, *args, **kwargs) -> Tensor:
    """``to(dtype)``, ``to(device)``, ``to(other_tensor)``, ``to(device, dtype)``;
    ``copy=True`` always copies.  Only the CPU exists: another device raises."""
    dtype = kwargs.pop("dtype", None)
    dev = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to(): unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, _T()):
            dtype = a.dtype
        elif isinstance(a, device) or (isinstance(a, str) and _is_device_name(a)):
            dev = a
        elif a is not None:
            dtype = a
    if dev is not None:
        check_device(dev, "to")
    out = self if dtype is None else self.astype(dtype)
    return Clone.apply(out) if copy and out is self else out


@tensor_method("type")
def type(self, dtype=None):
    """``type()``: the type name, e.g. ``'torch.FloatTensor'`` (PyTorch's legacy
    names); ``type(dtype)``: ``to(dtype)``."""
    if dtype is None:
        return "torch." + TYPE_NAMES.get(self.data.dtype, str(self.data.dtype))
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        names = {v: k for k, v in TYPE_NAMES.items()}
        dtype = names[dtype.rsplit(".", 1)[-1]]
    return self.astype(dtype)


@tensor_method("type_as")
def type_as(self, other: Tensor) -> Tensor:
    """This tensor in ``other``'s dtype."""
    return self.astype(other.dtype)


@tensor_method("float")
def float(self) -> Tensor:
    """A float32 version."""
    return self.astype(xp.float32)


@tensor_method("double")
def double(self) -> Tensor:
    """A float64 version."""
    return self.astype(xp.float64)


@tensor_method("half")
def half(self) -> Tensor:
    """A float16 version."""
    return self.astype(xp.float16)


@tensor_method("long")
def long(self) -> Tensor:
    """An int64 version (no gradient flows through integers)."""
    return self.astype(xp.int64)


@tensor_method("int")
def int(self) -> Tensor:
    """An int32 version."""
    return self.astype(xp.int32)


@tensor_method("short")
def short(self) -> Tensor:
    """An int16 version."""
    return self.astype(xp.int16)


@tensor_method("bool")
def bool(self) -> Tensor:
    """A bool version."""
    return self.astype(xp.bool_)


@tensor_method("cpu")
def cpu(self) -> Tensor:
    """This tensor (it already lives on the CPU)."""
    return self


@tensor_method("cuda")
def cuda(self, device=None) -> Tensor:
    """Raises: there is no GPU backend (see ``tinygrad_mlp.device``)."""
    check_device("cuda" if device is None else device, "cuda")
