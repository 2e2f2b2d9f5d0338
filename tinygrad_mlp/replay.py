"""``tm.compile(step)``: record a fixed-shape training step once, then replay it.

An eager step spends much of its time in Python: modules call functionals,
functionals check their arguments, every op makes a Tensor and an op node,
backward counts consumers and frees the graph.  For a step whose shapes and
control flow do not change from call to call (the usual training step), all
of that work gives the same answer every time.  ``compile`` runs it once while
recording, and afterwards replays only the arithmetic — the way tinygrad's
``TinyJit`` and CUDA graphs remove per-step overhead::

    @tm.compile
    def step(xb, yb):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    for xb, yb in loader:
        loss = step(xb, yb)       # call 1 eager, call 2 records, then replays

What is recorded (the *tape*), in the order the step did it:

* every op node the step applied, with its inputs and settings: a replay runs
  the node's own ``forward`` again on the current input arrays (the same code
  as eager mode, so the results are bit-identical);
* each ``backward``: the engine's own walk over the recorded graph, worked out
  once (``_replay_plan.py``) and replayed in the same order;
* ``optimizer.zero_grad()``, ``optimizer.step()`` and ``module.zero_grad()``:
  called again as they are (learning-rate schedulers keep working).

The tape is then written out once as a Python function (``_replay_code.py``;
``step.code`` shows its source) that calls the same ``forward``/``backward``
methods on the same arrays in the same order, with nothing left to decide.

The step's arguments (Tensors, ndarrays) are the data that changes between
calls; parameters and buffers are read afresh at every replay; anything else
the step reads is frozen at recording time, and its own Python (a counter, a
print) does not run at a replay.  A replay returns what the step
returned, as new Tensors with no graph (backward has already run).

When a replay cannot be trusted, the step runs eagerly, with a warning:

* the arguments' shapes, dtypes or other (non-array) values differ from the
  recorded call's (the last, smaller batch of an epoch, say);
* while recording, the step read a tensor's value into Python (``item``,
  ``bool``, ``float``, ``tolist``, ``numpy``, printing): its control flow may
  depend on the data; or it drew random numbers (dropout), updated running
  statistics (batch norm in training), ran hooks or custom Functions,
  changed a tensor in place, or handed an op an array it computed itself
  (NumPy on an argument, batch norm's buffers) — work a replay would skip;
* a module is in the other mode (``train()``/``eval()``) than when recorded, or a
  ``.grad`` is None where the recording found it set or the other way round
  (``p.grad = None`` in the step is plain Python, not on the tape);
* a replayed op rejects its inputs (an out-of-range label): the eager run
  then raises the error an eager step would, or computes what it should.
  After a replayed backward or optimizer step, the error is raised instead
  (an eager rerun would update twice).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import numpy as np

from . import _trace, autograd
from . import hooks as _hooks
from ._replay_code import build as build_replay
from ._replay_plan import Replay as _Replay
from ._replay_plan import backward_plan
from .tensor import Tensor

__all__ = ["compile", "CompiledStep"]


class Recorder:
    """What one recording sees: the tape, the argument arrays, and whether it may be
    replayed (``refused`` names the first reason not to)."""

    def __init__(self, slots: dict[int, int]):
        self.slots = slots  # id(argument array) -> its position among the arrays
        self.tape: list = []
        self.created: list = []  # leaf tensors made during the step
        self.refused: str | None = None
        self.opaque = 0  # > 0 inside a recorded call (optimizer.step): ops not recorded
        self.modules: dict = {}  # id -> (module, its .training) of every module called
        self.tick = autograd._TICK

    def refuse(self, reason: str) -> None:
        if self.refused is None:
            self.refused = reason

    # --- what the engine reports (see _trace.ACTIVE's readers) -------------------------
    def op(self, node, tensors: tuple, params: dict, out) -> None:
        if self.opaque:
            return
        subs = []
        for k, v in params.items():
            if isinstance(v, np.ndarray):
                if id(v) in self.slots:  # an argument array (labels, indices): swapped
                    subs.append((k, self.slots[id(v)]))
                elif v.flags.writeable:  # computed in the step, maybe from the data
                    self.refuse(f"{type(node).name()} got an array ({k}=) computed inside the "
                                f"step or taken from a module's buffers; pass it as an "
                                f"argument")
        self.tape.append(("op", node, tensors, params, out, subs))

    def made(self, t) -> None:
        """A leaf tensor made inside the step: fine from an argument array (swapped at
        replay) or as a read-only constant (``x * 2``); any other is computed outside
        the op graph (a comparison, ``argmax``, ``tm.tensor(...)``), which a replay
        could not recompute."""
        if self.opaque:
            return
        d = t.data
        if id(d) in self.slots:
            self.created.append(t)
        elif d.flags.writeable:
            self.refuse("a tensor was made inside the step outside the op graph (a "
                        "comparison, argmax, tm.tensor(...)); compute it outside the step")

    def backward(self, roots, root_grads, create_graph, inputs) -> None:
        if create_graph or inputs is not None or len(roots) != 1:
            self.refuse("backward with create_graph, inputs or several roots (or tm.grad)")
            return
        if _hooks.HOOKS:
            self.refuse("tensor hooks (register_hook) run in backward")
        (root,), (g,) = roots, root_grads
        if root._ctx is None or root.data.size != 1 or not np.all(g == 1):
            self.refuse("backward from a non-scalar or with an explicit gradient")
            return
        self.tape.append(("backward", backward_plan(root, self)))

    def call(self, fn: Callable, args: tuple, kwargs: dict, idempotent: bool = False):
        """Run ``fn(*args, **kwargs)`` now and put it on the tape (ops inside not recorded).
        ``idempotent``: calling it twice does what calling it once does (``zero_grad``)."""
        if self.opaque:
            return fn(*args, **kwargs)
        self.tape.append(("call", fn, args, kwargs, idempotent))
        self.opaque += 1
        try:
            return fn(*args, **kwargs)
        finally:
            self.opaque -= 1


class CompiledStep:
    """A step function recorded once and replayed (see the module docstring)."""

    def __init__(self, fn: Callable, warn: bool = True):
        self.fn = fn
        self.warn = warn
        self.calls = 0
        self.replays = 0
        self._key = None
        self._tape = None
        self._refused: str | None = None  # why this step is never replayed
        self.code: str | None = None  # the replay function's source, once recorded
        self._warned: set = set()
        functools.update_wrapper(self, fn)

    def __repr__(self) -> str:
        state = ("eager: " + self._refused if self._refused else
                 "recorded" if self._tape is not None else "not yet recorded")
        return f"<compiled {getattr(self.fn, '__name__', 'step')} ({state})>"

    # ------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self._refused is not None or _trace.ACTIVE is not None:
            return self.fn(*args, **kwargs)
        key = _signature(args, kwargs)
        if self._tape is None:
            if self.calls == 1:  # warm-up: lazy state (optimizer moments) gets made
                return self.fn(*args, **kwargs)
            return self._record(key, args, kwargs)
        if key != self._key:
            self._warn(f"arguments {_describe(key)} differ from the recorded call's "
                       f"{_describe(self._key)}", key)
            return self.fn(*args, **kwargs)
        for m, training in self._modules:
            if m.training is not training:
                self._warn(f"{type(m).__name__} is in {'training' if m.training else 'eval'} "
                           f"mode, recorded in the other", ("mode", id(m), m.training))
                return self.fn(*args, **kwargs)
        try:
            out = self._replay(args, kwargs)
        except _Replay as exc:
            self._warn(f"a replayed op rejected its inputs ({exc.__cause__}); ran eagerly",
                       ("rejected", str(type(exc.__cause__))))
            return self.fn(*args, **kwargs)
        self.replays += 1
        return out

    def _warn(self, why: str, key) -> None:
        if self.warn and key not in self._warned:
            self._warned.add(key)
            warnings.warn(f"tm.compile({getattr(self.fn, '__name__', 'step')}): {why}; "
                          f"running eagerly", RuntimeWarning, stacklevel=3)

    # ---------------------------------------------------------------- recording
    def _record(self, key, args, kwargs):
        arrays = _arrays(args, kwargs)
        slots = {id(a): i for i, a in enumerate(arrays)}
        # Tensor arguments are passed as stand-ins we own, so that replays can swap
        # their data without touching the caller's tensors.
        stand_ins = {}
        for a in _tensors(args, kwargs):
            if a.requires_grad:
                self._refused = "an argument requires grad (pass data, keep parameters inside)"
                self._warn(self._refused, "refused")
                return self.fn(*args, **kwargs)
            stand_ins[id(a)] = Tensor._wrap(a.data)
        rec_args, rec_kwargs = _map_tensors((args, kwargs), lambda t: stand_ins[id(t)])
        rec = Recorder(slots)
        _trace.ACTIVE = rec
        try:
            out = self.fn(*rec_args, **rec_kwargs)
        finally:
            _trace.ACTIVE = None
        if autograd._TICK != rec.tick:
            rec.refuse("a tensor was changed in place during the step")
        made = {id(e[4]) for e in rec.tape if e[0] == "op"}
        made.update(id(t) for t in rec.created)
        made.update(id(t) for t in stand_ins.values())
        for o in _flat(out):
            if isinstance(o, np.ndarray):
                rec.refuse("the step returns an array; return Tensors (a replay recomputes "
                           "only those)")
            elif isinstance(o, Tensor) and id(o) not in made:
                rec.refuse("the step returns a tensor that no op of the step computed (a "
                           ".grad, a parameter): a replay would return it unchanged")
        if not any(e[0] == "backward" for e in rec.tape) and any(
                isinstance(o, Tensor) and o.requires_grad for o in _flat(out)):
            rec.refuse("the step returns a tensor that requires grad but runs no backward "
                       "(a replay returns results without a graph)")
        leaves = self._check_created(rec, slots)
        if rec.refused is not None:
            self._refused = rec.refused
            self._warn(f"cannot be replayed: {rec.refused}", "refused")
            return out
        self._key, self._tape, self._leaves = key, rec.tape, leaves
        self._modules = list(rec.modules.values())
        self._run, self.code = build_replay(rec.tape)
        self._stand_ins = [(slots[id(a.data)], s) for a, s in
                           ((a, stand_ins[id(a)]) for a in _tensors(args, kwargs))]
        self._out = out
        self._simple = not kwargs and all(k[0] == "array" for k in key)
        # Replays write their results into the recorded tensors: the caller gets copies.
        return _map_tensors(out, lambda t: Tensor._wrap(t.data))

    @staticmethod
    def _check_created(rec: Recorder, slots: dict) -> list:
        """(argument position, tensor) of the leaves made from argument arrays
        (``tm.from_numpy(x)`` inside the step): their data is swapped at replay."""
        return [(slots[id(t.data)], t) for t in rec.created]

    # ------------------------------------------------------------------ replaying
    def _replay(self, args, kwargs):
        if kwargs or not self._simple:
            arrays = _arrays(args, kwargs)
        else:  # positional Tensors and arrays only (the key says so)
            arrays = [a.data if type(a) is Tensor else a for a in args]
        for i, s in self._stand_ins:
            s.data = arrays[i]
        for i, t in self._leaves:
            t.data = arrays[i]
        self._run(arrays)
        out = self._out
        if type(out) is Tensor:
            return Tensor._wrap(out.data)
        return _map_tensors(out, lambda t: Tensor._wrap(t.data))


def compile(fn: Callable | None = None, *, warn: bool = True):
    """Record ``fn`` (a training step of fixed shapes) once and replay it afterwards.

    ``@tm.compile`` or ``tm.compile(fn)``; ``warn=False`` silences the warnings of
    eager fallbacks.  See ``tinygrad_mlp/replay.py`` for what is recorded and when
    a call runs eagerly instead.  Returns a ``CompiledStep`` (``.replays`` counts
    the calls that were replayed).
    """
    if fn is None:
        return lambda f: CompiledStep(f, warn=warn)
    return CompiledStep(fn, warn=warn)


# ------------------------------------------------------------------- helpers
def _flat(obj):
    """The leaves of nested tuples/lists/dicts, in order."""
    if isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _flat(o)
    elif isinstance(obj, dict):
        for k in sorted(obj, key=str):
            yield from _flat(obj[k])
    else:
        yield obj


def _arrays(args, kwargs) -> list:
    """The data arrays of the arguments (Tensors' ``.data`` and ndarrays), in order."""
    return [o.data if isinstance(o, Tensor) else o for o in _flat((args, kwargs))
            if isinstance(o, (Tensor, np.ndarray))]


def _tensors(args, kwargs) -> list:
    return [o for o in _flat((args, kwargs)) if isinstance(o, Tensor)]


def _map_tensors(obj, f):
    if isinstance(obj, Tensor):
        return f(obj)
    if isinstance(obj, tuple):
        return tuple(_map_tensors(o, f) for o in obj)
    if isinstance(obj, list):
        return [_map_tensors(o, f) for o in obj]
    if isinstance(obj, dict):
        return {k: _map_tensors(v, f) for k, v in obj.items()}
    return obj


def _signature(args, kwargs) -> tuple:
    """What must match for a replay: each array's shape and dtype, every other value."""
    if not kwargs:  # the usual case: positional Tensors and arrays
        sig = []
        for a in args:
            if type(a) is Tensor:
                a = a.data
            elif type(a) is not np.ndarray:
                break
            sig.append(("array", a.shape, a.dtype))
        else:
            return tuple(sig)
    sig = []
    for o in _flat((args, kwargs)):
        if isinstance(o, (Tensor, np.ndarray)):
            d = o.data if isinstance(o, Tensor) else o
            sig.append(("array", d.shape, d.dtype))
        else:
            try:
                hash(o)
                sig.append(("value", type(o).__name__, o))
            except TypeError:
                sig.append(("object", id(o)))
    return tuple(sig)


def _describe(key) -> str:
    parts = []
    for k in key or ():
        parts.append(f"{k[1]} {np.dtype(k[2]).name}" if k[0] == "array" else repr(k[-1]))
    return "(" + ", ".join(parts) + ")"
