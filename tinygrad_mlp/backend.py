"""The one place the array module is chosen, and the default float dtype.

Every op reaches NumPy through ``xp`` so that a CuPy backend can later be
swapped in here without touching the ops.
"""

from __future__ import annotations

import warnings

import numpy

xp = numpy

# PyTorch returns inf and NaN silently (1/0, log 0, exp 1000); NumPy also prints a
# RuntimeWarning. Hide those raised inside this package's modules only, at no cost
# per op (a filter is consulted only when a warning is raised): the user's own NumPy
# code still warns, and a stricter filter set later (pytest's -W error) still wins.
# Anomaly mode (tinygrad_mlp.anomaly) is the way to find where NaN appears.
warnings.filterwarnings(
    "ignore", r"(overflow|underflow|divide by zero|invalid value) encountered in",
    RuntimeWarning, r"tinygrad_mlp(\.|$)")

#: dtype given to Python floats and lists, and to parameters, unless
#: ``set_default_dtype`` changed it (read it with ``get_default_dtype()``).
DEFAULT_FLOAT = numpy.float32

_default = [numpy.dtype(numpy.float32)]  # one mutable cell: set_default_dtype writes here


def get_default_dtype():
    """The default floating-point dtype (float32 unless ``set_default_dtype`` changed it)."""
    return _default[0]


def _set_default(d) -> None:
    global DEFAULT_FLOAT
    _default[0] = d
    DEFAULT_FLOAT = d.type  # code that reads backend.DEFAULT_FLOAT at call time sees it too


def set_default_dtype(dtype) -> None:
    """Make ``dtype`` (float32 or float64, or float16) the default float dtype, as in PyTorch."""
    d = numpy.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the "
                        f"default type, got {d}")
    _set_default(d)


def is_float(dtype) -> bool:
    """True for floating-point dtypes (the ones that can carry gradients)."""
    return xp.dtype(dtype).kind == "f"
