"""PyTorch's type promotion for the operands of an op, in one place.

PyTorch ranks dtypes by category — bool < integer < floating — and lets an
operand decide the result's dtype only as far as its kind allows:

* tensors with at least one dim decide first; 0-d tensors, then Python
  numbers, matter only when they are of a *higher category* than every
  dimensioned tensor;
* a Python float meets integer tensors as the default float dtype (float32),
  a Python int meets bool tensors as int64;
* two dtypes of one category promote to the wider one (int32 + int64 → int64,
  float32 + float64 → float64); across categories the higher one wins as it
  is (int64 + float32 → float32, where NumPy says float64).

Examples: ``int32 tensor + 0.5`` → float32; ``float32 tensor + float64 0-d tensor``
→ float32; ``int tensor < 2.5`` compares in float32.
"""

from __future__ import annotations

from .. import backend
from .. import tensor as _tensor
from ..backend import xp

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}


def category(dtype) -> int:
    """0 for bool, 1 for integers, 2 for floats."""
    return _CATEGORY[xp.dtype(dtype).kind]


def promote_types(a, b):
    """PyTorch's ``promote_types``: across categories the higher one wins unchanged."""
    a, b = xp.dtype(a), xp.dtype(b)
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    return xp.promote_types(a, b)


def _scalar_dtype(v):
    if isinstance(v, bool) or isinstance(v, xp.bool_):
        return xp.dtype(bool)
    if isinstance(v, (int, xp.integer)):
        return xp.dtype(xp.int64)
    if isinstance(v, (float, xp.floating)):
        return backend.get_default_dtype()
    raise TypeError(f"expected a Tensor or a Python number, got {type(v).__name__}")


def _combine(higher, lower):
    """Add a lower-priority group's dtype: it counts only if of a higher category."""
    if higher is None:
        return lower
    if lower is None or category(higher) >= category(lower):
        return higher
    return promote_types(higher, lower)


def result_type(*operands):
    """The dtype PyTorch gives an op on ``operands`` (Tensors, arrays or Python numbers)."""
    groups = [None, None, None]  # dimensioned tensors, 0-d tensors, Python numbers
    for v in operands:
        arr = v.data if isinstance(v, _tensor.Tensor) else v
        if isinstance(arr, xp.ndarray):
            g, dt = (0 if arr.ndim else 1), arr.dtype
        else:
            g, dt = 2, _scalar_dtype(v)
        groups[g] = dt if groups[g] is None else promote_types(groups[g], dt)
    return _combine(groups[0], _combine(groups[1], groups[2]))


def float_type(dtype):
    """The dtype a floating-point function gives for inputs of ``dtype``
    (``sqrt`` of an int64 tensor is float32, the default float dtype)."""
    dtype = xp.dtype(dtype)
    return dtype if dtype.kind == "f" else backend.get_default_dtype()


def as_tensor(x, dtype):
    """``x`` as a Tensor of ``dtype``: Python numbers become 0-d constants, Tensors of
    another dtype are cast by the differentiable ``Cast`` op (the gradient flows back)."""
    from .elementwise import Cast

    if isinstance(x, _tensor.Tensor):
        return x if x.data.dtype == dtype else Cast.apply(x, dtype=dtype)
    return _tensor.Tensor._wrap(xp.asarray(x, dtype=dtype))


def operands(*xs, floating: bool = False) -> tuple:
    """``xs`` as Tensors of one common dtype (PyTorch's promotion; ``floating=True``
    lifts an integer or bool result to the default float dtype, as for ``logaddexp``)."""
    dt = result_type(*xs)
    if floating:
        dt = float_type(dt)
    return tuple(as_tensor(x, dt) for x in xs)
