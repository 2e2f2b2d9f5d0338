"""Specs of the tensors branch's differentiable ops: reductions with dims, var/std,
shape ops and indexing, written in PyTorch's spelling (the same text runs on torch)."""

from __future__ import annotations

from . import OpSpec

S = ((3, 4),)
S3 = ((2, 3, 4),)

SPECS = [
    # reductions with dim / keepdim
    OpSpec("sum.dim", lambda lib, x: x.sum(dim=1), shapes=S),
    OpSpec("sum.dims_keepdim", lambda lib, x: x.sum((0, 2), keepdim=True), shapes=S3),
    OpSpec("mean.dim", lambda lib, x: x.mean(-1), shapes=S3),
    OpSpec("amax.dims", lambda lib, x: x.amax((0, 1)), shapes=S3, distinct=True),
    OpSpec("amin.dim", lambda lib, x: x.amin(1, keepdim=True), shapes=S, distinct=True),
    OpSpec("max.all", lambda lib, x: x.max(), shapes=S, distinct=True),
    OpSpec("max.dim", lambda lib, x: x.max(1).values, shapes=S3, distinct=True),
    OpSpec("min.dim_keepdim", lambda lib, x: x.min(dim=0, keepdim=True)[0], shapes=S,
           distinct=True),
    OpSpec("max.indices", lambda lib, x: x.max(1).indices, shapes=S, distinct=True, grad=False),
    OpSpec("var", lambda lib, x: x.var(), shapes=S),
    OpSpec("var.dim_correction0", lambda lib, x: x.var(0, correction=0), shapes=S),
    OpSpec("var.unbiased_false", lambda lib, x: x.var(1, unbiased=False, keepdim=True),
           shapes=S),
    OpSpec("std.dims", lambda lib, x: x.std((0, 2)), shapes=S3, distinct=True),  # √ needs σ > 0
    OpSpec("std_mean", lambda lib, x: lib.std_mean(x, dim=1), shapes=S, distinct=True),
    OpSpec("var_mean.mean", lambda lib, x: lib.var_mean(x, dim=0)[1], shapes=S),
    OpSpec("logsumexp.dim", lambda lib, x: x.logsumexp(1), shapes=S),
    # shape ops
    OpSpec("transpose.d0_d1", lambda lib, x: x.transpose(0, 2), shapes=S3),
    OpSpec("permute", lambda lib, x: x.permute(1, 2, 0), shapes=S3),
    OpSpec("t", lambda lib, x: x.t(), shapes=S),
    OpSpec("T", lambda lib, x: x.T, shapes=S),
    OpSpec("mT", lambda lib, x: x.mT, shapes=S3),
    OpSpec("view", lambda lib, x: x.view(4, -1), shapes=S),
    OpSpec("reshape.infer", lambda lib, x: x.reshape(-1, 2), shapes=S3),
    OpSpec("flatten.start", lambda lib, x: x.flatten(1), shapes=S3),
    OpSpec("unflatten", lambda lib, x: x.unflatten(1, (2, 2)), shapes=S),
    OpSpec("squeeze.dim", lambda lib, x: x.squeeze(1), shapes=((3, 1, 2),)),
    OpSpec("squeeze.noop", lambda lib, x: x.squeeze(0), shapes=S),
    OpSpec("unsqueeze", lambda lib, x: x.unsqueeze(-1), shapes=S),
    OpSpec("expand", lambda lib, x: x.expand(2, -1, -1), shapes=((1, 3, 2),)),
    OpSpec("repeat", lambda lib, x: x.repeat(2, 1, 3), shapes=S),
    OpSpec("clone", lambda lib, x: x.clone()),
    # indexing
    OpSpec("getitem.basic", lambda lib, x: x[1:, ::2], shapes=S),
    OpSpec("getitem.advanced_repeats", lambda lib, x: x[[0, 2, 0]], shapes=S),
    OpSpec("getitem.int_and_array", lambda lib, x: x[0, :, [0, 3, 3]], shapes=S3),
    OpSpec("getitem.arrays_split_by_slice", lambda lib, x: x[[0, 1], :, [1, 2]], shapes=S3),
]

