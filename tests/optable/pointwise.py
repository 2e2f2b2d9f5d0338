"""Specs of the pointwise math ops (``tinygrad_mlp/ops/pointwise.py`` and ``ops/arith.py``).

Piecewise-constant ops (floor, round, sign, …) are checked away from their jumps,
where both the central differences and PyTorch give a zero gradient.
"""

from __future__ import annotations

from . import ANY, NONZERO, POS, UNIT, Domain, OpSpec, away_from

#: Away from every integer in [-2.9, 2.9] (the jumps of floor, ceil, trunc, frac).
OFF_INTEGERS = away_from(-2, -1, 0, 1, 2, lo=-2.9, hi=2.9, margin=0.05)
#: Away from every half-integer (the jumps of round).
OFF_HALVES = away_from(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, lo=-2.9, hi=2.9, margin=0.05)
#: Clamp bounds drawn near -1 and 1, and inputs kept at least 0.1 from both.
LO, HI = Domain(-1.2, -0.8), Domain(0.8, 1.2)
OFF_BOUNDS = away_from(-1, 1, margin=0.3)
#: Divisors for % and fmod, and dividends whose quotient stays inside (-1, 1), off 0.
DIVISOR, NEG_DIVISOR = Domain(1.5, 3.0), Domain(-3.0, -1.5)
DIVIDEND = away_from(0, lo=-1.4, hi=1.4, margin=0.05)
#: maximum/minimum without near-ties: a stays 0.1 from every half-integer, b within 0.05 of one.
OFF_HALF, NEAR_HALF = (away_from(-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, margin=0.1),
                       away_from(-3, -2, -1, 0, 1, 2, 3, margin=0.45))
#: Integer inputs: values drawn here and rounded (0 excluded for divisors).
INTS, INT_DIVISOR = Domain(-9, 9), away_from(0, lo=-5, hi=5, margin=0.6)

UNARY = [
    OpSpec("square", lambda lib, x: x.square()),
    OpSpec("rsqrt", lambda lib, x: x.rsqrt(), (POS,), rtol32=1e-4),
    OpSpec("reciprocal", lambda lib, x: x.reciprocal(), (NONZERO,)),
    OpSpec("log1p", lambda lib, x: x.log1p(), (Domain(-0.9, 3),)),
    OpSpec("expm1", lambda lib, x: x.expm1()),
    OpSpec("log2", lambda lib, x: x.log2(), (POS,)),
    OpSpec("log10", lambda lib, x: x.log10(), (POS,)),
    OpSpec("exp2", lambda lib, x: x.exp2()),
    OpSpec("erf", lambda lib, x: x.erf()),
    OpSpec("erfc", lambda lib, x: x.erfc()),
    OpSpec("sin", lambda lib, x: x.sin()),
    OpSpec("cos", lambda lib, x: x.cos()),
    OpSpec("tan", lambda lib, x: x.tan(), (Domain(-1.3, 1.3),), rtol32=1e-4),
    OpSpec("sign", lambda lib, x: x.sign(), (away_from(0),)),
    OpSpec("floor", lambda lib, x: x.floor(), (OFF_INTEGERS,)),
    OpSpec("ceil", lambda lib, x: x.ceil(), (OFF_INTEGERS,)),
    OpSpec("trunc", lambda lib, x: x.trunc(), (OFF_INTEGERS,)),
    OpSpec("frac", lambda lib, x: x.frac(), (OFF_INTEGERS,)),
    OpSpec("round", lambda lib, x: x.round(), (OFF_HALVES,)),
    OpSpec("round.decimals", lambda lib, x: x.round(decimals=1), (Domain(0.26, 0.34),)),
    OpSpec("neg.method", lambda lib, x: x.neg()),
    # The tm. function forms of the methods that tensor.py defines.
    OpSpec("tm.exp", lambda lib, x: lib.exp(x)),
    OpSpec("tm.log", lambda lib, x: lib.log(x), (POS,)),
    OpSpec("tm.sqrt", lambda lib, x: lib.sqrt(x), (POS,)),
    OpSpec("tm.abs", lambda lib, x: lib.abs(x), (away_from(0),)),
    OpSpec("tm.neg", lambda lib, x: lib.neg(x)),
    OpSpec("tm.tanh", lambda lib, x: lib.tanh(x)),
    OpSpec("tm.sigmoid", lambda lib, x: lib.sigmoid(x)),
    OpSpec("tm.erf", lambda lib, x: lib.erf(x)),
    OpSpec("tm.log1p", lambda lib, x: lib.log1p(x), (UNIT,)),
]

