"""Specs of gather, scatter, scatter_add, index_select, take, masked_fill, masked_select,
where and nonzero.  Index and mask tensors are constants built inside each program
(``lib.tensor`` of an int64 / bool array), so one program runs on both libraries;
several indices repeat, so the gradients must add up (scatter-add)."""

from __future__ import annotations

import numpy as np

from . import ANY, OpSpec


def ix(lib, rows):
    """An int64 index tensor of ``lib``."""
    return lib.tensor(np.array(rows, dtype=np.int64))


def mask(lib, rows):
    """A boolean mask tensor of ``lib``."""
    return lib.tensor(np.array(rows, dtype=bool))


M34 = [[True, False, False, True], [False, False, True, True], [True, True, False, False]]

SPECS = [
    OpSpec("gather.dim1", lambda lib, x: x.gather(1, ix(lib, [[0, 0, 3], [1, 2, 1], [3, 3, 3]])),
           shapes=((3, 4),)),
    OpSpec("gather.dim0_small_index",
           lambda lib, x: lib.gather(x, 0, ix(lib, [[2, 0, 2], [1, 1, 0]])), shapes=((3, 4),)),
    OpSpec("gather.1d", lambda lib, x: x.gather(0, ix(lib, [4, 0, 4, 4])), shapes=((5,),)),
    OpSpec("take_along_dim", lambda lib, x: x.take_along_dim(ix(lib, [[0, 3, 3]]), 1),
           shapes=((3, 4),)),
    OpSpec("take_along_dim.broadcast_input",
           lambda lib, x: lib.take_along_dim(x, ix(lib, [[[1], [0]], [[2], [2]]]), dim=2),
           shapes=((1, 2, 3),)),
    OpSpec("take_along_dim.flat", lambda lib, x: lib.take_along_dim(x, ix(lib, [5, 0, 5])),
           shapes=((2, 3),)),
    OpSpec("scatter.src", lambda lib, x, s: x.scatter(1, ix(lib, [[2, 0], [3, 1]]), s),
           (ANY, ANY), shapes=((2, 4), (2, 2))),
    OpSpec("scatter.value", lambda lib, x: lib.scatter(x, 0, ix(lib, [[1, 0, 2, 2]]), 2.5),
           shapes=((3, 4),)),
    OpSpec("scatter_add", lambda lib, x, s: x.scatter_add(0, ix(lib, [[1, 0, 1], [1, 1, 2]]), s),
           (ANY, ANY), shapes=((3, 3), (2, 3))),
    OpSpec("scatter.reduce_add",
           lambda lib, x, s: lib.scatter(x, 1, ix(lib, [[0, 0, 2]]), s, reduce="add"),
           (ANY, ANY), shapes=((2, 3), (1, 3)),
           torch_fn=lambda lib, x, s: lib.scatter_add(x, 1, ix(lib, [[0, 0, 2]]), s)),
    OpSpec("index_select.dim0", lambda lib, x: x.index_select(0, ix(lib, [2, 0, 2])),
           shapes=((3, 4),)),
    OpSpec("index_select.dim1", lambda lib, x: lib.index_select(x, -1, ix(lib, [1, 1, 3, 0, 1])),
           shapes=((2, 4),)),
    OpSpec("take", lambda lib, x: x.take(ix(lib, [[0, 11], [5, 5]])), shapes=((3, 4),)),
    OpSpec("take.negative", lambda lib, x: lib.take(x, ix(lib, [-1, 0, -1])), shapes=((2, 3),)),
    OpSpec("masked_fill", lambda lib, x: x.masked_fill(mask(lib, M34), 0.5), shapes=((3, 4),)),
    OpSpec("masked_fill.broadcast_mask",
           lambda lib, x: lib.masked_fill(x, mask(lib, [False, True, True, False]), -1.0),
           shapes=((2, 3, 4),)),
    OpSpec("masked_fill.tensor_value", lambda lib, x, v: x.masked_fill(mask(lib, M34), v),
           (ANY, ANY), shapes=((3, 4), ())),
    OpSpec("masked_select", lambda lib, x: x.masked_select(mask(lib, M34)), shapes=((3, 4),)),
    OpSpec("masked_select.broadcast",
           lambda lib, x: lib.masked_select(x, mask(lib, [[True], [False], [True]])),
           shapes=((4,),)),
    OpSpec("where", lambda lib, a, b: lib.where(mask(lib, M34), a, b), (ANY, ANY),
           shapes=((3, 4), (4,))),
    OpSpec("where.broadcast_all", lambda lib, a, b: lib.where(mask(lib, [[True], [False]]), a, b),
           (ANY, ANY), shapes=((1, 3), ())),
    OpSpec("where.scalar_other", lambda lib, a: lib.where(mask(lib, M34), a, 0.25),
           shapes=((3, 4),)),
    OpSpec("where.scalar_input", lambda lib, b: lib.where(mask(lib, M34), -2, b),
           shapes=((3, 4),)),
    OpSpec("where.method", lambda lib, a, b: a.where(mask(lib, M34), b), (ANY, ANY),
           shapes=((3, 4), (3, 1))),
    OpSpec("nonzero", lambda lib, x: (x > 0).nonzero(), grad=False),
    OpSpec("nonzero.as_tuple", lambda lib, x: lib.nonzero(x > 0, as_tuple=True)[-1], grad=False),
    OpSpec("where.condition_only", lambda lib, x: lib.where(x > 0)[0], grad=False,
           shapes="same", min_dims=1),
    OpSpec("argwhere", lambda lib, x: lib.argwhere(x < 0), grad=False),
]
