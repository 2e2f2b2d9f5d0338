"""The code a ``tm.compile`` replay runs: the tape written out as one Python function.

``replay.py`` records a step as a tape (the op nodes, each backward's plan from
``_replay_plan.py``, the recorded calls such as ``optimizer.step``).  Walking
that tape at every replay would cost a loop turn, a tuple unpacking and a few
branches per op; instead ``build`` writes it out once as straight-line Python,
one short block per op and per backward node, with every array in a local
variable, and compiles it.  A replay is then one call of that function.

The function calls what eager mode calls — each node's own ``forward`` and
``backward``, ``sum_to_shape``, the same accumulation in the same order — on the
same arrays, so its results are bit-identical to eager mode's.  What it leaves
out is only what recording settled: which node comes next, which inputs need
a gradient, where each gradient goes.  ``CompiledStep.code`` shows the source;
for a two-layer step it reads (objects are numbered in order of first use)::

    a0_0 = T0.data                       # the input, then the weight and the bias
    ...
    o0 = F3(a0_0, a0_1, a0_2)            # Linear.forward(x, W, b)
    if type(o0) is not ndarray: o0 = asarray(o0)
    T4.data = o0
    ...
    q0, q1, q2 = B20(g0_1, o2, o1, a2_1, a2_2)   # the second Linear's backward
    ...
"""

from __future__ import annotations

import numpy as np

from . import autograd
from ._replay_plan import Replay

__all__ = ["build"]

_ERRORS = "(ValueError, IndexError, TypeError)"  # what a forward raises on bad inputs


def build(tape: list):
    """The replay function of ``tape`` (``replay.Recorder.tape``) and its source.

    ``fn(arrays)`` runs the recorded step on the argument arrays ``arrays``: the
    forward ops (raising ``Replay`` where an op rejects its inputs before anything
    was updated), the backwards and the recorded calls, in the recorded order.
    """
    w = _Writer()
    for entry in tape:
        if entry[0] == "op":
            w.op(*entry[1:])
        elif entry[0] == "backward":
            w.backward(entry[1])
        else:
            w.call(*entry[1:])
    w.close_forward()
    source = "\n".join(["def replay(arrays):"] + (w.lines or ["    pass"])) + "\n"
    code = compile(source, "<tm.compile replay>", "exec")
    exec(code, w.ns)  # noqa: S102 - our own generated source, names bound in w.ns
    return w.ns.pop("replay"), source  # (left in its own globals, it would be a cycle)


def _mismatch(leaf, was_none: bool, committed: bool):
    """A leaf's ``.grad`` is None where the recording found it set, or the other way."""
    why = (f"a .grad of shape {leaf.shape} is {'set' if was_none else 'None'} where the "
           f"recorded step found it {'None' if was_none else 'set'} (a .grad reset "
           f"outside zero_grad?)")
    if committed:  # too late to run eagerly instead
        raise RuntimeError(f"tm.compile: {why}")
    raise Replay() from RuntimeError(why)


