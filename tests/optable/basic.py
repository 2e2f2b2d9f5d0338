"""Specs of the engine's first ops (arithmetic and the classic pointwise functions)."""

from __future__ import annotations

from . import ANY, NONZERO, POS, Domain, OpSpec, away_from

SPECS = [
    OpSpec("add", lambda lib, a, b: a + b, (ANY, ANY)),
    OpSpec("sub", lambda lib, a, b: a - b, (ANY, ANY)),
    OpSpec("mul", lambda lib, a, b: a * b, (ANY, ANY)),
    OpSpec("div", lambda lib, a, b: a / b, (ANY, NONZERO)),
    OpSpec("pow", lambda lib, a, b: a ** b, (Domain(0.5, 3), Domain(-2, 2))),
    OpSpec("neg", lambda lib, x: -x),
    OpSpec("exp", lambda lib, x: x.exp()),
    OpSpec("log", lambda lib, x: x.log(), (POS,)),
    OpSpec("sqrt", lambda lib, x: x.sqrt(), (POS,)),
    OpSpec("abs", lambda lib, x: x.abs(), (away_from(0),)),
    OpSpec("tanh", lambda lib, x: x.tanh()),
    OpSpec("sigmoid", lambda lib, x: x.sigmoid()),
    OpSpec("relu", lambda lib, x: x.relu(), (away_from(0),)),
    OpSpec("lt", lambda lib, a, b: a < b, (ANY, ANY), grad=False),
]
