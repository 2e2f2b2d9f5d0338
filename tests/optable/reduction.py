"""Specs of the reductions and scans (``tinygrad_mlp/ops/reduction.py``), one per way of
calling them (dim, keepdim, the axis/keepdims aliases, dtype=, norms' p)."""

from __future__ import annotations

import numpy as np

from . import POS, Domain, OpSpec, away_from

INF = float("inf")
#: Products of up to 64 factors stay near 1; exact zeros (which hypothesis draws) are fine:
#: a product is linear in each factor, so central differences are exact there too.
FACTORS = Domain(-1.5, 1.5)
INTS = Domain(-3, 3)
#: Norms have a kink where an element (p = 1) or the whole vector (p = 2) is 0.
NZ = away_from(0, margin=0.1)

SPECS = [
    OpSpec("prod", lambda lib, x: x.prod(), (FACTORS,)),
    OpSpec("prod.dim", lambda lib, x: x.prod(dim=-1), (FACTORS,), min_dims=1),
    OpSpec("prod.keepdim", lambda lib, x: lib.prod(x, 0, keepdim=True), (FACTORS,),
           min_dims=1),
    OpSpec("prod.axis_alias", lambda lib, x: x.prod(axis=0, keepdims=True), (FACTORS,),
           min_dims=1),
    # (tm.float64 comes with the dtype objects of the tensors branch; NumPy's until then)
    OpSpec("prod.dtype", lambda lib, x: x.prod(dtype=getattr(lib, "float64", np.float64)),
           (FACTORS,)),
    OpSpec("cumsum", lambda lib, x: x.cumsum(0), min_dims=1),
    OpSpec("cumsum.last", lambda lib, x: lib.cumsum(x, dim=-1)),
    OpSpec("cumprod", lambda lib, x: x.cumprod(-1), (FACTORS,), min_dims=1),
    OpSpec("cumprod.fn", lambda lib, x: lib.cumprod(x, dim=0), (FACTORS,), min_dims=1),
    OpSpec("logsumexp", lambda lib, x: lib.logsumexp(x, -1), min_dims=1),
    OpSpec("logsumexp.keepdim", lambda lib, x: lib.logsumexp(x, dim=0, keepdim=True),
           min_dims=1),
    OpSpec("logsumexp.dims", lambda lib, x: lib.logsumexp(x, (0, 1)), min_dims=2),
    # Values of ±3e4 (no overflow); central differences cannot resolve the gradient
    # there, so tests/test_ops_math.py checks it against PyTorch.
    OpSpec("logsumexp.large", lambda lib, x: lib.logsumexp(x * 1e4, -1), min_dims=1,
           grad=False, rtol32=1e-5, atol32=1e-2),
    OpSpec("norm", lambda lib, x: x.norm(), (NZ,)),
    OpSpec("norm.fro", lambda lib, x: lib.norm(x, p="fro"), (NZ,)),
    OpSpec("norm.dim", lambda lib, x: x.norm(dim=-1), (NZ,), min_dims=1),
    OpSpec("norm.keepdim", lambda lib, x: x.norm(2, dim=0, keepdim=True), (NZ,), min_dims=1),
    OpSpec("norm.p1", lambda lib, x: x.norm(p=1), (NZ,)),
    OpSpec("norm.p3", lambda lib, x: x.norm(p=3, dim=-1), (NZ,), min_dims=1),
    OpSpec("norm.inf", lambda lib, x: x.norm(p=INF), (POS,), distinct=True),
    OpSpec("norm.neg_inf", lambda lib, x: x.norm(p=-INF, dim=-1), (POS,), distinct=True,
           min_dims=1),
    OpSpec("norm.p0", lambda lib, x: x.norm(p=0), (NZ,)),
    OpSpec("vector_norm", lambda lib, x: lib.linalg.vector_norm(x), (NZ,)),
    OpSpec("vector_norm.ord1_dim", lambda lib, x: lib.linalg.vector_norm(x, 1, dim=-1),
           (NZ,), min_dims=1),
    OpSpec("vector_norm.ord_half", lambda lib, x: lib.linalg.vector_norm(x, 0.5),
           (away_from(0, margin=0.1),), rtol32=1e-4),
    OpSpec("vector_norm.inf_dims", lambda lib, x: lib.linalg.vector_norm(
        x, INF, dim=(0, 1), keepdim=True), (POS,), distinct=True, min_dims=2),
    # No gradient: bool and integer results, and the dtype rules for integer inputs.
    OpSpec("any", lambda lib, x: x.any(), grad=False, kind="bool"),
    OpSpec("any.dim", lambda lib, x: lib.any(x, dim=-1), grad=False, min_dims=1, kind="bool"),
    OpSpec("all", lambda lib, x: lib.all(x), grad=False, kind="bool"),
    OpSpec("all.keepdim", lambda lib, x: x.all(0, keepdim=True), grad=False, min_dims=1,
           kind="bool"),
    OpSpec("any.float", lambda lib, x: x.any(dim=0), (Domain(-1, 1),), grad=False, min_dims=1),
    OpSpec("all.int", lambda lib, x: x.all(), (INTS,), grad=False, kind="int"),
    OpSpec("count_nonzero", lambda lib, x: lib.count_nonzero(x), (INTS,), grad=False,
           kind="int"),
    OpSpec("count_nonzero.dim", lambda lib, x: x.count_nonzero(dim=0), (INTS,), grad=False,
           min_dims=1, kind="int"),
    OpSpec("prod.int", lambda lib, x: x.prod(), (INTS,), grad=False, kind="int"),
    OpSpec("prod.bool", lambda lib, x: x.prod(dim=0), grad=False, min_dims=1, kind="bool"),
    OpSpec("cumsum.int", lambda lib, x: x.cumsum(-1), (INTS,), grad=False, kind="int"),
    OpSpec("cumprod.int", lambda lib, x: lib.cumprod(x, 0), (INTS,), grad=False, min_dims=1,
           kind="int"),
    OpSpec("logsumexp.int", lambda lib, x: lib.logsumexp(x, -1), (INTS,), grad=False,
           min_dims=1, kind="int"),
]