class _Writer:
    """Writes the replay function's body, line by line, and names the objects it uses."""

    def __init__(self):
        self.lines: list[str] = []
        self.ns: dict = {"ndarray": np.ndarray, "asarray": np.asarray, "Replay": Replay,
                         "sum_to_shape": autograd.sum_to_shape, "new_grad": autograd._new_grad,
                         "accumulate": autograd._accumulate,
                         "mismatch": _mismatch}
        self.named: dict[int, str] = {}  # id(object) -> its name in ns
        self.out: dict[int, str] = {}  # id(op output tensor) -> the local holding its array
        self.node_op: dict[int, tuple] = {}  # id(node) -> (output local, input locals)
        self.n_ops = self.n_plans = 0
        self.committed = False  # a backward or a non-idempotent call came before
        self.in_try = False  # inside the try block of forward ops not yet committed

    def name(self, obj, prefix: str) -> str:
        key = id(obj)
        if key not in self.named:
            self.named[key] = f"{prefix}{len(self.named)}"
            self.ns[self.named[key]] = obj
        return self.named[key]

    def emit(self, line: str) -> None:
        self.lines.append(("        " if self.in_try else "    ") + line)

    # ------------------------------------------------------------------ forward
    def op(self, node, tensors, params, out, subs) -> None:
        if not self.committed and not self.in_try:
            self.lines.append("    try:")
            self.in_try = True
        k = self.n_ops
        self.n_ops += 1
        args = []
        for j, t in enumerate(tensors):
            local = self.out.get(id(t))
            if local is None:  # a parameter, an argument, a constant: read afresh
                local = f"a{k}_{j}"
                self.emit(f"{local} = {self.name(t, 'T')}.data")
            args.append(local)
        call = ", ".join(args)
        if params:
            p = self.name(dict(params), "P")  # this tape's own dict: subs write into it
            for key, i in subs:
                self.emit(f"{p}[{key!r}] = arrays[{i}]")
            check = getattr(node, "check_replay", None) if subs else None
            if check is not None:
                ins = f"({call},)" if args else "()"
                self.emit(f"{self.name(check, 'C')}({ins}, {p})")
            call += f", **{p}" if call else f"**{p}"
        o = f"o{k}"
        self.emit(f"{o} = {self.name(node.forward, 'F')}({call})")
        self.emit(f"if type({o}) is not ndarray: {o} = asarray({o})")
        self.emit(f"{self.name(out, 'T')}.data = {o}")
        self.out[id(out)] = o
        if out._ctx is node:  # its node is in the graph: backward reads these locals
            node.parents = tensors  # (the recording's backward freed them)
            self.node_op[id(node)] = (o, args)

    def close_forward(self) -> None:
        if self.in_try:
            self.in_try = False
            self.lines.append(f"    except {_ERRORS} as exc:")
            self.lines.append("        raise Replay() from exc")

    # ----------------------------------------------------------------- backward
    def backward(self, plan) -> None:
        """A ``backward_plan``'s steps written out in order: the sums of ``autograd._backward``,
        in its order, and the leaves' ``.grad`` delivered as it delivers them."""
        self.close_forward()
        steps, leaves, n, seed = plan
        b = self.n_plans
        self.n_plans += 1
        for _, leaf, was_none in leaves:
            self.emit(f"if ({self.name(leaf, 'L')}.grad is None) is not {was_none}: "
                      f"mismatch({self.name(leaf, 'L')}, {was_none}, {self.committed})")
        if not steps:
            self.committed = True
            return
        g = [f"g{b}_{i}" for i in range(n)]
        for start in range(1, n, 40):
            self.emit(" = ".join(g[start:start + 40]) + " = None")
        self.emit(f"{g[0]} = {self.name(seed, 'S')}.copy()")
        written: set = set()
        for i, backward, node, t, edges in steps:
            indent = "" if i == 0 else "    "
            if i != 0:
                self.emit(f"if {g[i]} is not None:")
            o, args = self.node_op.get(id(node)) or (
                f"{self.name(t, 'T')}.data", [f"*{self.name(node, 'N')}.inputs"])
            results = [f"q{j}" if e is not None else "_" for j, e in enumerate(edges)]
            call = f"{self.name(backward, 'B')}({', '.join([g[i], o] + args)})"
            if results:
                self.emit(f"{indent}{', '.join(results)}{',' if len(results) == 1 else ''} = "
                          f"{call}")
            else:  # (no inputs: nothing to unpack)
                self.emit(f"{indent}{call}")
            self.emit(f"{indent}{g[i]} = None")
            for j, edge in enumerate(edges):
                if edge is None:
                    continue
                slot, shape, dtype = edge
                q, d = f"q{j}", self.name(dtype, "D")
                self.emit(f"{indent}if {q} is not None:")
                self.emit(f"{indent}    if {q}.shape != {shape!r}: {q} = sum_to_shape({q}, "
                          f"{shape!r})")
                self.emit(f"{indent}    if {q}.dtype is not {d} and {q}.dtype != {d}: "
                          f"{q} = {q}.astype({d})")
                if slot in written:
                    self.emit(f"{indent}    {g[slot]} = {q} if {g[slot]} is None else "
                              f"{g[slot]} + {q}")
                else:  # the first edge into this slot: nothing was summed there yet
                    written.add(slot)
                    self.emit(f"{indent}    {g[slot]} = {q}")
        self.emit("handed = set()")
        for i, leaf, was_none in leaves:  # (each .grad is None or not as checked above)
            lf = self.name(leaf, "L")
            self.emit(f"if {g[i]} is not None:")
            self.emit(f"    {lf}.grad = new_grad({g[i]}, handed)" if was_none else
                      f"    accumulate({lf}, {g[i]}, handed)")
        self.committed = True

    # ------------------------------------------------------------ recorded calls
    def call(self, fn, args, kwargs, idempotent) -> None:
        self.close_forward()
        self.committed = self.committed or not idempotent
        line = f"{self.name(fn, 'M')}(*{self.name(args, 'A')}"
        self.emit(line + (f", **{self.name(kwargs, 'K')})" if kwargs else ")"))
