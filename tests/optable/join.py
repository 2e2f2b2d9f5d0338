"""Specs of joining and splitting: cat (and its aliases), stack, hstack, vstack, split,
chunk, unbind, narrow.  Ops that return several pieces are checked through a weighted
sum of all of them, so every piece's gradient counts."""

from __future__ import annotations

from . import ANY, OpSpec


def _weigh(lib, pieces):
    """One tensor from all pieces: piece i's sum times i + 1."""
    return lib.stack([p.sum() * (i + 1) for i, p in enumerate(pieces)])


SPECS = [
    OpSpec("cat.dim1", lambda lib, a, b: lib.cat([a, b], 1), (ANY, ANY),
           shapes=((2, 3), (2, 2))),
    OpSpec("cat.neg_dim_three", lambda lib, a, b: lib.cat([a, b, a], dim=-1), (ANY, ANY),
           shapes=((2, 1, 3), (2, 1, 1))),
    OpSpec("concatenate.dim0", lambda lib, a, b: lib.concatenate([a, b], 0), (ANY, ANY),
           shapes=((1, 3), (2, 3))),
    OpSpec("concat", lambda lib, a, b: lib.concat([a, b]), (ANY, ANY), shapes=((3,), (2,))),
    OpSpec("stack.dim0", lambda lib, a, b: lib.stack([a, b]), (ANY, ANY), shapes="same"),
    OpSpec("stack.last", lambda lib, a, b: lib.stack([a, b, a], dim=-1), (ANY, ANY),
           shapes="same"),
    OpSpec("hstack", lambda lib, a, b: lib.hstack([a, b]), (ANY, ANY),
           shapes=((2, 3), (2, 1))),
    OpSpec("hstack.1d", lambda lib, a, b: lib.hstack([a, b]), (ANY, ANY), shapes=((3,), (2,))),
    OpSpec("vstack", lambda lib, a, b: lib.vstack([a, b]), (ANY, ANY), shapes=((3,), (2, 3))),
    OpSpec("split.int", lambda lib, x: _weigh(lib, x.split(2, dim=1)), shapes=((2, 5),)),
    OpSpec("split.sizes", lambda lib, x: _weigh(lib, lib.split(x, [1, 0, 2], 0)),
           shapes=((3, 2),)),
    OpSpec("split.first_piece", lambda lib, x: x.split(2, -1)[1], shapes=((2, 5),)),
    OpSpec("chunk", lambda lib, x: _weigh(lib, x.chunk(3, 1)), shapes=((2, 7),)),
    OpSpec("chunk.piece", lambda lib, x: lib.chunk(x, 2)[1], shapes=((5, 2),)),
    OpSpec("unbind", lambda lib, x: _weigh(lib, x.unbind(1)), shapes=((2, 3, 2),)),
    OpSpec("unbind.piece", lambda lib, x: lib.unbind(x)[2], shapes=((3, 2),)),
    OpSpec("narrow", lambda lib, x: x.narrow(1, 1, 2), shapes=((2, 4),)),
    OpSpec("narrow.neg_start", lambda lib, x: lib.narrow(x, -1, -3, 3), shapes=((2, 4),)),
]
