"""The one place the array module is chosen.

Every op reaches NumPy through ``xp`` so that a CuPy backend can later be
swapped in here without touching the ops.
"""

from __future__ import annotations

import numpy

xp = numpy

#: dtype given to Python numbers and lists, and to parameters by default.
DEFAULT_FLOAT = numpy.float32


def is_float(dtype) -> bool:
    """True for floating-point dtypes (the ones that can carry gradients)."""
    return xp.dtype(dtype).kind == "f"
