"""Specs of sort, argsort, msort, topk, kthvalue, median, argmax and argmin.  Values are
spread apart (``distinct``) so the order is unique and a small step cannot change it;
index outputs are checked for value and dtype (int64)."""

from __future__ import annotations

from . import OpSpec

S34 = ((3, 4),)

SPECS = [
    OpSpec("sort.values", lambda lib, x: x.sort()[0], shapes="same", min_dims=1, distinct=True),
    OpSpec("sort.descending_dim0", lambda lib, x: lib.sort(x, 0, descending=True).values,
           shapes="same", min_dims=1, distinct=True),
    OpSpec("sort.stable_kw", lambda lib, x: lib.sort(x, dim=-1, stable=True).values,
           shapes=S34, distinct=True),
    OpSpec("sort.indices", lambda lib, x: x.sort(dim=1, descending=True).indices, grad=False,
           shapes=S34, distinct=True),
    OpSpec("argsort", lambda lib, x: x.argsort(), grad=False, shapes="same", min_dims=1,
           distinct=True),
    OpSpec("argsort.descending", lambda lib, x: lib.argsort(x, 0, descending=True), grad=False,
           shapes=S34, distinct=True),
    OpSpec("msort", lambda lib, x: lib.msort(x), shapes=S34, distinct=True),
    OpSpec("topk", lambda lib, x: x.topk(2), shapes=S34, distinct=True),
    OpSpec("topk.smallest_dim0", lambda lib, x: lib.topk(x, 2, dim=0, largest=False).values,
           shapes=S34, distinct=True),
    OpSpec("topk.indices", lambda lib, x: x.topk(3, 1).indices, grad=False, shapes=S34,
           distinct=True),
    OpSpec("kthvalue", lambda lib, x: x.kthvalue(2, 1).values, shapes=S34, distinct=True),
    OpSpec("kthvalue.keepdim_indices", lambda lib, x: lib.kthvalue(x, 3, 0, True).indices,
           grad=False, shapes=S34, distinct=True),
    OpSpec("median", lambda lib, x: x.median(), shapes="same", distinct=True),
    OpSpec("median.dim_even", lambda lib, x: x.median(dim=1, keepdim=True).values, shapes=S34,
           distinct=True),
    OpSpec("median.dim_indices", lambda lib, x: lib.median(x, 0).indices, grad=False,
           shapes=S34, distinct=True),
    OpSpec("argmax", lambda lib, x: x.argmax(), grad=False, distinct=True),
    OpSpec("argmax.dim_keepdim", lambda lib, x: x.argmax(dim=1, keepdim=True), grad=False,
           shapes=S34, distinct=True),
    OpSpec("argmin", lambda lib, x: lib.argmin(x), grad=False, distinct=True),
    OpSpec("argmin.dim", lambda lib, x: lib.argmin(x, -1), grad=False, shapes="same",
           min_dims=1, distinct=True),
]
