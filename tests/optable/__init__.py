"""One table of ops drives the property tests and the PyTorch cross-checks.

Each family of ops has a module here exporting ``SPECS``, a list of ``OpSpec``.
A spec's ``fn(lib, *xs)`` is written once in PyTorch's spelling and runs on
both libraries: ``lib`` is ``tinygrad_mlp`` (or ``torch``), ``xs`` are that
library's tensors.  ``tests/test_optable.py`` turns every spec into

* a hypothesis test of the gradient against central differences in float64
  (``grad=True`` specs), and of the forward shape/finiteness;
* a PyTorch cross-check of forward values, result dtype and gradients in
  float32 and float64 (when torch is installed).

Add an op → add a spec; a family module that is not listed in ``FAMILIES``
below is not collected, so list it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

from tinygrad_mlp import testing as tmt


@dataclass(frozen=True)
class Domain:
    """Where an op's input lives: [lo, hi], at least ``margin`` from every kink."""

    lo: float = -3.0
    hi: float = 3.0
    kinks: tuple = ()
    margin: float = 1e-2

    def strategy(self):
        if self.kinks:
            return tmt.away_from(*self.kinks, margin=self.margin, lo=self.lo, hi=self.hi)
        return tmt.floats_in(self.lo, self.hi)

    def sample(self, rng: np.random.Generator, shape: tuple) -> np.ndarray:
        x = rng.uniform(self.lo, self.hi, size=shape)
        for k in self.kinks:
            near = np.abs(x - k) < self.margin
            x = np.where(near, np.where(x >= k, k + self.margin, k - self.margin), x)
        return x


ANY = Domain()
POS = Domain(0.2, 4.0)
UNIT = Domain(-0.95, 0.95)
NONZERO = Domain(kinks=(0.0,), margin=0.5)


def away_from(*kinks: float, lo: float = -3.0, hi: float = 3.0, margin: float = 1e-2) -> Domain:
    return Domain(lo, hi, tuple(kinks), margin)


#: The input dtype of each kind of spec, for the float32 and float64 runs of the cross-check.
INPUT_DTYPES = {
    "float": {"float32": "float32", "float64": "float64"},
    "int": {"float32": "int32", "float64": "int64"},
    "bool": {"float32": "bool", "float64": "bool"},
}


@dataclass(frozen=True)
class OpSpec:
    """One op (or one way of calling it).

    name     unique test id, e.g. ``"log1p"`` or ``"clamp.tensor_bounds"``
    fn       ``fn(lib, *xs)`` → a tensor (or a tuple; the first float output is checked)
    domains  one ``Domain`` per float input (``ANY``, ``POS``, ``away_from(0)``, ``Domain(lo, hi)``)
    shapes   "broadcast" (mutually broadcastable, 0-d included), "same" (one shape for all),
             or a tuple of fixed shapes, one per input
    grad     False for ops without a gradient (comparisons, logic, argmax…): only the
             forward value and dtype are checked
    distinct spread the values apart (max, sort, median… need a unique winner)
    min_dims smallest ndim drawn (1 for ops that need a dim)
    torch_fn a different program for torch, when its spelling differs from ours
    rtol32   tolerance of the float32 cross-check
    rtol64   tolerance of the float64 cross-check (loosen only with a reason in a comment)
    kind     what the inputs hold: "float"; "int" (the drawn values rounded, checked
             against torch as int32 and int64); "bool" (drawn value > 0). Non-float
             specs have grad=False.
    """

    name: str
    fn: Callable
    domains: tuple = (ANY,)
    shapes: object = "broadcast"
    grad: bool = True
    distinct: bool = False
    min_dims: int = 0
    torch_fn: Callable | None = None
    rtol32: float = 1e-5
    rtol64: float = 1e-10
    atol32: float = 1e-6
    tags: tuple = field(default_factory=tuple)
    kind: str = "float"

    def __post_init__(self):
        if self.kind not in INPUT_DTYPES:
            raise ValueError(f"{self.name}: kind must be one of {sorted(INPUT_DTYPES)}")
        if self.kind != "float" and self.grad:
            raise ValueError(f"{self.name}: {self.kind} inputs carry no gradient; "
                             f"set grad=False")

    def as_kind(self, x: np.ndarray, float_dtype: str = "float64") -> np.ndarray:
        """Drawn float64 values as this spec's inputs (``float_dtype`` picks the width)."""
        if self.kind == "int":
            x = np.round(x)
        elif self.kind == "bool":
            x = x > 0
        return x.astype(INPUT_DTYPES[self.kind][float_dtype])

    @property
    def arity(self) -> int:
        return len(self.domains)


#: Modules of this package that hold SPECS (one per family of ops).
FAMILIES = ["basic", "activation", "pointwise", "reduction", "compare"]
FAMILIES += ["join", "layout", "index", "sort", "einsum"]
FAMILIES += ["nn_losses", "nn_layers"]
FAMILIES += ["semantics"]


def all_specs() -> list[OpSpec]:
    specs: list[OpSpec] = []
    for fam in FAMILIES:
        specs.extend(importlib.import_module(f"{__name__}.{fam}").SPECS)
    names = [s.name for s in specs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise RuntimeError(f"op specs defined twice: {sorted(dup)}")
    return specs


def shapes_for(spec: OpSpec):
    """A strategy of one shape per input, as ``spec.shapes`` asks."""
    if isinstance(spec.shapes, tuple):
        return st.just(spec.shapes)
    if spec.shapes == "same":
        return tmt.shapes(min_dims=spec.min_dims).map(lambda s: (s,) * spec.arity)
    return tmt.broadcastable_shapes(spec.arity, min_dims=spec.min_dims)
