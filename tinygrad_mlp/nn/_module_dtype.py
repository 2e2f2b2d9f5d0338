"""``to()``, ``half()``, ``float()``, ``double()``, ``cpu()`` for ``Module``.

Floating parameters, their gradients and floating buffers change dtype in
place (the Parameter objects stay the same, so optimizers keep working);
integer buffers such as BatchNorm's ``num_batches_tracked`` are kept, as in
PyTorch.  Everything lives on the CPU: devices other than 'cpu' are refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..tensor import Tensor

if TYPE_CHECKING:
    from .module import Module

__all__ = ["DtypeDeviceMixin"]


class DtypeDeviceMixin:
    """The dtype/device half of ``Module``."""

    def _convert_floats(self, dt: np.dtype) -> Module:
        """Cast every floating parameter, gradient and buffer to ``dt`` (in place;
        integer buffers such as ``num_batches_tracked`` stay as they are)."""
        for t in [*self.parameters(), *self.buffers()]:
            if t.data.dtype.kind == "f" and t.data.dtype != dt:
                t.data = t.data.astype(dt)
            if t.grad is not None and t.grad.data.dtype != dt:
                t.grad = Tensor._wrap(t.grad.data.astype(dt))
        return self

    def to(self, *args, **kwargs) -> Module:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)`` or ``to(tensor)``: convert
        the floating parameters and buffers, in place (the device must be the CPU)."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got unexpected keyword arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.data.dtype
            elif _is_device(a):
                device = a
            else:
                dtype = a
        if device is not None:
            _check_cpu(device, "Module.to")
        if dtype is None:
            return self
        try:
            dt = np.dtype(getattr(dtype, "numpy_dtype", dtype))
        except TypeError:
            raise TypeError(f"Module.to: {dtype!r} is not a dtype or a device") from None
        if dt.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got "
                            f"desired dtype={dt}")
        return self._convert_floats(dt)

    def cpu(self) -> Module:
        """The module itself: everything already lives in host memory (NumPy)."""
        return self

    def cuda(self, device=None) -> Module:
        _check_cpu("cuda", "Module.cuda")
        return self  # pragma: no cover - _check_cpu raises

    def half(self) -> Module:
        """Floating parameters and buffers to float16."""
        return self._convert_floats(np.dtype(np.float16))

    def float(self) -> Module:
        """Floating parameters and buffers to float32."""
        return self._convert_floats(np.dtype(np.float32))

    def double(self) -> Module:
        """Floating parameters and buffers to float64."""
        return self._convert_floats(np.dtype(np.float64))


def _is_device(x) -> bool:
    if isinstance(x, str):
        try:
            np.dtype(x)
            return False
        except TypeError:
            return True
    return type(x).__name__ == "device"  # torch.device, tm.device


def _check_cpu(device, opname: str) -> None:
    kind = str(getattr(device, "type", device)).split(":")[0]
    if kind != "cpu":
        raise RuntimeError(f"{opname}: tinygrad_mlp computes with NumPy on the CPU only; "
                           f"got device {str(device)!r} (use 'cpu' or leave it out)")
