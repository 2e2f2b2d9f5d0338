"""Specs of einsum for the contractions MLP code writes (and diagonals, traces,
broadcast ellipses and implicit outputs)."""

from __future__ import annotations

from . import ANY, OpSpec


def E(name, eq, *shapes, **kw):
    fn = lambda lib, *xs: lib.einsum(eq, *xs)  # noqa: E731
    return OpSpec(f"einsum.{name}", fn, (ANY,) * len(shapes), shapes=tuple(shapes), **kw)


SPECS = [
    E("linear", "bi,oi->bo", (5, 3), (4, 3)),
    E("outer_batch_sum", "bi,bj->ij", (5, 3), (5, 2)),
    E("matmul", "ij,jk->ik", (2, 3), (3, 4)),
    E("dot", "i,i->", (4,), (4,)),
    E("bmm", "bij,bjk->bik", (2, 3, 4), (2, 4, 2)),
    E("ellipsis_matvec", "...i,i->...", (2, 3, 4), (4,)),
    E("ellipsis_broadcast", "...ij,...jk->...ik", (2, 1, 2, 3), (4, 3, 2)),
    E("size1_broadcast", "bi,bi->b", (3, 4), (1, 4)),
    E("implicit_matmul", "ij,jk", (2, 3), (3, 4)),
    E("implicit_transpose", "ji", (2, 3)),
    E("outer", "i,j->ij", (3,), (2,)),
    E("sum_rows", "ij->j", (3, 4)),
    E("sum_all", "ij->", (3, 4)),
    E("diagonal", "ii->i", (3, 3)),
    E("trace", "ii", (4, 4)),
    E("three_operands", "bi,ij,bj->b", (2, 3), (3, 4), (2, 4)),
    E("bilinear", "bi,oij,bj->bo", (2, 3), (5, 3, 4), (2, 4)),
    OpSpec("einsum.list_operands", lambda lib, a, b: lib.einsum("bi,oi->bo", [a, b]), (ANY, ANY),
           shapes=((2, 3), (4, 3))),
]
