"""Array-or-Tensor helpers for writing a backward formula once (public).

A backward receives plain arrays normally and Tensors under
``create_graph=True`` (and in custom ``tm.autograd.Function`` s).  Arithmetic
and methods such as ``.sum``/``.reshape``/``.exp`` work on both; NumPy's free
functions do not accept Tensors (``np.exp(tensor)`` raises).  These helpers
dispatch on the argument, so ``dual.exp(x)`` is ``np.exp`` on an array and the
differentiable ``x.exp()`` on a Tensor:

    from tinygrad_mlp.ops import dual
    def backward(self, g, out, x):
        return (g * dual.where(dual.value(x) > 0, 1.0, dual.exp(x)),)

``value(x)`` gives the array behind either (for constants such as masks, which
carry no gradient); ``is_tensor(x)`` tells the two apart.
"""

from ._dual import (
    broadcast_to,
    exp,
    is_basic_index,
    is_tensor,
    log,
    scatter_add,
    scatter_add_array,
    sigmoid,
    sign,
    value,
    where,
)

__all__ = [
    "broadcast_to", "exp", "is_basic_index", "is_tensor", "log", "scatter_add",
    "scatter_add_array", "sigmoid", "sign", "value", "where",
]
