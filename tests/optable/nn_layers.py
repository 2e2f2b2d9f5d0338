"""Specs of the layers' function forms (``F.linear``, ``F.bilinear``, ``F.batch_norm``,
``F.layer_norm``, ``F.embedding``), written as PyTorch code."""

from __future__ import annotations

from . import ANY, POS, OpSpec
from ._nn_common import F, const, labels

IDX = [[0, 2, 2], [5, 1, 0]]  # row 2 twice, row 0 twice

SPECS = [
    OpSpec("linear", lambda lib, x, w, b: F(lib).linear(x, w, b), (ANY, ANY, ANY),
           shapes=((4, 3), (2, 3), (2,))),
    OpSpec("linear.batched_nobias", lambda lib, x, w: F(lib).linear(x, w), (ANY, ANY),
           shapes=((2, 4, 3), (5, 3))),
    OpSpec("bilinear", lambda lib, a, b, w, c: F(lib).bilinear(a, b, w, c),
           (ANY, ANY, ANY, ANY), shapes=((4, 3), (4, 2), (5, 3, 2), (5,))),
    OpSpec("bilinear.batched_nobias", lambda lib, a, b, w: F(lib).bilinear(a, b, w),
           (ANY, ANY, ANY), shapes=((2, 3, 3), (2, 3, 2), (4, 3, 2))),
    OpSpec("batch_norm.train", lambda lib, x, w, b: F(lib).batch_norm(
        x, None, None, w, b, training=True), (ANY, ANY, ANY), shapes=((6, 3), (3,), (3,)),
        rtol32=1e-4, atol32=1e-5),
    OpSpec("batch_norm.train_3d", lambda lib, x, w, b: F(lib).batch_norm(
        x, None, None, w, b, training=True, eps=1e-3), (ANY, ANY, ANY),
        shapes=((4, 3, 5), (3,), (3,)), rtol32=1e-4, atol32=1e-5),
    OpSpec("batch_norm.train_no_affine", lambda lib, x: F(lib).batch_norm(
        x, None, None, training=True), shapes=((5, 2, 3),), rtol32=1e-4, atol32=1e-5),
    OpSpec("batch_norm.eval", lambda lib, x, w, b: F(lib).batch_norm(
        x, const(lib, [0.5, -1.0, 0.0], x), const(lib, [2.0, 0.5, 1.0], x), w, b),
        (ANY, ANY, ANY), shapes=((6, 3), (3,), (3,))),
    OpSpec("layer_norm", lambda lib, x, w, b: F(lib).layer_norm(x, (5,), w, b),
           (ANY, ANY, ANY), shapes=((4, 5), (5,), (5,)), rtol32=1e-4, atol32=1e-5),
    OpSpec("layer_norm.2d_weight_only", lambda lib, x, w: F(lib).layer_norm(
        x, (3, 4), w, eps=1e-3), (ANY, ANY), shapes=((2, 3, 4), (3, 4)),
        rtol32=1e-4, atol32=1e-5),
    OpSpec("layer_norm.plain", lambda lib, x: F(lib).layer_norm(x, (4,)),
           shapes=((3, 4),), rtol32=1e-4, atol32=1e-5),
    OpSpec("embedding", lambda lib, w: F(lib).embedding(labels(lib, IDX), w),
           shapes=((6, 3),)),
    # (padding_idx withholds a true gradient on purpose: tests/test_nn_layers.py checks it)
    OpSpec("embedding.scaled", lambda lib, w, s: F(lib).embedding(labels(lib, IDX), w) * s,
           (ANY, POS), shapes=((6, 3), (3,))),
]
