"""Operands of an op cast to their common dtype.

The promotion rules themselves (PyTorch's, not NumPy's) live in one place,
``tinygrad_mlp/dtypes.py`` (``promote_types``, ``result_type``, ``float_type``);
this module only applies them to an op's operands: ``operands(x, 0.5)`` gives both
as Tensors of ``result_type(x, 0.5)``, casting by the differentiable ``Cast`` op so
the gradient flows back to each operand in its own dtype.

Examples: ``int32 tensor + 0.5`` → float32; ``float32 tensor + float64 0-d tensor``
→ float32; ``int tensor < 2.5`` compares in float32.
"""

from __future__ import annotations

from .. import tensor as _tensor
from ..backend import xp
from ..dtypes import category, float_type, promote_types, result_type

__all__ = ["as_tensor", "category", "float_type", "operands", "promote_types", "result_type"]


def as_tensor(x, dtype):
    """``x`` as a Tensor of ``dtype``: Python numbers become 0-d constants, Tensors of
    another dtype are cast by the differentiable ``Cast`` op (the gradient flows back)."""
    from .elementwise import Cast

    if isinstance(x, _tensor.Tensor):
        return x if x.data.dtype == dtype else Cast.apply(x, dtype=dtype)
    arr = xp.asarray(x, dtype=dtype)
    # A Python number is a constant of the step's code: read-only, so that tm.compile keeps
    # it in the recording. (A NumPy scalar may come from the data: tm.compile refuses it.)
    if type(x) in (bool, int, float, complex):
        arr.flags.writeable = False
    return _tensor.Tensor._wrap(arr)


def operands(*xs, floating: bool = False) -> tuple:
    """``xs`` as Tensors of one common dtype (PyTorch's promotion; ``floating=True``
    lifts an integer or bool result to the default float dtype, as for ``logaddexp``)."""
    dt = result_type(*xs)
    if floating:
        dt = float_type(dt)
    return tuple(as_tensor(x, dt) for x in xs)
