"""The one place the array module is chosen.

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

#: dtype given to Python numbers and lists, and to parameters by default.
DEFAULT_FLOAT = numpy.float32


def is_float(dtype) -> bool:
    """True for floating-point dtypes (the ones that can carry gradients)."""
    return xp.dtype(dtype).kind == "f"
