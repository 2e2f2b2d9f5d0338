"""Comparisons and logic: ``eq ne lt le gt ge isnan isinf isfinite isclose allclose
equal logical_and logical_or logical_not logical_xor`` and the bitwise ``& | ^ ~``.

None of these has a gradient: the results are bool tensors (``& | ^ ~`` keep an
integer dtype), outside the graph, or Python bools (``allclose``, ``equal``).
Operands broadcast and promote as in PyTorch first, so an int tensor compared with
2.5 compares as float.  (The operators ``== != < <= > >=`` are defined in tensor.py.)
"""

from __future__ import annotations

from .. import tensor as _tensor
from ..backend import xp
from ..dtypes import result_type
from ._registry import tensor_method, tm_function


def _arrays(*xs):
    """The operands' arrays in their common (promoted) dtype."""
    dt = result_type(*xs)
    return tuple(xp.asarray(x.data if isinstance(x, _tensor.Tensor) else x, dtype=dt)
                 for x in xs)


def _wrap(array):
    return _tensor.Tensor._wrap(xp.asarray(array))


def _data(x):
    return x.data if isinstance(x, _tensor.Tensor) else xp.asarray(x)


def _comparison(name: str, ufunc, symbol: str):
    def compare(input, other):  # noqa: A002 - PyTorch's argument names
        a, b = _arrays(input, other)
        return _wrap(ufunc(a, b))

    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = (f"input {symbol} other elementwise, broadcast (a bool tensor; "
                       f"no gradient).")
    tensor_method(name)(compare)
    return tm_function(name)(compare)


eq = _comparison("eq", xp.equal, "==")
ne = _comparison("ne", xp.not_equal, "!=")
lt = _comparison("lt", xp.less, "<")
le = _comparison("le", xp.less_equal, "<=")
gt = _comparison("gt", xp.greater, ">")
ge = _comparison("ge", xp.greater_equal, ">=")
FUNCTION_ALIASES = {"not_equal": ne, "less": lt, "less_equal": le, "greater": gt,
                    "greater_equal": ge}
for _name, _fn in FUNCTION_ALIASES.items():
    tensor_method(_name)(_fn)
    tm_function(_name)(_fn)


@tensor_method("isnan")
@tm_function("isnan")
def isnan(input):  # noqa: A002
    """Where the elements are NaN (a bool tensor; integers are never NaN)."""
    return _wrap(xp.isnan(_data(input)))


@tensor_method("isinf")
@tm_function("isinf")
def isinf(input):  # noqa: A002
    """Where the elements are +inf or −inf (a bool tensor)."""
    return _wrap(xp.isinf(_data(input)))


@tensor_method("isfinite")
@tm_function("isfinite")
def isfinite(input):  # noqa: A002
    """Where the elements are neither NaN nor ±inf (a bool tensor)."""
    return _wrap(xp.isfinite(_data(input)))


@tensor_method("isclose")
@tm_function("isclose")
def isclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
            equal_nan: bool = False):
    """|input − other| ≤ atol + rtol·|other| elementwise (a bool tensor), PyTorch's
    defaults; infinities are close only to themselves, NaN only with ``equal_nan``."""
    a, b = _arrays(input, other)
    if a.dtype.kind != "f":
        a, b = a.astype(xp.float64), b.astype(xp.float64)
    return _wrap(xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@tensor_method("allclose")
@tm_function("allclose")
def allclose(input, other, rtol: float = 1e-05, atol: float = 1e-08,  # noqa: A002
             equal_nan: bool = False) -> bool:
    """Whether every element pair is ``isclose`` (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan).data.all())


@tensor_method("equal")
@tm_function("equal")
def equal(input, other) -> bool:  # noqa: A002
    """Whether the two tensors have the same shape and the same elements (a Python bool)."""
    a, b = _data(input), _data(other)
    return a.shape == b.shape and bool(xp.array_equal(a, b))


# ----------------------------------------------------------------- logic
@tensor_method("logical_and")
@tm_function("logical_and")
def logical_and(input, other):  # noqa: A002
    """Elementwise AND of the truth values (non-zero is true); a bool tensor."""
    return _wrap(xp.logical_and(_data(input), _data(other)))


@tensor_method("logical_or")
@tm_function("logical_or")
def logical_or(input, other):  # noqa: A002
    """Elementwise OR of the truth values (non-zero is true); a bool tensor."""
    return _wrap(xp.logical_or(_data(input), _data(other)))


@tensor_method("logical_xor")
@tm_function("logical_xor")
def logical_xor(input, other):  # noqa: A002
    """Elementwise XOR of the truth values (non-zero is true); a bool tensor."""
    return _wrap(xp.logical_xor(_data(input), _data(other)))


@tensor_method("logical_not")
@tm_function("logical_not")
def logical_not(input):  # noqa: A002
    """Elementwise NOT of the truth values (zero becomes True); a bool tensor."""
    return _wrap(xp.logical_not(_data(input)))


def _bitwise_arrays(opname: str, *xs):
    arrays = _arrays(*xs)
    if arrays[0].dtype.kind not in "biu":
        error = TypeError if len(xs) == 1 else NotImplementedError  # PyTorch's types
        raise error(f"{opname}: bitwise ops need bool or integer tensors, got dtype "
                    f"{arrays[0].dtype}; for truth values of floats use "
                    f"logical_{opname.split('_')[1]}()")
    return arrays


def _bitwise(name: str, ufunc, symbol: str, dunders: tuple):
    def op(input, other):  # noqa: A002
        return _wrap(ufunc(*_bitwise_arrays(name, input, other)))

    def reflected(self, other):
        return op(other, self)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"input {symbol} other elementwise, for bool and integer tensors (``{symbol}`` "
                  f"is this op; bools give bools).")
    tensor_method(name, dunders[0])(op)
    tensor_method(dunders[1])(reflected)
    return tm_function(name)(op)


bitwise_and = _bitwise("bitwise_and", xp.bitwise_and, "&", ("__and__", "__rand__"))
bitwise_or = _bitwise("bitwise_or", xp.bitwise_or, "|", ("__or__", "__ror__"))
bitwise_xor = _bitwise("bitwise_xor", xp.bitwise_xor, "^", ("__xor__", "__rxor__"))


@tensor_method("bitwise_not", "__invert__")
@tm_function("bitwise_not")
def bitwise_not(input):  # noqa: A002
    """~input: NOT for bool tensors, the bitwise complement for integers."""
    (a,) = _bitwise_arrays("bitwise_not", input)
    return _wrap(xp.invert(a))
