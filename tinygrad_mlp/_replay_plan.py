"""The backward half of a ``tm.compile`` replay: the engine's walk, worked out once.

``backward_plan`` follows ``autograd._backward`` over a recorded graph (the same
Kahn order, so gradients sum in the same order and come out bit-identical) and
writes down what each step does; ``_replay_code.py`` writes those steps out as
Python that every replay runs: no consumer counting, no dictionary of tensors,
no freeing of the graph.
"""

from __future__ import annotations

import numpy as np

from . import autograd

__all__ = ["Replay", "backward_plan"]


class Replay(Exception):
    """A replay cannot go on (an op rejected its inputs): run the step eagerly instead."""


def backward_plan(root, rec) -> tuple:
    """The engine's backward walk for this graph, worked out once (``_replay_code`` writes it out).

    ``rec`` (the ``replay.Recorder``) hears of what a replay could not repeat.  The
    same Kahn order as ``autograd._backward``.  Returns the steps, one per node: (the
    gradient slot of its output, its backward, the node, its output tensor, per input
    (slot, shape, dtype) or None); the (slot, leaf, whether its .grad was None) of each
    leaf whose gradient goes to ``.grad``; the number of slots; the seed gradient.
    """
    deps = autograd.count_consumers([root])
    slot = {root: 0}
    steps = []
    ready = [root] if root._ctx is not None and root not in deps else []
    while ready:
        t = ready.pop()
        if t._retains_grad:
            rec.refuse("retain_grad() on a tensor inside the step")
        node = t._ctx
        edges = []
        for p in node.parents:
            if p._ctx is not None:
                deps[p] -= 1
                if deps[p] == 0:
                    ready.append(p)
            if p.requires_grad:
                edges.append((slot.setdefault(p, len(slot)), p.data.shape, p.data.dtype))
            else:
                edges.append(None)
        steps.append((slot[t], node.backward, node, t, tuple(edges)))
    # Whether each leaf's .grad was None when recorded: a replay finding otherwise means
    # Python code the tape does not hold (``p.grad = None``) ran, and must not go on.
    leaves = [(i, p, p.grad is None) for p, i in slot.items() if p._ctx is None]
    seed = np.ones(root.data.shape, root.data.dtype)  # dL/dL, copied at each replay
    return steps, leaves, len(slot), seed
