"""The engine: op nodes (``Function``), grad mode, and the backward graph walk.

A forward op creates one ``Function`` instance (an op node) that remembers its
input tensors (``parents``) and whatever its backward formula needs.  The
output tensor points at the op node through ``_ctx``.  ``backward`` walks the
nodes in reverse topological order (iteratively, with Kahn's algorithm: no
recursion limit, linear time) and applies the chain rule at each node.

Backward formulas are written once, with the operators and methods that NumPy
arrays and Tensors share.  Normally they receive plain arrays (fast); under
``create_graph=True`` they receive Tensors, so the backward pass is itself
recorded and can be differentiated again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Sequence

from . import _trace
from . import hooks as _hooks
from . import versions as _versions
from .backend import xp
from .grad_mode import (
    _state,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .graph_skeleton import Skeleton
from .graph_skeleton import record as record_skeleton

__all__ = [
    "Function", "FunctionCtx", "backward", "count_consumers", "enable_grad", "grad",
    "inference_mode", "is_grad_enabled", "is_inference_mode_enabled", "no_grad",
    "run_backward", "set_grad_enabled", "sum_to_shape",
]

#: The clock of in-place ops: each one ticks it (``versions.bump``), and every op
#: node records the time it was made (``_tick``), so backward can tell whether a
#: value it saved was changed afterwards.  One int read per recorded op.
_TICK = 0


class Function:
    """Base class of every op node, and of custom ops written as in PyTorch.

    PyTorch's form, for custom ops (``forward``/``backward`` are static methods
    taking a context ``ctx``; see ``custom_function.py``)::

        class Cube(tm.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad_output):
                (x,) = ctx.saved_tensors
                return grad_output * 3 * x ** 2

        y = Cube.apply(x)

    The engine's own form, used by every built-in op (arrays in, arrays out:
    no Tensor is built inside an op).  Subclasses define

    * ``forward(self, *arrays, **params) -> array``: compute the output from
      the input arrays; store on ``self`` whatever backward needs that is not
      an input or the output (masks, axes, shapes).
    * ``backward(self, g, out, *inputs) -> tuple``: given the gradient ``g`` of
      the loss with respect to the output, the output ``out`` and the inputs,
      return one gradient per input (``None`` where there is none).  These are
      arrays normally and Tensors under ``create_graph``; use only operations
      both support.  Gradients may have the broadcast shape: the engine sums
      them back to each input's shape.
    """

    # The input tensors live in slots, not in a tuple: a tuple per op would be a third
    # object (beside the output Tensor and the node) that the cyclic garbage collector
    # tracks and rescans at every full collection while a graph is built; with two, a
    # 100,000-op chain builds in about half the time (benchmarks/overhead.py).
    # ``parents`` (the property below) gives them as a tuple.  _np: their number
    # (-1 once backward freed them); _p0, _p1: the first two; _ps: all, for 0 or 3+.
    # Their arrays (``inputs``, also a property) likewise: _i0, _i1, or _is.  (A tuple
    # of arrays alone is not rescanned, but it is one more allocation per op, and the
    # collector runs after every 700 of them: with two, a 100,000-op chain goes
    # through two full collections instead of three.)
    # _sk: what backward leaves of a freed node (``graph_skeleton.record``; unset before).
    __slots__ = ("_np", "_p0", "_p1", "_ps", "_i0", "_i1", "_is", "_tick", "_sk",
                 "__dict__")  # __dict__: per-op extras (axis, masks)

    #: Whether backward reads the inputs / the output: the version check at
    #: backward looks only at the values an op saved (PyTorch's rule).
    saves_inputs = True
    saves_output = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if isinstance(cls.__dict__.get("forward"), staticmethod):  # PyTorch's ctx form
            from .custom_function import apply_custom

            cls.apply = classmethod(apply_custom)

    @classmethod
    def apply(cls, *tensors, **params):
        """Run the op forward on Tensors and, in grad mode, record the op node."""
        node = cls()
        n = len(tensors)
        try:
            if n == 2:  # the common cases, spelled out: this runs for every op
                a, b = tensors[0].data, tensors[1].data
                data = node.forward(a, b, **params) if params else node.forward(a, b)
            elif n == 1:
                a = tensors[0].data
                data = node.forward(a, **params) if params else node.forward(a)
            else:
                inputs = tuple([t.data for t in tensors])
                data = node.forward(*inputs, **params) if params else node.forward(*inputs)
        except (ValueError, IndexError, TypeError) as exc:
            # Made in a helper: an exception held in a local of this frame would form a
            # cycle (frame -> exception -> traceback -> frame) keeping the graph alive.
            raise _named_error(cls, exc, [t.data for t in tensors]) from exc
        out = _Tensor.__new__(_Tensor)
        out.data = data if type(data) is _ndarray else xp.asarray(data)
        out.grad = None
        out._retains_grad = False
        out.name = None
        out._vc = None
        if _trace.ACTIVE is not None:  # tm.compile is recording
            _trace.ACTIVE.op(node, tensors, params, out)
        if _state.enabled:
            for t in tensors:
                if t.requires_grad:
                    if n == 2:  # (the parents and inputs setters, spelled out)
                        node._p0 = tensors[0]
                        node._p1 = tensors[1]
                        node._i0 = a
                        node._i1 = b
                    elif n == 1:
                        node._p0 = tensors[0]
                        node._i0 = a
                    else:
                        node._ps = tensors
                        node._is = inputs
                    node._np = n
                    node._tick = _TICK
                    out._ctx = node
                    out.requires_grad = True
                    return out
        out._ctx = None
        out.requires_grad = False
        return out

    @property
    def parents(self) -> tuple | None:
        """The input tensors, in order (None once a backward has freed the node)."""
        n = self._np
        if n == 2:
            return (self._p0, self._p1)
        if n == 1:
            return (self._p0,)
        return self._ps

    @property
    def inputs(self) -> tuple | None:
        """The input arrays the op ran on, in order (None once a backward freed them)."""
        n = self._np
        if n == 2:
            return (self._i0, self._i1)
        if n == 1:
            return (self._i0,)
        return self._is

    @inputs.setter
    def inputs(self, arrays) -> None:  # (after ``parents``, as many)
        if arrays is None:
            self._i0 = self._i1 = self._is = None
            return
        arrays = tuple(arrays)
        if len(arrays) != self._np:
            raise ValueError(f"{self.name()}: {len(arrays)} input arrays for "
                             f"{self._np} input tensors")
        if len(arrays) == 2:
            self._i0, self._i1 = arrays
        elif len(arrays) == 1:
            self._i0 = arrays[0]
        else:
            self._is = arrays

    @parents.setter
    def parents(self, tensors) -> None:
        if tensors is None:
            self._np, self._ps = -1, None
            self._p0 = self._p1 = None
            return
        tensors = tuple(tensors)
        n = self._np = len(tensors)
        if n == 2:
            self._p0, self._p1 = tensors
        elif n == 1:
            self._p0 = tensors[0]
        else:
            self._ps = tensors

    @property
    def skeleton(self) -> Skeleton | None:
        """What a plain ``backward()`` left of this node for drawings (``graph_skeleton``);
        None while the node is live (or was freed without one)."""
        flat = getattr(self, "_sk", None)
        return None if flat is None else Skeleton.of(flat)

    @classmethod
    def name(cls) -> str:
        """The op's name as error messages and graph drawings show it."""
        return cls.__name__.lower()

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"

    def needs_grad(self, i: int) -> bool:
        """Whether input ``i`` needs a gradient (lets backward skip work)."""
        if i < 2 and 0 < self._np <= 2:  # ``parents[i]``, spelled out
            return (self._p1 if i else self._p0).requires_grad
        return self.parents[i].requires_grad

    def uses_input(self, i: int) -> bool:
        """Whether backward reads input ``i`` (the version check asks; default: yes)."""
        return True

    def forward(self, *inputs, **params):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward is abstract")

    def backward(self, g, out, *inputs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.backward is abstract")


def _named_error(cls, exc: Exception, inputs) -> Exception:
    """``exc``'s type, with the op and the input shapes named."""
    shapes = ", ".join(str(getattr(a, "shape", "?")) for a in inputs)
    try:
        return type(exc)(f"{cls.name()}: {exc} (input shapes {shapes})")
    except Exception:  # e.g. NumPy's UFuncTypeError needs more arguments
        return TypeError(f"{cls.name()}: {exc} (input shapes {shapes})")


_ndarray = xp.ndarray
_Tensor = None  # set by tensor.py once Tensor is defined (avoids an import cycle)


def _register_tensor_class(cls) -> None:
    global _Tensor
    _Tensor = cls


# ----------------------------------------------------------------------------
# Graph traversal
# ----------------------------------------------------------------------------


def count_consumers(roots: Sequence, stale: list | None = None) -> dict:
    """For every non-leaf tensor reachable from ``roots``: how many op nodes in the
    graph take it as an input.

    One iterative pass (no recursion), linear in the size of the graph; tensors
    hash by identity, so they serve as their own keys.  Nodes made before the
    last in-place op get their edges checked (``versions.resolve_parents``) and
    are appended to ``stale`` when it is given.
    """
    deps: dict = {}
    stack = [r for r in roots if r._ctx is not None]
    # A root may also be an input of another root; with one root it cannot.
    seen = set(stack) if len(stack) > 1 else None
    tick = _TICK
    while stack:
        t = stack.pop()
        node = t._ctx
        n = node._np  # node.parents, spelled out (this loop and backward's are the hot ones)
        parents = (node._p0, node._p1) if n == 2 else (node._p0,) if n == 1 else node._ps
        if parents is None:
            raise RuntimeError(
                f"backward: trying to backward through the graph a second time "
                f"(op node {node.name()!r} was freed by an earlier backward); "
                f"pass retain_graph=True to the first backward to keep it"
            )
        if node._tick != tick:  # in-place ops ran since: point edges at the values used
            parents = _versions.resolve_parents(node)
            if stale is not None:
                stale.append(node)
        for p in parents:
            if p._ctx is not None:
                if p in deps:
                    deps[p] += 1
                else:
                    deps[p] = 1
                    if seen is None:
                        stack.append(p)
                    elif p not in seen:
                        seen.add(p)
                        stack.append(p)
    return deps


def run_backward(
    roots: Sequence,
    root_grads: Sequence,
    retain_graph: bool = False,
    create_graph: bool = False,
    inputs: Sequence | None = None,
):
    """Backpropagate ``root_grads`` from ``roots`` through the recorded graph.

    With ``inputs=None`` gradients are accumulated into the ``.grad`` of every
    leaf that requires grad (and of non-leaves that called ``retain_grad``).
    Otherwise nothing is accumulated and the gradients of ``inputs`` are
    returned, in order (``None`` for an input the roots do not depend on).
    """
    rec = _trace.ACTIVE
    if rec is not None and not rec.opaque:  # tm.compile is recording
        rec.backward(roots, root_grads, create_graph, inputs)
        rec.opaque += 1  # the tensors backward makes (.grad) are not the step's
        try:
            return run_backward(roots, root_grads, retain_graph, create_graph, inputs)
        finally:
            rec.opaque -= 1
    # Large graphs make many container objects; the cyclic collector would
    # rescan them all repeatedly while nothing here creates cycles.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    if create_graph and inputs is None:
        _warn_grad_cycle()
    # Record the backward ops only under create_graph (plain arrays need no mode).
    was_enabled = _state.enabled
    _state.enabled = create_graph
    try:
        return _backward(roots, root_grads, retain_graph, create_graph, inputs)
    finally:
        _state.enabled = was_enabled
        if gc_was_enabled:
            gc.enable()


def _backward(roots, root_grads, retain_graph, create_graph, inputs):
    if create_graph:
        root_grads = [g if isinstance(g, _Tensor) else _Tensor._wrap(g) for g in root_grads]
    # tensor -> gradient summed so far (arrays; Tensors under create_graph).  A
    # non-leaf's entry is complete when Kahn's order reaches it; leaves collect
    # theirs until the end and are delivered once.
    grads: dict = {}
    for r, g in zip(roots, root_grads):
        grads[r] = grads[r] + g if r in grads else g
    wanted = None if inputs is None else set(inputs)
    results: dict = {}
    handed: set = set()  # ids of the memory behind every gradient handed out so far
    # Kahn's algorithm: a node is processed once every node that consumes it has
    # been, so its gradient is complete; each node and edge is touched once.
    stale: list = []
    deps = count_consumers(roots, stale)
    tick = _TICK
    stale = bool(stale)  # usually False: then no node needs a version check
    hooks = _hooks.HOOKS or None  # id(tensor) -> [hook]; usually empty
    if len(roots) == 1:
        ready = [roots[0]] if roots[0]._ctx is not None and roots[0] not in deps else []
    else:
        ready = list({r: None for r in roots if r._ctx is not None and r not in deps})
    while ready:
        t = ready.pop()
        node = t._ctx
        n = node._np  # node.parents, spelled out
        parents = (node._p0, node._p1) if n == 2 else (node._p0,) if n == 1 else node._ps
        g = grads.pop(t, None)
        if g is None:  # the roots do not depend on this node
            in_grads = (None,) * len(parents)
        else:
            if stale and node._tick != tick:  # an in-place op ran since: values changed?
                _versions.check_saved(node, t)
            if hooks is not None and id(t) in hooks:
                g = _hooks.run_hooks(t, g)
            if wanted is None:
                if t._retains_grad:
                    _accumulate(t, g, handed)
            elif t in wanted:
                _deliver(t, g, wanted, results, handed)
            try:
                if create_graph:
                    in_grads = node.backward(g, t, *parents)
                elif n == 2:  # node.backward(g, t.data, *node.inputs), spelled out
                    in_grads = node.backward(g, t.data, node._i0, node._i1)
                elif n == 1:
                    in_grads = node.backward(g, t.data, node._i0)
                else:
                    in_grads = node.backward(g, t.data, *node._is)
            except TypeError as exc:
                raise _hooks.explain_type_error(node, exc) from exc
            if len(in_grads) != len(parents):
                raise RuntimeError(
                    f"{node.name()}: backward returned {len(in_grads)} gradients for "
                    f"{len(parents)} inputs; return one per input (None where there is none)"
                )
        if not retain_graph:
            extras = node.__dict__  # the extra arrays an op saved (masks, log-probs)
            node._sk = record_skeleton(parents, extras)  # the light structure draw_graph uses
            node._np = -1  # node.parents = None, spelled out
            node._p0 = node._p1 = node._ps = node._i0 = node._i1 = node._is = None
            if extras:
                extras.clear()
        for p, pg in zip(parents, in_grads):
            if p._ctx is not None:  # one consumer of p fewer to wait for
                n = deps[p] - 1
                deps[p] = n
                if n == 0:
                    ready.append(p)
            if pg is None or not p.requires_grad:
                continue
            pd = p.data
            if pg.shape != pd.shape:
                pg = sum_to_shape(pg, pd.shape)
            if pg.dtype is not pd.dtype and pg.dtype != pd.dtype:
                pg = pg.astype(pd.dtype)
            prev = grads.get(p)
            grads[p] = pg if prev is None else prev + pg
    for leaf, g in grads.items():  # only leaves are left
        if hooks is not None and id(leaf) in hooks:
            g = _hooks.run_hooks(leaf, g)
        if wanted is None and leaf.grad is None and type(g) is _ndarray:  # the common case
            leaf.grad = _new_grad(g, handed)
        else:
            _deliver(leaf, g, wanted, results, handed)
    if inputs is None:
        return None
    return [results.get(t) for t in inputs]


def _deliver(t, g, wanted, results, handed: set) -> None:
    if wanted is None:
        if t._ctx is None and t.requires_grad:
            _accumulate(t, g, handed)
    elif t in wanted:
        prev = results.get(t)
        results[t] = _own(g, handed) if prev is None else prev + g


def _own(g, handed: set):
    """``g``, or a copy of it if its memory was already handed to another tensor.

    Backward formulas may pass one array to several inputs (``Add`` returns
    ``g, g``; ``Reshape`` a view of ``g``; ``Sum`` a read-only broadcast view):
    each ``.grad`` must own writeable memory, yet copying every gradient would
    cost a pass over every parameter per step.
    """
    arr = g.data if isinstance(g, _Tensor) else g
    base = arr if arr.base is None else arr.base
    if id(base) in handed or not arr.flags.writeable:  # shared, or a broadcast view
        return g * 1 if isinstance(g, _Tensor) else arr.copy()  # (g * 1 keeps the graph)
    handed.add(id(base))
    return g


def _new_grad(g, handed: set):
    """A leaf's first ``.grad``: a Tensor around the array ``g`` itself, or around a copy
    of it (``_own``'s rule, spelled out for arrays: this runs for every parameter)."""
    if type(g) is not _ndarray:
        return _Tensor._wrap(_own(g, handed))
    key = id(g) if g.base is None else id(g.base)
    if key in handed or not g.flags.writeable:
        return _Tensor._wrap(g.copy())
    handed.add(key)
    return _Tensor._wrap(g)


def _accumulate(t, g, handed: set) -> None:
    """``t.grad += g`` as PyTorch does (a new array: never writes into another's memory)."""
    if t.grad is None:
        g = _own(g, handed)
        t.grad = g if isinstance(g, _Tensor) else _Tensor._wrap(g)
    elif isinstance(g, _Tensor) or t.grad.requires_grad:
        t.grad = t.grad + g
    else:
        t.grad = _Tensor._wrap(t.grad.data + g)


def sum_to_shape(g, shape: tuple):
    """Undo broadcasting: sum ``g`` over the axes along which ``shape`` was expanded.

    The one place broadcast gradients are reduced; works for arrays and Tensors.
    """
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape != shape:
        g = g.reshape(shape)
    return g


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
):
    """Gradients of ``outputs`` with respect to ``inputs``, like ``torch.autograd.grad``.

    Nothing is accumulated into ``.grad``.  ``retain_graph`` defaults to
    ``create_graph``.  Returns a tuple of Tensors, one per input.
    """
    outputs = _as_list(outputs)
    inputs = _as_list(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    grad_outputs = _as_list(grad_outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(
            f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs"
        )
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    seeds = [_seed_grad(o, g, create_graph, "grad") for o, g in zip(outputs, grad_outputs)]
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(outputs, seeds, retain_graph, create_graph, inputs)
    out = []
    for i, (t, g) in enumerate(zip(inputs, results)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {t.shape}) was not used to compute the "
                    f"outputs; pass allow_unused=True to get None for it"
                )
            out.append(None)
        else:
            out.append(g if isinstance(g, _Tensor) else _Tensor._wrap(g))
    return tuple(out)


def _as_list(x) -> list:
    if isinstance(x, _Tensor) or x is None:
        return [x]
    if isinstance(x, Iterable):
        return list(x)
    return [x]


def _seed_grad(out, g, create_graph: bool, opname: str):
    """The gradient that starts backward at ``out``: ones for a scalar, else ``g``."""
    if not out.requires_grad:
        raise RuntimeError(
            f"{opname}: the output (shape {out.shape}) does not require grad and has "
            f"no op node; did you compute it under no_grad() or from tensors "
            f"without requires_grad=True?"
        )
    if g is None:
        if out.data.size != 1:
            raise RuntimeError(
                f"{opname}: grad can be implicitly created only for scalar outputs; "
                f"the output has shape {out.shape}, so pass gradient= of that shape"
            )
        return xp.ones(out.data.shape, out.data.dtype)  # (ones_like is a slow Python wrapper)
    # A copy: the caller's array must not end up as (or inside) some leaf's .grad.
    gd = xp.array(g.data if isinstance(g, _Tensor) else g, dtype=out.data.dtype, copy=True)
    if gd.shape != out.data.shape:
        raise ValueError(
            f"{opname}: grad has shape {gd.shape} but the output has shape {out.shape}"
        )
    if create_graph and isinstance(g, _Tensor):
        return g
    return gd


def backward(
    tensors,
    grad_tensors=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs=None,
) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad``, like
    ``torch.autograd.backward``: ``grad_tensors`` one per tensor (None for a
    scalar), ``inputs`` (optional) the only tensors that accumulate."""
    tensors = _as_list(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    grad_tensors = _as_list(grad_tensors)
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(f"backward: got {len(grad_tensors)} grad_tensors for "
                           f"{len(tensors)} tensors")
    seeds = [_seed_grad(t, g, create_graph, "backward") for t, g in zip(tensors, grad_tensors)]
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        run_backward(tensors, seeds, keep, create_graph)
        return
    inputs = _as_list(inputs)
    results = run_backward(tensors, seeds, keep, create_graph, inputs)
    handed: set = set()
    for t, g in zip(inputs, results):
        if g is not None:
            _accumulate(t, g, handed)


def register_hook(tensor, hook):
    """``tensor.register_hook(hook)``: see ``hooks.py``."""
    return _hooks.register(tensor, hook)


class FunctionCtx:
    """The ``ctx`` type of custom Functions (for type hints; the op node itself is the ctx)."""


def __getattr__(name: str):
    if name == "dual":  # tm.autograd.dual: the array-or-Tensor helpers for custom backwards
        from .ops import dual

        return dual
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_warned_cycle = False


def _warn_grad_cycle() -> None:
    """Warn once, as PyTorch does: under create_graph, each leaf's .grad has a graph that
    refers back to the leaf (it must, for the next derivative), a reference cycle."""
    global _warned_cycle
    if not _warned_cycle:
        _warned_cycle = True
        import warnings

        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between "
            "the parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this "
            "function, make sure to reset the .grad fields of your parameters to None after "
            "use to break the cycle and avoid the leak.", UserWarning, stacklevel=4)


# tm.autograd.detect_anomaly & co., where torch.autograd has them (defined in anomaly.py).
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: E402,F401
