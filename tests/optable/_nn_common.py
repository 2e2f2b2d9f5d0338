"""Helpers shared by the nn families of the op table: constants in the input's dtype."""

from __future__ import annotations

import numpy as np


def const(lib, values, like):
    """A constant tensor of ``like``'s float dtype holding ``values``, in either library."""
    arr = np.asarray(values, dtype=np.float64)
    if lib.__name__ == "torch":
        return lib.tensor(arr, dtype=like.dtype)
    return lib.Tensor(arr.astype(like.dtype))


def labels(lib, values):
    """An int64 tensor of class labels (or indices), in either library."""
    return lib.tensor(np.asarray(values, dtype=np.int64))


def F(lib):
    """``torch.nn.functional`` or ``tinygrad_mlp.nn.functional``."""
    return lib.nn.functional
