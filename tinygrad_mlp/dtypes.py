"""dtypes at PyTorch's names, and PyTorch's type-promotion rules.

The dtype objects are NumPy's (``tm.float32 is np.dtype('float32')``), so
``x.dtype == tm.float32`` and ``x.dtype == np.float32`` both hold.

Type promotion follows PyTorch, not NumPy, where the two differ
(https://pytorch.org/docs/stable/tensor_attributes.html#type-promotion-doc):

* categories rank bool < integer < floating; a higher category wins without
  widening: int32 with float32 → float32 (NumPy: float64);
* within a category the wider type wins, but only among operands of the same
  priority: dimensioned tensors, then 0-d tensors, then Python numbers.  So
  float32 (dims) with a float64 0-d tensor → float32, and int32 with 2 → int32;
* a Python number (or 0-d tensor) of a higher category than every dimensioned
  tensor gives that category's type: int32 + 0.5 → the default float dtype;
* true division of integers gives the default float dtype.
"""

from __future__ import annotations

import builtins

from .backend import get_default_dtype, xp

float32 = xp.dtype("float32")
float64 = xp.dtype("float64")
float16 = xp.dtype("float16")
int64 = xp.dtype("int64")
int32 = xp.dtype("int32")
int16 = xp.dtype("int16")
int8 = xp.dtype("int8")
uint8 = xp.dtype("uint8")
bool_ = xp.dtype("bool")

#: ``tm.<name>`` -> dtype, with PyTorch's short aliases (``tm.float``, ``tm.long`` …).
DTYPES = {
    "float32": float32, "float": float32, "float64": float64, "double": float64,
    "float16": float16, "half": float16, "int64": int64, "long": int64,
    "int32": int32, "int": int32, "int16": int16, "short": int16, "int8": int8,
    "uint8": uint8, "bool": bool_,
}

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
#: Tensor type names, as ``Tensor.type()`` gives them (PyTorch's legacy names).
TYPE_NAMES = {
    float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor",
    int64: "LongTensor", int32: "IntTensor", int16: "ShortTensor", int8: "CharTensor",
    uint8: "ByteTensor", bool_: "BoolTensor",
}


def as_dtype(dtype):
    """``dtype`` (a NumPy dtype or type, ``tm.float32``, a name, ``torch.float32``) as a dtype."""
    if isinstance(dtype, xp.dtype):
        return dtype
    if isinstance(dtype, str):
        name = dtype.removeprefix("torch.")
        if name in DTYPES:
            return DTYPES[name]
    elif dtype is builtins.float:
        return get_default_dtype()
    elif dtype is builtins.int:
        return int64
    elif type(dtype).__module__ == "torch":  # a torch.dtype: map it by name
        return as_dtype(str(dtype))
    return xp.dtype(dtype)


def category(dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating point (3 for complex)."""
    return _CATEGORY[xp.dtype(dtype).kind]


def is_floating_point(dtype) -> bool:
    """True for float16/32/64."""
    return dtype.kind == "f"


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` convert to, as ``torch.promote_types``:
    a higher category wins as it is (int64 with float16 → float16)."""
    a, b = as_dtype(a), as_dtype(b)
    if a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b
    return xp.promote_types(a, b)


def _scalar_dtype(value):
    """The dtype of a Python (or NumPy) number as PyTorch sees it: bool, int64, or the
    default float dtype; anything else (a list…) by NumPy's reading of it."""
    if isinstance(value, (builtins.bool, xp.bool_)):
        return bool_
    if isinstance(value, (builtins.int, xp.integer)):
        return int64
    if isinstance(value, (builtins.float, xp.floating)):
        return get_default_dtype()
    return xp.asarray(value).dtype


def result_type(*operands):
    """The dtype an op on ``operands`` (Tensors, arrays, Python numbers) gives, as
    ``torch.result_type``: dimensioned tensors, then 0-d tensors, then Python
    numbers; a lower tier counts only when its category is higher."""
    tiers: list = [None, None, None]  # dims, 0-d, Python numbers
    for op in operands:
        data = op if isinstance(op, xp.generic) else getattr(op, "data", op)  # a Tensor's array
        if isinstance(data, xp.ndarray):  # NumPy scalars count as Python numbers
            tier, dt = (0 if data.ndim else 1), data.dtype
        else:
            tier, dt = 2, _scalar_dtype(data)
        tiers[tier] = dt if tiers[tier] is None else promote_types(tiers[tier], dt)
    result = None
    for dt in tiers[:2]:
        if dt is not None and (result is None or _CATEGORY[dt.kind] > _CATEGORY[result.kind]):
            result = dt
    scalar = tiers[2]
    if scalar is not None and (result is None or _CATEGORY[scalar.kind] > _CATEGORY[result.kind]):
        result = scalar
    return result


def float_type(dtype):
    """The dtype a floating-point function gives for inputs of ``dtype``
    (``sqrt`` of an int64 tensor is float32, the default float dtype)."""
    dtype = xp.dtype(dtype)
    return dtype if dtype.kind == "f" else get_default_dtype()


def scalar_dtype_for(tensor_dtype, value):
    """The dtype a Python number ``value`` takes beside a tensor of ``tensor_dtype``:
    the tensor's own unless the number is of a higher category."""
    sd = _scalar_dtype(value)
    if _CATEGORY[sd.kind] > _CATEGORY[tensor_dtype.kind]:
        return sd
    return tensor_dtype
