"""Specs of the comparisons and logic ops (``tinygrad_mlp/ops/compare.py``): no gradient,
bool results (``& | ^ ~`` keep an integer dtype); the values and dtypes are checked
against PyTorch for float, integer and bool inputs."""

from __future__ import annotations

from . import ANY, Domain, OpSpec

#: Few distinct values, so that == and isclose are often true.
COARSE = Domain(-2, 2)
INTS = Domain(-9, 9)


def _rounded(lib, x):
    """x rounded to 0.5 steps: equal elements are common (a float input for == tests)."""
    return (x * 2).round() / 2


def _specials(lib, x):
    """x with NaN where x > 1, +inf where x < −1 and −inf where −1 < x < −0.5 (made
    without the warnings of log(−1) or 1/0)."""
    z = x * 0
    x = lib.where(x > 1, z + float("nan"), x)
    x = lib.where(x < -1, z + float("inf"), x)
    return lib.where(x < -0.5, z - float("inf"), x)


def _cmp(name: str, fn):
    return [
        OpSpec(f"{name}.float", lambda lib, a, b: fn(lib, _rounded(lib, a), _rounded(lib, b)),
               (COARSE, COARSE), grad=False),
        OpSpec(f"{name}.int", fn, (INTS, INTS), grad=False, kind="int"),
    ]


SPECS = [
    *_cmp("eq", lambda lib, a, b: a.eq(b)),
    *_cmp("ne", lambda lib, a, b: lib.ne(a, b)),
    *_cmp("lt", lambda lib, a, b: a.lt(b)),
    *_cmp("le", lambda lib, a, b: lib.le(a, b)),
    *_cmp("gt", lambda lib, a, b: lib.gt(a, b)),
    *_cmp("ge", lambda lib, a, b: a.ge(b)),
    OpSpec("lt.number", lambda lib, a: a.lt(0.5), (INTS,), grad=False, kind="int"),
    OpSpec("eq.number", lambda lib, a: lib.eq(a, 2), (INTS,), grad=False, kind="int"),
    OpSpec("isnan", lambda lib, x: _specials(lib, x).isnan(), grad=False),
    OpSpec("isinf", lambda lib, x: lib.isinf(_specials(lib, x)), grad=False),
    OpSpec("isfinite", lambda lib, x: lib.isfinite(_specials(lib, x)), grad=False),
    OpSpec("isfinite.int", lambda lib, x: x.isfinite(), (INTS,), grad=False, kind="int"),
    OpSpec("isclose", lambda lib, a, b: lib.isclose(a, a + b * 1e-6), (ANY, ANY), grad=False),
    OpSpec("isclose.tolerances", lambda lib, a, b: a.isclose(b, rtol=0.0, atol=0.5),
           (ANY, ANY), grad=False),
    OpSpec("isclose.specials", lambda lib, a: lib.isclose(_specials(lib, a), _specials(lib, a)),
           grad=False),
    OpSpec("isclose.equal_nan", lambda lib, a: _specials(lib, a).isclose(
        _specials(lib, a), equal_nan=True), grad=False),
    OpSpec("allclose", lambda lib, a, b: lib.tensor(lib.allclose(a, a + b * 1e-9)),
           (ANY, ANY), grad=False),
    OpSpec("allclose.false", lambda lib, a, b: lib.tensor(a.allclose(a + b + 10)), (ANY, ANY),
           grad=False),
    OpSpec("equal", lambda lib, a: lib.tensor(lib.equal(a, a * 1)), grad=False),
    OpSpec("equal.false", lambda lib, a: lib.tensor(a.equal(a + 1)), grad=False),
    OpSpec("logical_and", lambda lib, a, b: lib.logical_and(a, b), (ANY, ANY), grad=False,
           kind="bool"),
    OpSpec("logical_or", lambda lib, a, b: a.logical_or(b), (ANY, ANY), grad=False,
           kind="bool"),
    OpSpec("logical_xor", lambda lib, a, b: lib.logical_xor(a, b), (ANY, ANY), grad=False,
           kind="bool"),
    OpSpec("logical_not", lambda lib, a: a.logical_not(), grad=False, kind="bool"),
    OpSpec("logical_and.float", lambda lib, a, b: a.logical_and(_rounded(lib, b)),
           (ANY, COARSE), grad=False),
    OpSpec("logical_not.int", lambda lib, a: lib.logical_not(a), (INTS,), grad=False,
           kind="int"),
    OpSpec("and", lambda lib, a, b: a & b, (ANY, ANY), grad=False, kind="bool"),
    OpSpec("or", lambda lib, a, b: a | b, (ANY, ANY), grad=False, kind="bool"),
    OpSpec("xor", lambda lib, a, b: a ^ b, (ANY, ANY), grad=False, kind="bool"),
    OpSpec("invert", lambda lib, a: ~a, grad=False, kind="bool"),
    OpSpec("and.int", lambda lib, a, b: a & b, (INTS, INTS), grad=False, kind="int"),
    OpSpec("or.int", lambda lib, a, b: lib.bitwise_or(a, b), (INTS, INTS), grad=False,
           kind="int"),
    OpSpec("xor.int", lambda lib, a, b: a ^ b, (INTS, INTS), grad=False, kind="int"),
    OpSpec("invert.int", lambda lib, a: ~a, (INTS,), grad=False, kind="int"),
    OpSpec("and.rbool", lambda lib, a: True & a, grad=False, kind="bool"),
    OpSpec("or.comparisons", lambda lib, a: (a < -1) | (a > 1), grad=False),
]
