"""Numerical gradient checking: PyTorch-style ``gradcheck``/``gradgradcheck`` and the
classic per-parameter relative-error report.

Central differences: ∂f/∂xⱼ ≈ (f(x + ε·eⱼ) − f(x − ε·eⱼ)) / 2ε, in float64.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .autograd import enable_grad, grad, no_grad
from .tensor import Tensor

#: Grades of the classic recipe: relative error ≤ OK_BELOW is OK, ≤ WARN_BELOW a warning.
OK_BELOW = 1e-7
WARN_BELOW = 1e-4


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when an analytical and a numerical gradient disagree."""


def _as_tuple(x) -> tuple:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs) -> tuple:
    outs = _as_tuple(fn(*inputs))
    for i, o in enumerate(outs):
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: output {i} of fn is a {type(o).__name__}, not a Tensor")
    return outs


def _warn_not_float64(tensors, names, opname: str) -> None:
    for name, x in zip(names, tensors):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype != np.float64:
            warnings.warn(
                f"{opname}: {name} has dtype {x.dtype}; central differences need float64 "
                f"for a meaningful check (build inputs with dtype=np.float64, or call "
                f"model.double())",
                stacklevel=4,
            )


def _make_perturbable(tensors) -> None:
    """Give each tensor that requires grad a C-contiguous, writeable array.

    Numerical differences perturb ``data.reshape(-1)`` in place; for a
    transposed or read-only array that reshape is a copy and the
    perturbation would never reach the function.
    """
    for t in tensors:
        if isinstance(t, Tensor) and t.requires_grad:
            d = t.data
            if not (d.flags.c_contiguous and d.flags.writeable):
                t.data = np.array(d, order="C", copy=True)


def _checked_inputs(inputs, opname: str) -> tuple:
    inputs = _as_tuple(inputs)
    _warn_not_float64(inputs, [f"input {i}" for i in range(len(inputs))], opname)
    _make_perturbable(inputs)
    if not any(isinstance(x, Tensor) and x.requires_grad for x in inputs):
        raise ValueError(f"{opname}: no input requires grad; nothing to check")
    return inputs


def numerical_jacobian(fn, inputs: tuple, i: int, eps: float) -> np.ndarray:
    """J[k, j] = ∂ out_k / ∂ inputs[i]_j by central differences.

    Outputs are flattened and concatenated, so k runs over all their elements.
    """
    x = inputs[i].data
    flat = x.reshape(-1)  # a view: perturbing it perturbs the input
    cols = []
    with no_grad():
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = np.concatenate([o.data.reshape(-1) for o in _outputs(fn, inputs)])
            flat[j] = orig - eps
            minus = np.concatenate([o.data.reshape(-1) for o in _outputs(fn, inputs)])
            flat[j] = orig
            cols.append((plus.astype(np.float64) - minus) / (2 * eps))
    n_out = sum(o.numel() for o in _outputs(fn, inputs)) if not cols else cols[0].size
    return np.stack(cols, axis=1) if cols else np.zeros((n_out, 0))


def analytical_jacobians(fn, inputs: tuple, wrt: list[int]) -> list[np.ndarray]:
    """One Jacobian per input in ``wrt``, built row by row with vector-Jacobian products."""
    outs = _outputs(fn, inputs)
    n_out = sum(o.numel() for o in outs)
    jacs = [np.zeros((n_out, inputs[i].numel())) for i in wrt]
    row = 0
    targets = [inputs[i] for i in wrt]
    for k, o in enumerate(outs):
        for e in range(o.numel()):
            if o.requires_grad:
                seeds = [np.zeros(p.shape, dtype=p.dtype) for p in outs]
                seeds[k].reshape(-1)[e] = 1
                live = [(p, s) for p, s in zip(outs, seeds) if p.requires_grad]
                gs = grad([p for p, _ in live], targets, [s for _, s in live],
                          retain_graph=True, allow_unused=True)
                for jac, g in zip(jacs, gs):
                    if g is not None:
                        jac[row] = g.data.reshape(-1)
            row += 1
    return jacs


