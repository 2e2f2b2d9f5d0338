"""One view of a computation graph, whether it is still live or was freed by ``backward()``.

Before ``backward()`` (or after ``backward(retain_graph=True)``) every op node
knows its input tensors.  After a plain ``backward()`` only each node's
``skeleton`` is left (see ``tinygrad_mlp.graph_skeleton``): shapes, dtypes,
the op's settings and weak links to the tensors the user still holds.  The
drawings read both through ``TView`` (a tensor) and ``OView`` (an op node):

* ``TView.tensor`` is the live Tensor, or None where it was freed;
* ``TView.op`` is the ``OView`` of the op that made it (None for a leaf);
* ``OView.live`` says whether the op's arrays are still there (only then can
  the saturation of a sigmoid be measured, or a scalar value be shown).

``build(roots)`` walks breadth first from the roots, iteratively, and returns
the tensors in walk order; node keys are stable: ``id`` of the op node for a
computed tensor, ``id`` of the tensor (or of its weak reference) for a leaf.
"""

from __future__ import annotations

from collections import deque

__all__ = ["OView", "TView", "build", "kahn_order"]


class TView:
    """A tensor of the graph: live (``tensor``) or remembered (shape, dtype, name)."""

    __slots__ = ("key", "tensor", "shape", "dtype", "requires_grad", "name", "op")

    def __init__(self, key, tensor, shape, dtype, requires_grad, name, op):
        self.key, self.tensor, self.shape, self.dtype = key, tensor, tuple(shape), dtype
        self.requires_grad, self.name, self.op = requires_grad, name, op

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def numel(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    @property
    def grad(self):
        return None if self.tensor is None else self.tensor.grad

    @property
    def data(self):
        return None if self.tensor is None else self.tensor.data

    @property
    def retains_grad(self) -> bool:
        return self.tensor is not None and self.tensor._retains_grad

    @property
    def is_leaf(self) -> bool:
        return self.op is None


class OView:
    """An op node of the graph: its name, settings and input tensors (``parents``)."""

    __slots__ = ("key", "node", "name", "extras", "parents", "live", "out")

    def __init__(self, node, out: TView | None):
        self.key, self.node, self.name = id(node), node, type(node).name()
        self.live = node.parents is not None
        self.out = out
        self.parents: list[TView] = []
        if self.live:
            self.extras = node.__dict__
        else:
            sk = node.skeleton
            if sk is None:
                raise RuntimeError(
                    f"draw_graph: op node {self.name!r} was freed by backward() and kept no "
                    f"skeleton; draw before backward(), or call backward(retain_graph=True)")
            self.extras = sk.extras

    def get(self, name: str, default=None):
        return self.extras.get(name, default)


def build(roots: list) -> list[TView]:
    """The tensors reachable from ``roots`` (Tensors), breadth first, each once."""
    views: dict = {}
    order: list[TView] = []
    queue: deque = deque()

    def live(t) -> TView:
        key = id(t._ctx) if t._ctx is not None else id(t)
        v = views.get(key)
        if v is None:
            v = TView(key, t, t.data.shape, t.data.dtype, t.requires_grad, t.name, None)
            views[key] = v
            if t._ctx is not None:
                v.op = OView(t._ctx, v)
            queue.append(v)
            order.append(v)
        return v

    def remembered(entry) -> TView:
        node, ref, shape, dtype, requires_grad, name = entry
        t = ref()
        if t is not None and t._ctx is node:
            return live(t)
        key = id(node) if node is not None else id(ref)
        v = views.get(key)
        if v is None:
            v = TView(key, None, shape, dtype, requires_grad, name, None)
            views[key] = v
            if node is not None:
                v.op = OView(node, v)
            queue.append(v)
            order.append(v)
        return v

    for r in roots:
        live(r)
    while queue:
        v = queue.popleft()
        op = v.op
        if op is None:
            continue
        if op.live:
            op.parents = [live(p) for p in op.node.parents]
        else:
            op.parents = [remembered(e) for e in op.node.skeleton.parents]
    return order


def kahn_order(roots: list[TView]) -> list[TView]:
    """The computed tensors in the order ``backward()`` visits their op nodes.

    The engine's own walk (``autograd._backward``): count each tensor's
    consumers, start from the roots nobody consumes, pop from a stack, and push
    an input once its last consumer is done.  Iterative and linear.
    """
    deps: dict = {}
    stack = [r for r in roots if r.op is not None]
    seen = {r.key for r in stack}
    while stack:
        t = stack.pop()
        for p in t.op.parents:
            if p.op is not None:
                if p.key in deps:
                    deps[p.key] += 1
                else:
                    deps[p.key] = 1
                    if p.key not in seen:
                        seen.add(p.key)
                        stack.append(p)
    ready = list({r.key: r for r in roots if r.op is not None and r.key not in deps}.values())
    out = []
    while ready:
        t = ready.pop()
        out.append(t)
        for p in t.op.parents:
            if p.op is not None:
                n = deps[p.key] - 1
                deps[p.key] = n
                if n == 0:
                    ready.append(p)
    return out
