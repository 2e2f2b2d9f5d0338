"""Custom ops written as in PyTorch: ``forward(ctx, ...)`` / ``backward(ctx, grad)``.

A subclass of ``tm.autograd.Function`` whose ``forward`` is a static method
gets ``apply`` from here (``Function.__init_subclass__``); the built-in ops,
with the engine's array form, never come through this file.  ``apply`` runs
``forward`` under ``no_grad`` on the Tensors it was given and records one
``CustomNode``; that node is the ``ctx`` both static methods receive::

    class LegendrePolynomial3(tm.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

``backward`` receives and returns Tensors, one gradient per ``forward``
argument (None for non-tensors).  It runs under no_grad normally and with grad
mode on under ``create_graph=True``, so a backward written with Tensor ops is
itself differentiable (Hessian-vector products work unchanged).
"""

from __future__ import annotations

from . import _trace, autograd
from .autograd import Function
from .grad_mode import _state, no_grad


class CustomNode(Function):
    """The op node (and ``ctx``) of one call of a custom ``Function``."""

    # Only what forward passed to save_for_backward is checked (in saved_tensors).
    saves_inputs = False
    saves_output = False

    def __init__(self, fn_cls=None, args=()):
        self.fn_cls = fn_cls
        self.is_tensor = tuple(isinstance(a, _tensor_cls()) for a in args)
        self.needs_input_grad = tuple(
            isinstance(a, _tensor_cls()) and a.requires_grad for a in args)
        self.to_save = ()
        self.non_differentiable = ()
        self.materialize_grads = True

    # ------------------------------------------------------------ ctx API
    def save_for_backward(self, *tensors) -> None:
        """Keep ``tensors`` (inputs or outputs of forward, or None) for backward."""
        self.to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, checked against in-place changes."""
        if self.to_save is None:
            raise RuntimeError(f"{self.name()}: saved tensors were freed by an earlier "
                               f"backward; pass retain_graph=True to keep them")
        tick = getattr(self, "_tick", None)
        for t in self.to_save:
            if tick is not None and t is not None and t._vc and t._vc[-1] > tick:
                from .versions import _modified

                raise _modified(self, t, "a tensor saved by save_for_backward", tick)
        return tuple(self.to_save)

    def mark_non_differentiable(self, *tensors) -> None:
        """Mark outputs that get no gradient (integer indices, masks)."""
        self.non_differentiable = tensors

    def mark_dirty(self, *tensors) -> None:
        """Accepted for compatibility: forward's in-place changes are not tracked further."""

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for compatibility (gradients always arrive materialized)."""
        self.materialize_grads = value

    # ------------------------------------------------------------ engine side
    def name(self) -> str:  # an instance method: each node names its own Function
        fn_cls = self.__dict__.get("fn_cls")
        return fn_cls.__name__ if fn_cls is not None else "custom"

    def __repr__(self) -> str:
        return f"<{self.name()}Backward>"

    def backward(self, g, out, *inputs):
        Tensor = _tensor_cls()
        as_arrays = not isinstance(g, Tensor)
        gt = Tensor._wrap(g) if as_arrays else g
        res = self.fn_cls.backward(self, gt)
        if not isinstance(res, tuple):
            res = (res,)
        if len(res) != len(self.is_tensor):
            raise RuntimeError(f"function {self.name()}Backward returned an incorrect number "
                               f"of gradients (expected {len(self.is_tensor)}, got {len(res)})")
        grads = []
        for r, is_t in zip(res, self.is_tensor):
            if not is_t:
                continue
            if r is not None and not isinstance(r, Tensor):
                r = Tensor._wrap(r)  # a number or an array
            grads.append(r.data if (as_arrays and r is not None) else r)
        return tuple(grads)


def _tensor_cls():
    from .tensor import Tensor

    return Tensor


def apply_custom(cls, *args, **kwargs):
    """``MyFunction.apply(*args)``: run ``cls.forward(ctx, *args)`` and record the node."""
    _trace.refuse(f"custom Function {cls.__name__} ran")
    Tensor = _tensor_cls()
    node = CustomNode(cls, args)
    with no_grad():
        out = cls.forward(node, *args, **kwargs)
    if isinstance(out, (tuple, list)):
        raise NotImplementedError(f"{cls.__name__}.forward returned {len(out)} outputs; "
                                  f"custom Functions here return one Tensor")
    if not isinstance(out, Tensor):
        out = Tensor._wrap(out)
    if any(out is a for a in args):  # forward returned an input: give it its own node
        out = Tensor._wrap(out.data)
    record = _state.enabled and any(node.needs_input_grad)
    if record and not any(out is t for t in node.non_differentiable):
        node.parents = tuple(a for a in args if isinstance(a, Tensor))
        node.inputs = tuple(a.data for a in node.parents)
        node._tick = autograd._TICK
        out._ctx = node
        out.requires_grad = True
    return out
