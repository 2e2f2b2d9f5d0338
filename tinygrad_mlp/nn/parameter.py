"""``Parameter``: a Tensor that a ``Module`` registers as learnable."""

from __future__ import annotations

from ..tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor that a ``Module`` registers as one of its learnable parameters.

    ``Parameter(data)`` copies ``data`` (lists and numbers become float32, an
    ndarray keeps its dtype) and requires grad by default.
    """

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True, dtype=None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
