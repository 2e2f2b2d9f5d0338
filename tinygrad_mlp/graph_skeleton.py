"""The light structure of an op node that outlives ``backward()``: what a drawing needs.

A plain ``backward()`` frees each op node's inputs, its saved arrays and the
links to its input tensors (the memory of the forward pass goes back at once).
Just before that, the engine calls ``record(parents, extras)``, which keeps, for
each input tensor, only

* its op node (``p._ctx``, itself freed in turn: the nodes form a chain of
  small objects), or None for a leaf,
* a weak reference to the tensor (alive while the user holds it, e.g. a
  parameter, whose ``.grad`` a drawing then shows),
* its shape, dtype, ``requires_grad`` and name,

and the op's small settings (``axis``, ``reduction``, ...), with every array
among them replaced by its shape and dtype.  No array of the forward pass is
kept, so ``draw_graph(loss)`` works after ``loss.backward()`` while the
memory is freed as before.
"""

from __future__ import annotations

import weakref

import numpy as np

__all__ = ["ArraySpec", "Skeleton", "record"]

_ndarray = np.ndarray
_ref = weakref.ref


class ArraySpec:
    """Stands in for an array an op saved: its ``shape`` and ``dtype`` only."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape: tuple, dtype) -> None:
        self.shape, self.dtype = shape, dtype

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"ArraySpec({self.shape}, {self.dtype})"


class Skeleton:
    """What is left of an op node after backward (``node.skeleton``, made from ``record``'s
    tuple when asked for).

    ``parents``: one tuple per input, ``(node, ref, shape, dtype, requires_grad,
    name)`` (``node`` None for a leaf, ``ref`` a weak reference to the tensor);
    ``extras``: the op's settings, arrays replaced by ``ArraySpec``.
    """

    __slots__ = ("parents", "extras")

    def __init__(self, parents: tuple, extras: dict) -> None:
        self.parents, self.extras = parents, extras

    @classmethod
    def of(cls, flat: tuple) -> Skeleton:
        """The skeleton of ``record``'s flat tuple."""
        return cls(tuple(flat[i:i + _FIELDS] for i in range(1, len(flat), _FIELDS)),
                   flat[0] if flat[0] is not None else {})


_FIELDS = 6  # per input: node, ref, shape, dtype, requires_grad, name


def _light(v):
    if type(v) is _ndarray:
        return ArraySpec(v.shape, v.dtype)
    if type(v) is tuple and any(type(x) is _ndarray for x in v):
        return tuple(ArraySpec(x.shape, x.dtype) if type(x) is _ndarray else x for x in v)
    return v


def record(parents: tuple, extras: dict) -> tuple:
    """What a node whose input tensors are ``parents`` and whose extra attributes are
    ``extras`` leaves (called by backward just before it frees the node).

    One flat tuple, ``(settings or None, node₀, ref₀, shape₀, dtype₀, requires_grad₀,
    name₀, node₁, ...)``: backward runs this for every node, and a tuple per input
    and a ``Skeleton`` object each would be three more objects per node to make
    (and for the garbage collector to walk) than a drawing needs (``Skeleton.of``
    makes them when one is drawn).
    """
    light = {k: _light(v) for k, v in extras.items()} if extras else None
    if len(parents) == 1:  # the usual cases, spelled out
        (p,) = parents
        return (light, p._ctx, _ref(p), p.data.shape, p.data.dtype, p.requires_grad, p.name)
    if len(parents) == 2:
        p, q = parents
        return (light, p._ctx, _ref(p), p.data.shape, p.data.dtype, p.requires_grad, p.name,
                q._ctx, _ref(q), q.data.shape, q.data.dtype, q.requires_grad, q.name)
    flat = [light]
    for p in parents:
        flat += (p._ctx, _ref(p), p.data.shape, p.data.dtype, p.requires_grad, p.name)
    return tuple(flat)
