"""Version counters: in-place ops are safe because backward checks what they changed.

Every in-place op (``x += 1``, ``x[0] = 5``, ``x.zero_()`` …) ticks one global
clock (``autograd._TICK``) and appends the tick to the tensor's counter
``_vc`` — a list shared by the tensor, its views and ``detach()``-ed copies,
so a change through any of them counts for all.  A tensor's version is
``len(_vc)``.  Each op node records the clock when it was made (``_tick``).

At backward, a node whose ``_tick`` is not the current clock (some in-place
op ran since it was made; otherwise nothing is looked at) checks the values
it saved: a saved input or output changed after the node was made raises
PyTorch's error instead of giving a wrong gradient.  The same test finds the
edges of nodes that consumed a tensor *before* an in-place op re-based it onto
a new node (``resolve_parents``): those edges are pointed back at the value
the node really used.
"""

from __future__ import annotations

from . import autograd


def bump(t) -> None:
    """Record one in-place change of ``t``'s memory."""
    autograd._TICK += 1
    vc = t._vc
    if vc is None:
        t._vc = [autograd._TICK]
    else:
        vc.append(autograd._TICK)


def share(src, dst) -> None:
    """Make ``dst`` (a view of ``src``'s memory) share ``src``'s version counter."""
    if src._vc is None:
        src._vc = []
    dst._vc = src._vc


def version_at(vc, tick: int) -> int:
    """The version a counter had at time ``tick``."""
    return sum(1 for t in vc if t <= tick) if vc else 0


def resolve_parents(node) -> tuple:
    """``node.parents``, each replaced by the value it had when ``node`` was made.

    An in-place op on a non-leaf makes the tensor the output of a new node and
    keeps its old value (a copy) as that node's ``_old`` input; a node made
    earlier still means the old value.  The fix is written back into
    ``node.parents`` and ``node.inputs``, so its gradient is right (where
    PyTorch, which keeps no copy, raises instead).
    """
    parents = node.parents
    fixed = None
    for i, p in enumerate(parents):
        q = p
        while q._ctx is not None and q._ctx._tick > node._tick and "_old" in q._ctx.__dict__:
            q = q._ctx.__dict__["_old"]
        if q is not p:
            if fixed is None:
                fixed = list(parents)
            fixed[i] = q
    if fixed is not None:  # the saved arrays too: the old value lives on in the copy
        node.parents = parents = tuple(fixed)
        if node.inputs is not None:
            node.inputs = tuple(p.data for p in parents)
    return parents


def check_saved(node, out) -> None:
    """Raise PyTorch's RuntimeError if a value ``node`` saved for backward was
    changed in place after the node was made."""
    tick = node._tick
    cls = type(node)
    if cls.saves_inputs:
        for i, p in enumerate(node.parents):
            vc = p._vc
            if vc and vc[-1] > tick and node.uses_input(i):
                raise _modified(node, p, f"input {i}", tick)
    vc = out._vc
    if cls.saves_output and vc and vc[-1] > tick:
        raise _modified(node, out, "output 0", tick)


def _modified(node, t, which: str, tick: int) -> RuntimeError:
    return RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [tensor of shape {list(t.shape)}, dtype {t.dtype}], which is "
        f"{which} of {type(node).__name__}Backward (op {node.name()!r}), is at version "
        f"{len(t._vc)}; expected version {version_at(t._vc, tick)} instead. Hint: the "
        f"in-place op ran after this value was used; use an out-of-place op "
        f"(x = x + 1 instead of x += 1) or clone() the tensor first."
    )
