"""Colours and label text shared by the graph drawings (``graph``, ``collapse``, ``steps``)."""

from __future__ import annotations

import numpy as np

#: Light to dark blues for gradient norms (log scale), as in the mock-up.
BLUES = ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c")
ORANGE = "#fdd0a2"  # saturated sigmoid/tanh
GREEN = "#c7e9c0"  # the output
YELLOW = "#fff3b0"  # the node backward is at (backward_steps)
#: (threshold on the derivative, how the derivative is written) per saturating op.
SATURATING = {"sigmoid": (0.05, "σ′"), "tanh": (0.1, "tanh′")}
_BROADCASTING = {"add", "sub", "mul", "div", "pow", "where"}
_REDUCTIONS = {"sum", "mean", "max", "min"}
MISSING = "draw_graph needs the graphviz package: pip install tinygrad_mlp[viz]"


def import_graphviz():
    try:
        import graphviz
    except ImportError as exc:  # an optional dependency, imported only when drawing
        raise ImportError(MISSING) from exc
    return graphviz


def op_detail(op, out) -> str:
    """A short description of the op's settings, e.g. ' axis=1' or ' (broadcast)'.

    ``op`` is an ``OView``, ``out`` the ``TView`` of its output.
    """
    name, parents = op.name, op.parents
    if name in _BROADCASTING:  # scaling by a plain number is not worth a note
        shapes = {p.shape for p in parents if p.ndim or p.requires_grad}
        return " (broadcast)" if len(shapes) > 1 else ""
    if name in _REDUCTIONS:
        axes = op.get("axes", ())
        if axes == tuple(range(parents[0].ndim)):
            return ""
        keep = " keepdims" if out.ndim == parents[0].ndim else ""
        return f" axis={axes[0] if len(axes) == 1 else axes}{keep}"
    if name == "cross_entropy":
        red = op.get("reduction", "mean")
        return "" if red == "mean" else f" ({red})"
    if name == "linear":
        return "\\nx Wᵀ + b" if len(parents) > 2 else "\\nx Wᵀ"
    if name == "getitem":
        return " " + index_text(op.get("index"))
    if name in ("reshape", "broadcastto"):
        return f" → {shape_text(out.shape)}"
    if name == "transpose" and op.get("axes") is not None:
        return f" {tuple(op.get('axes'))}"
    if name == "swapaxes" and "a" in op.extras:
        return f" {op.get('a')}, {op.get('b')}"
    if name == "clip" and "lo" in op.extras:
        return f" [{op.get('lo')}, {op.get('hi')}]"
    if name == "cast":
        return f" → {out.dtype}"
    if "axis" in op.extras:
        return f" axis={op.get('axis')}"
    return ""


def index_text(index) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, slice):
            s = ":".join("" if v is None else str(v) for v in (p.start, p.stop, p.step))
            out.append(s.rstrip(":") if p.step is None else s)
            out[-1] = out[-1] or ":"
        elif hasattr(p, "shape") and hasattr(p, "dtype"):  # an array, or its ArraySpec
            out.append(f"{np.dtype(p.dtype).name}{list(p.shape)}")
        else:
            out.append("..." if p is Ellipsis else str(p))
    text = "[" + ", ".join(out) + "]"
    return text if len(text) <= 40 else text[:37] + "...]"


def shape_text(shape: tuple) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def norm(g) -> float:
    """‖g‖₂ of a Tensor or array, in float64."""
    return float(np.linalg.norm(np.asarray(getattr(g, "data", g), dtype=np.float64).ravel()))


def esc(text: str) -> str:
    """A user string as a literal DOT label (backslashes would start escapes)."""
    return str(text).replace("\\", "\\\\")


def grad_colour(value: float, values: list) -> str:
    """The blue for ``value`` among ``values`` on a log scale (light = small)."""
    logs = [np.log10(v) for v in values if v > 0]
    if value <= 0 or not logs:
        return BLUES[0]
    lo, hi = min(logs), max(logs)
    frac = 0.5 if hi == lo else (np.log10(value) - lo) / (hi - lo)
    return BLUES[int(round(frac * (len(BLUES) - 1)))]


def grad_legend_rows(values: list) -> list:
    pos = [v for v in values if v > 0]
    if not pos:
        return ["<TR><TD>no gradients yet: call backward() before drawing</TD></TR>"]
    cells = "".join(f'<TD BGCOLOR="{c}" WIDTH="14"> </TD>' for c in BLUES)
    return [f'<TR><TD ALIGN="RIGHT">‖∇‖ {min(pos):.2g}</TD>{cells}'
            f'<TD ALIGN="LEFT">{max(pos):.2g}</TD></TR>',
            '<TR><TD COLSPAN="9">fill: gradient norm, log scale (light = small)</TD></TR>']


def legend_table(rows: list) -> str:
    return ('<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" COLOR="gray60">'
            + "".join(rows) + "</TABLE>>")
