"""``tm.linalg``: the vector norms of ``torch.linalg`` (the op lives in ``ops/reduction.py``).

    tm.linalg.vector_norm(x)                    # ‖x‖₂ over all elements
    tm.linalg.vector_norm(x, ord=1, dim=-1)     # Σ |x| along the last dim
"""

from __future__ import annotations

from ._args import dim_aliases
from .ops.reduction import vector_norm as _vector_norm

__all__ = ["vector_norm"]


@dim_aliases
def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None):
    """‖x‖_ord over ``dim`` (all elements when None), as ``torch.linalg.vector_norm``.

    ``ord``: 2 (Euclidean, the default), 1, inf (max |x|), −inf (min |x|), 0 (the
    number of non-zeros) or any real p, giving (Σ |x|^p)^(1/p). Integer tensors
    give the default float dtype; the gradient at a zero vector is 0, as in PyTorch.
    """
    return _vector_norm(x, ord, dim, keepdim, dtype=dtype)
