"""Tensor hooks (``Tensor.register_hook``) and the engine's explanation of a
backward that handed a Tensor to a NumPy function.

Hooks live in one table, id(tensor) → hooks (an entry goes when its tensor
dies), so tensors without hooks (all but a few) pay nothing: backward looks
the table up only when it is not empty.
"""

from __future__ import annotations

import weakref

#: id(tensor) -> list of hooks, in registration order.
HOOKS: dict = {}
_ALIVE: dict = {}  # id(tensor) -> weakref whose callback drops the entry



class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook."""

    __slots__ = ("_tensor", "_hook")

    def __init__(self, tensor, hook):
        self._tensor = weakref.ref(tensor)
        self._hook = hook

    def remove(self) -> None:
        t = self._tensor()
        hooks = HOOKS.get(id(t)) if t is not None else None
        if hooks and any(h is self._hook for h in hooks):
            hooks[:] = [h for h in hooks if h is not self._hook]
            if not hooks:
                del HOOKS[id(t)]


def register(tensor, hook) -> RemovableHandle:
    """Call ``hook(grad)`` whenever ``tensor``'s gradient is computed (before it is
    accumulated into ``.grad``); a Tensor the hook returns replaces the gradient."""
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if not callable(hook):
        raise TypeError(f"register_hook: hook must be callable, got {type(hook).__name__}")
    key = id(tensor)
    if key not in HOOKS:
        HOOKS[key] = []
        _ALIVE[key] = weakref.ref(tensor, lambda _, k=key: (HOOKS.pop(k, None),
                                                            _ALIVE.pop(k, None)))
    HOOKS[key].append(hook)
    return RemovableHandle(tensor, hook)


def run_hooks(t, g):
    """Pass the gradient ``g`` of ``t`` (an array, or a Tensor under create_graph)
    through ``t``'s hooks; return it in the same form."""
    from .tensor import Tensor

    is_array = not isinstance(g, Tensor)
    gt = Tensor._wrap(g) if is_array else g
    for hook in list(HOOKS.get(id(t), ())):
        new = hook(gt)
        if new is not None:
            if not isinstance(new, Tensor):
                new = Tensor._wrap(new)
            if new.shape != gt.shape:
                raise RuntimeError(f"hook {getattr(hook, '__name__', hook)!r} returned a "
                                   f"gradient of shape {new.shape} for a tensor of shape "
                                   f"{gt.shape}")
            gt = new
    return gt.data if is_array else gt


def explain_type_error(node, exc: TypeError) -> TypeError:
    """A TypeError from ``node.backward``, made clear when it comes from a NumPy
    function given a Tensor (Tensors refuse ufuncs: ``__array_ufunc__ = None``)."""
    text = str(exc)
    if "__array_ufunc__" not in text and "Tensor" not in text:
        return exc
    return TypeError(
        f"{node.name()}: backward called a NumPy function on a Tensor ({text}). Under "
        f"create_graph=True (and in custom Functions) backward receives Tensors: use "
        f"Tensor methods (x.exp(), x.sum(dim=0)) or the array-or-Tensor helpers in "
        f"tinygrad_mlp.ops.dual (dual.exp(x), dual.where(c, a, b)) instead of np.*"
    )