def gradcheck(
    fn: Callable,
    inputs,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of ``fn(*inputs)`` against central differences.

    Every input Tensor with ``requires_grad`` is checked (they should be
    float64; other dtypes give a warning).  The full Jacobian is compared:
    ``|analytical − numerical| ≤ atol + rtol·|numerical|`` elementwise.
    Returns True, or raises ``GradcheckError`` naming the input, the output
    and input elements and both values at the worst element (returns False
    instead when ``raise_exception=False``).
    """
    inputs = _checked_inputs(inputs, "gradcheck")
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    analytical = analytical_jacobians(fn, inputs, wrt)
    out_shapes = [o.shape for o in _outputs(fn, inputs)]
    for i, a in zip(wrt, analytical):
        n = numerical_jacobian(fn, inputs, i, eps)
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if not (excess <= 0).all() or not np.isfinite(a).all():
            bad = np.where(np.isfinite(excess), excess, np.inf)
            r, c = np.unravel_index(int(np.argmax(bad)), bad.shape)
            o, idx_out = _locate(out_shapes, r)
            idx_in = np.unravel_index(c, inputs[i].shape) if inputs[i].shape else ()
            idx_out, idx_in = [int(v) for v in idx_out], [int(v) for v in idx_in]
            msg = (
                f"gradcheck: Jacobian mismatch for input {i} (shape {inputs[i].shape}): "
                f"∂(output {o}){idx_out} / ∂(input {i}){idx_in} is "
                f"{a[r, c]:.6g} analytically but {n[r, c]:.6g} numerically "
                f"(|difference| {abs(a[r, c] - n[r, c]):.3g} > atol + rtol·|numerical| = "
                f"{atol + rtol * abs(n[r, c]):.3g}); {int((excess > 0).sum())} of {excess.size} "
                f"entries differ"
            )
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def _locate(shapes: list, row: int):
    for k, s in enumerate(shapes):
        size = int(np.prod(s)) if s else 1
        if row < size:
            return k, (np.unravel_index(row, s) if s else ())
        row -= size
    raise IndexError(row)


def gradgradcheck(
    fn: Callable,
    inputs,
    grad_outputs=None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck the map (inputs, v) ↦ vᵀ·∂fn/∂inputs,
    computed with ``create_graph=True``.  ``grad_outputs`` (the v) defaults to
    random float64 tensors shaped like the outputs."""
    inputs = _checked_inputs(inputs, "gradgradcheck")
    outs = _outputs(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = tuple(
            Tensor(rng.standard_normal(o.shape), dtype=np.float64, requires_grad=True)
            for o in outs
        )
    grad_outputs = _as_tuple(grad_outputs)
    n = len(inputs)
    wrt = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def first_order(*args):
        xs, vs = args[:n], args[n:]
        with enable_grad():  # numerical_jacobian calls this under no_grad
            ys = _outputs(fn, xs)
            live = [(y, v) for y, v in zip(ys, vs) if y.requires_grad]
            gs = grad([y for y, _ in live], [xs[i] for i in wrt], [v for _, v in live],
                      create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor(np.zeros(xs[i].shape))
                     for g, i in zip(gs, wrt))

    return gradcheck(first_order, inputs + grad_outputs, eps, atol, rtol, raise_exception)


# ---------------------------------------------------------------------------
# The classic per-parameter report
# ---------------------------------------------------------------------------


def relative_error(numerical, analytical) -> float:
    """‖g_num − g‖ / (‖g_num‖ + ‖g‖), and 0 when both are zero."""
    numerical, analytical = np.asarray(numerical), np.asarray(analytical)
    denom = np.linalg.norm(numerical) + np.linalg.norm(analytical)
    return 0.0 if denom == 0 else float(np.linalg.norm(numerical - analytical) / denom)


def grade(rel_error: float) -> str:
    """'OK' (≤ 1e-7), 'warning' (≤ 1e-4) or 'problem', as in the classic recipe."""
    if rel_error <= OK_BELOW:
        return "OK"
    if rel_error <= WARN_BELOW:
        return "warning"
    return "problem"


@dataclass
class ReportRow:
    name: str
    shape: tuple
    checked: int
    rel_error: float
    grade: str


class GradcheckReport(list):
    """A list of ``ReportRow``, one per checked tensor; ``str()`` gives a table."""

    @property
    def ok(self) -> bool:
        return all(r.grade == "OK" for r in self)

    @property
    def worst(self) -> ReportRow:
        return max(self, key=lambda r: r.rel_error)

    def __str__(self) -> str:
        w = max([len("tensor")] + [len(r.name) for r in self])
        lines = [f"{'tensor':<{w}}  {'shape':<14} {'checked':>7}  {'rel. error':>10}  grade"]
        for r in self:
            lines.append(f"{r.name:<{w}}  {str(r.shape):<14} {r.checked:>7}  "
                         f"{r.rel_error:>10.2e}  {r.grade}")
        return "\n".join(lines)


def gradcheck_report(
    fn: Callable,
    inputs,
    eps: float = 1e-5,
    max_elements: int | None = None,
    seed: int = 0,
) -> GradcheckReport:
    """Relative error between numerical and analytical gradients of a scalar, per tensor.

    ``inputs`` is either a sequence of Tensors, with ``fn(*inputs)`` returning
    the scalar, or a mapping name → Tensor (e.g. ``dict(model.named_parameters())``)
    with ``fn()`` taking no arguments (a closure computing the loss).  Each
    relative error ‖g_num − g‖/(‖g_num‖ + ‖g‖) is graded OK ≤ 1e-7 < warning
    ≤ 1e-4 < problem.  ``max_elements`` checks a random subset of each
    tensor's elements (numerical gradients cost two evaluations per element).
    """
    if isinstance(inputs, Mapping):
        names, tensors = list(inputs.keys()), list(inputs.values())

        def call():
            return fn()
    else:
        tensors = list(_as_tuple(inputs))
        names = [f"input {i}" for i in range(len(tensors))]

        def call():
            return fn(*tensors)

    _warn_not_float64(tensors, names, "gradcheck_report")
    _make_perturbable(tensors)
    keep = [k for k, t in enumerate(tensors) if isinstance(t, Tensor) and t.requires_grad]
    if not keep:
        raise ValueError("gradcheck_report: no tensor requires grad; nothing to check")
    loss = call()
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        raise ValueError("gradcheck_report: fn must return a scalar Tensor (a loss)")
    analytical = grad(loss, [tensors[k] for k in keep], allow_unused=True)
    rng = np.random.default_rng(seed)
    report = GradcheckReport()
    for k, g in zip(keep, analytical):
        t = tensors[k]
        flat = t.data.reshape(-1)
        g_flat = np.zeros(t.numel()) if g is None else g.data.reshape(-1).astype(np.float64)
        idx = np.arange(t.numel())
        if max_elements is not None and t.numel() > max_elements:
            idx = np.sort(rng.choice(t.numel(), size=max_elements, replace=False))
        num = np.empty(idx.size)
        with no_grad():
            for n, j in enumerate(idx):
                orig = flat[j]
                flat[j] = orig + eps
                plus = float(call().data)
                flat[j] = orig - eps
                minus = float(call().data)
                flat[j] = orig
                num[n] = (plus - minus) / (2 * eps)
        err = relative_error(num, g_flat[idx])
        report.append(ReportRow(names[k], t.shape, int(idx.size), err, grade(err)))
    return report


__all__ = [
    "GradcheckError", "GradcheckReport", "ReportRow", "analytical_jacobians", "grade",
    "gradcheck", "gradcheck_report", "gradgradcheck", "numerical_jacobian", "relative_error",
]

