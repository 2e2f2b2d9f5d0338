"""Module hooks: the handle that removes one, and the identity op nodes behind
``Module.register_full_backward_hook``.

A full backward hook ``hook(module, grad_input, grad_output)`` sees the
gradients with respect to the module's tensor inputs and outputs.  The module's
call passes each tensor input and output through an identity op node
(``BackwardHookGate``): the output gates record ``grad_output`` as backward
reaches them; the input gates, which backward reaches after the module's own
ops, collect ``grad_input`` and call the hooks once the last one arrives.  A
hook may return a new ``grad_input`` tuple to replace the gradients.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict

from ..autograd import Function
from ..tensor import Tensor

__all__ = ["BackwardHookGate", "BackwardHookState", "RemovableHandle"]

_next_id = itertools.count()


class RemovableHandle:
    """Returned by ``register_*_hook``: ``handle.remove()`` unregisters the hook
    (also usable as a context manager, as in PyTorch)."""

    def __init__(self, *registries: OrderedDict):
        self.id = next(_next_id)
        self._registries = registries

    def remove(self) -> None:
        for reg in self._registries:
            reg.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.remove()


class BackwardHookGate(Function):
    """Identity: y = x.  Backward hands ``g`` to the hook state (and returns the
    gradient the hooks chose, which is ``g`` unless a hook replaced it)."""

    def forward(self, x, state=None, slot=0, is_input=False):
        self.state, self.slot, self.is_input = state, slot, is_input
        return x

    def backward(self, g, out, x):
        if self.is_input:
            return (self.state.input_grad(self.slot, g),)
        self.state.output_grad(self.slot, g)
        return (g,)

    @classmethod
    def name(cls) -> str:
        return "backward_hook"


class BackwardHookState:
    """The gradients of one module call, gathered for its backward hooks."""

    def __init__(self, module, hooks):
        self.module = module
        self.hooks = list(hooks)
        self.grad_inputs: list = []
        self.grad_outputs: list = []
        self.waiting = 0  # input gates whose gradient has not arrived yet
        self.outputs_waiting = 0

    def wrap_inputs(self, args: tuple) -> tuple:
        """``args`` with every Tensor that requires grad passed through an input gate."""
        out = []
        for a in args:
            if isinstance(a, Tensor):
                slot = len(self.grad_inputs)
                self.grad_inputs.append(None)
                if a.requires_grad:
                    self.waiting += 1
                    a = BackwardHookGate.apply(a, state=self, slot=slot, is_input=True)
            out.append(a)
        return tuple(out)

    def wrap_outputs(self, result):
        """The module's result with each Tensor output passed through an output gate."""
        def gate(t):
            if isinstance(t, Tensor) and t.requires_grad:
                slot = len(self.grad_outputs)
                self.grad_outputs.append(None)
                self.outputs_waiting += 1
                return BackwardHookGate.apply(t, state=self, slot=slot)
            return t

        if isinstance(result, tuple):
            return tuple(gate(t) for t in result)
        if isinstance(result, list):
            return [gate(t) for t in result]
        return gate(result)

    def output_grad(self, slot: int, g) -> None:
        self.grad_outputs[slot] = _wrap(g)
        self.outputs_waiting -= 1
        if self.outputs_waiting == 0 and self.waiting == 0:  # no input needs a gradient
            self._call(None)

    def input_grad(self, slot: int, g):
        self.grad_inputs[slot] = _wrap(g)
        self.waiting -= 1
        if self.waiting:
            return g
        new = self._call(slot)
        return g if new is None else (new.data if not isinstance(g, Tensor) else new)

    def _call(self, last_slot):
        """Run the hooks; return the replacement gradient for ``last_slot`` (or None)."""
        grad_input = tuple(self.grad_inputs)
        for hook in self.hooks:
            res = hook(self.module, grad_input, tuple(self.grad_outputs))
            if res is None:
                continue
            res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
            if len(res) != len(grad_input):
                raise RuntimeError(
                    f"backward hook of {type(self.module).__name__} returned {len(res)} "
                    f"gradients for {len(grad_input)} inputs")
            for i, (old, new) in enumerate(zip(grad_input, res)):
                if i != last_slot and new is not old:
                    raise RuntimeError(
                        f"backward hook of {type(self.module).__name__}: with several "
                        f"tensor inputs only the gradient of the last one reached (input "
                        f"{last_slot}) can be replaced, not that of input {i}")
            grad_input = tuple(_wrap(r) if r is not None else None for r in res)
        return None if last_slot is None else grad_input[last_slot]


def _wrap(g):
    return g if isinstance(g, Tensor) or g is None else Tensor._wrap(g)