BINARY = [
    OpSpec("maximum", lambda lib, a, b: lib.maximum(a, b), (OFF_HALF, NEAR_HALF)),
    OpSpec("minimum", lambda lib, a, b: a.minimum(b), (NEAR_HALF, OFF_HALF)),
    OpSpec("clamp", lambda lib, x: x.clamp(-1.0, 1.0), (OFF_BOUNDS,)),
    OpSpec("clamp.min_only", lambda lib, x: x.clamp(min=-1.0), (OFF_BOUNDS,)),
    OpSpec("clamp.max_only", lambda lib, x: lib.clamp(x, max=1.0), (OFF_BOUNDS,)),
    OpSpec("clip", lambda lib, x: lib.clip(x, -1.0, 1.0), (OFF_BOUNDS,)),
    OpSpec("clamp.tensor_bounds", lambda lib, x, lo, hi: x.clamp(lo, hi),
           (OFF_BOUNDS, LO, HI)),
    OpSpec("clamp.tensor_min", lambda lib, x, lo: lib.clamp(x, min=lo), (OFF_BOUNDS, LO)),
    OpSpec("clamp.tensor_max", lambda lib, x, hi: x.clamp(max=hi), (OFF_BOUNDS, HI)),
    OpSpec("clamp_min", lambda lib, x, lo: x.clamp_min(lo), (OFF_BOUNDS, LO)),
    OpSpec("clamp_max", lambda lib, x: lib.clamp_max(x, 1.0), (OFF_BOUNDS,)),
    OpSpec("clamp.tensor_and_number", lambda lib, x, lo: x.clamp(lo, 1.0), (OFF_BOUNDS, LO),
           torch_fn=lambda lib, x, lo: x.clamp(min=lo).clamp(max=1.0)),  # torch: not mixed
    OpSpec("floor_divide", lambda lib, a, b: a // b, (ANY, NONZERO), grad=False),
    OpSpec("floor_divide.fn", lambda lib, a, b: lib.floor_divide(a, b), (ANY, NONZERO),
           grad=False),
    OpSpec("floor_divide.rnumber", lambda lib, b: 5.0 // b, (NONZERO,), grad=False),
    OpSpec("remainder", lambda lib, a, b: a % b, (DIVIDEND, DIVISOR)),
    OpSpec("remainder.negative_divisor", lambda lib, a, b: lib.remainder(a, b),
           (DIVIDEND, NEG_DIVISOR)),
    OpSpec("remainder.number", lambda lib, a: a % 1.5, (DIVIDEND,)),
    OpSpec("remainder.rnumber", lambda lib, b: 1.2 % b, (DIVISOR,),  # torch: no rmod grad
           torch_fn=lambda lib, b: lib.remainder(lib.full_like(b, 1.2), b)),
    OpSpec("fmod", lambda lib, a, b: a.fmod(b), (DIVIDEND, DIVISOR)),
    OpSpec("fmod.negative_divisor", lambda lib, a, b: lib.fmod(a, b), (DIVIDEND, NEG_DIVISOR)),
    OpSpec("lerp", lambda lib, a, b: a.lerp(b, 0.3), (ANY, ANY)),
    OpSpec("lerp.tensor_weight", lambda lib, a, b, w: lib.lerp(a, b, w),
           (ANY, ANY, Domain(-0.5, 1.5))),
    OpSpec("logaddexp", lambda lib, a, b: lib.logaddexp(a, b), (ANY, ANY)),
    OpSpec("logaddexp.method", lambda lib, a, b: a.logaddexp(b), (Domain(-30, 30),) * 2),
    OpSpec("pow.fn", lambda lib, a, b: lib.pow(a, b), (Domain(0.5, 3), Domain(-2, 2))),
    OpSpec("pow.number_exponent", lambda lib, a: a.pow(3)),
    OpSpec("pow.number_base", lambda lib, b: lib.pow(2.0, b)),
]

#: Integer and bool inputs: the dtype rules (floor of an int stays int, sqrt of an int
#: is float32, // and % keep ints, an int tensor with a Python float gives float32).
INTEGER = [
    OpSpec("floor_divide.int", lambda lib, a, b: a // b, (INTS, INT_DIVISOR), grad=False,
           kind="int"),
    OpSpec("remainder.int", lambda lib, a, b: a % b, (INTS, INT_DIVISOR), grad=False,
           kind="int"),
    OpSpec("fmod.int", lambda lib, a, b: lib.fmod(a, b), (INTS, INT_DIVISOR), grad=False,
           kind="int"),
    OpSpec("remainder.int_by_float", lambda lib, a: a % 2.5, (INTS,), grad=False, kind="int"),
    OpSpec("maximum.int", lambda lib, a, b: lib.maximum(a, b), (INTS, INTS), grad=False,
           kind="int"),
    OpSpec("clamp.int", lambda lib, x: x.clamp(-3, 4), (INTS,), grad=False, kind="int"),
    OpSpec("clamp.int_float_bound", lambda lib, x: x.clamp(-2.5), (INTS,), grad=False,
           kind="int"),
    OpSpec("pow.int", lambda lib, x: lib.pow(x, 2), (INTS,), grad=False, kind="int"),
    OpSpec("floor.int", lambda lib, x: x.floor(), (INTS,), grad=False, kind="int"),
    OpSpec("round.int", lambda lib, x: x.round(), (INTS,), grad=False, kind="int"),
    OpSpec("sign.int", lambda lib, x: x.sign(), (INTS,), grad=False, kind="int"),
    OpSpec("square.int", lambda lib, x: x.square(), (INTS,), grad=False, kind="int"),
    OpSpec("abs.int", lambda lib, x: lib.abs(x), (INTS,), grad=False, kind="int"),
    OpSpec("sqrt.int", lambda lib, x: lib.sqrt(lib.abs(x)), (INTS,), grad=False, kind="int"),
    OpSpec("sin.int", lambda lib, x: x.sin(), (INTS,), grad=False, kind="int"),
    OpSpec("exp.bool", lambda lib, x: lib.exp(x), grad=False, kind="bool"),
    OpSpec("reciprocal.int", lambda lib, x: x.reciprocal(), (INT_DIVISOR,), grad=False,
           kind="int"),
]

SPECS = UNARY + BINARY + INTEGER
