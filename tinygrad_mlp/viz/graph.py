"""Draw the computation graph behind a tensor with graphviz.

Op nodes (``Function`` instances, reached through ``tensor._ctx``) become
ellipses labelled with the op's name and a short detail; tensors become boxes
with their name, shape, dtype, value (for scalars) and gradient norm ‖∇‖.
Intermediate results that are neither named nor hold a gradient are not drawn
as boxes: the edge between two ops carries their shape instead, as in the
hand-drawn mock-up.  The graph must still hold its inputs: draw it before
``backward()`` or after ``backward(retain_graph=True)``.

The walk is iterative (breadth-first from the output) and node ids are
``n0, n1, ...`` in walk order, so the same computation always gives the same
DOT text.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np

from ..tensor import Tensor

#: Light to dark blues for gradient norms (log scale), as in the mock-up.
_BLUES = ("#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c")
_ORANGE = "#fdd0a2"  # saturated sigmoid/tanh
_GREEN = "#c7e9c0"  # the output
#: (threshold on the derivative, how the derivative is written) per saturating op.
_SATURATING = {"sigmoid": (0.05, "σ′"), "tanh": (0.1, "tanh′")}
_BROADCASTING = {"add", "sub", "mul", "div", "pow", "where"}
_REDUCTIONS = {"sum", "mean", "max", "min"}
_MISSING = "draw_graph needs the graphviz package: pip install tinygrad_mlp[viz]"


def _import_graphviz():
    try:
        import graphviz
    except ImportError as exc:  # an optional dependency, imported only when drawing
        raise ImportError(_MISSING) from exc
    return graphviz


def draw_graph(
    output,
    params=None,
    show_grad: bool = True,
    color_by_grad: bool = False,
    saturation: bool | float = True,
    group_modules=None,
    max_nodes: int = 500,
    rankdir: str = "LR",
    title: str | None = None,
    show_intermediates: bool = False,
):
    """The graph that computed ``output`` (a Tensor or a list of them) as a ``graphviz.Digraph``.

    ``params``: dict name -> Tensor (e.g. ``dict(model.named_parameters())``) or a Module;
    tensors are matched by identity to show their names.  ``show_grad`` adds ‖∇‖ to tensors
    holding a gradient; ``color_by_grad`` fills them by log ‖∇‖ (light = small) with a legend.
    ``saturation`` marks sigmoid/tanh nodes where σ′ = s(1−s) < 0.05 (1−tanh² < 0.1) on at
    least 1% of units (a float sets that fraction).  ``group_modules``: a Module (one cluster
    per child with parameters) or dict label -> tensors/Module.  At most ``max_nodes`` nodes
    are drawn.  ``show_intermediates`` draws every intermediate tensor as a box.
    Display it in Jupyter directly, or save it with ``render_graph``.

    Draw before ``backward()`` or after ``backward(retain_graph=True)``: a plain
    ``backward()`` frees the graph, and drawing it then raises RuntimeError.
    """
    graphviz = _import_graphviz()
    roots = [output] if isinstance(output, Tensor) else list(output)
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError(f"draw_graph: output must be a Tensor or a list of Tensors, "
                        f"got {type(output).__name__}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int, got {max_nodes!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    if params is None and hasattr(group_modules, "named_parameters"):
        params = group_modules
    names = _param_names(params)
    order = _walk(roots)
    b = _Builder(roots, names, show_grad, show_intermediates)
    b.layout(order, max_nodes)
    groups = _groups(group_modules, b)

    dot = graphviz.Digraph("computation_graph")
    dot.attr(rankdir=rankdir, fontname="Helvetica")  # also the clusters' labels
    if title:
        dot.attr(label=_esc(title), labelloc="t", fontsize="14")
    dot.attr("node", fontname="Helvetica", fontsize="10")
    dot.attr("edge", fontname="Helvetica", fontsize="8", fontcolor="gray35")
    min_frac = 0.01 if saturation is True else float(saturation or 0)
    stmts = b.node_statements(bool(saturation), min_frac, color_by_grad)
    clustered: dict[int, list] = {}
    for nid, attrs in stmts:
        g = groups.get(nid)
        if g is None:
            dot.node(nid, **attrs)
        else:
            clustered.setdefault(g, []).append((nid, attrs))
    for gi, (label, _) in enumerate(b.group_list):
        if gi in clustered:
            with dot.subgraph(name=f"cluster_{gi}") as sub:
                sub.attr(label=_esc(label), style="rounded", color="gray60")
                for nid, attrs in clustered[gi]:
                    sub.node(nid, **attrs)
    for src, dst, label in b.edges:
        dot.edge(src, dst, **({"label": label} if label else {}))
    if b.hidden:
        dot.node("truncated", label=f"… {b.hidden} more nodes\\n(max_nodes={max_nodes})",
                 shape="note", style="dashed")
        for dst in b.frontier[:5]:
            dot.edge("truncated", dst, style="dashed", arrowhead="none")
    legend = b.legend(color_by_grad)
    if legend:
        dot.node("legend", label=legend, shape="plaintext")
    return dot


def render_graph(dot, path, format: str | None = None) -> Path:
    """Write ``dot`` (from ``draw_graph``) to ``path`` as SVG, PNG, PDF, ...

    ``format`` defaults to the path's suffix, else 'svg' (then '.svg' is appended).
    Runs Graphviz's ``dot`` program through the graphviz package (no shell).
    """
    graphviz = _import_graphviz()
    path = Path(path)
    if format is None:
        format = path.suffix.lstrip(".").lower() or "svg"
    if not path.suffix:
        path = path.with_suffix("." + format)
    try:
        data = dot.pipe(format=format)
    except graphviz.ExecutableNotFound as exc:
        raise RuntimeError(
            "render_graph: Graphviz's 'dot' program was not found on PATH; install it "
            "(apt install graphviz, brew install graphviz or conda install graphviz). "
            "The DOT text itself is in dot.source."
        ) from exc
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


# ------------------------------------------------------------------ the walk
def _walk(roots: list) -> list:
    """Tensors reachable from ``roots``, breadth first, each once (iterative: no depth limit)."""
    seen: set = set()
    queue: deque = deque()
    for r in roots:
        if id(r) not in seen:
            seen.add(id(r))
            queue.append(r)
    order = []
    while queue:
        t = queue.popleft()
        order.append(t)
        node = t._ctx
        if node is None:
            continue
        parents = getattr(node, "parents", None)
        if parents is None:
            raise RuntimeError(
                f"draw_graph: the graph was freed by backward() (op node {node.name()!r} "
                f"no longer knows its inputs); draw before backward(), or call "
                f"backward(retain_graph=True)"
            )
        for p in parents:
            if id(p) not in seen:
                seen.add(id(p))
                queue.append(p)
    return order


def _param_names(params) -> dict:
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        params = params.named_parameters()
    items = params.items() if isinstance(params, dict) else params
    return {id(t): str(name) for name, t in items}


def _groups(group_modules, b) -> dict:
    """Node id -> cluster index: each group's tensors and the op nodes that consume them."""
    if group_modules is None:
        return {}
    if hasattr(group_modules, "named_children"):
        items = [(f"{n}: {_short_repr(c)}", c) for n, c in group_modules.named_children()]
    elif isinstance(group_modules, dict):
        items = list(group_modules.items())
    else:
        raise TypeError(f"draw_graph: group_modules must be a Module or a dict label -> "
                        f"tensors, got {type(group_modules).__name__}")
    member: dict[int, int] = {}
    for label, v in items:
        if hasattr(v, "parameters"):
            ts = list(v.parameters())
        else:
            ts = [v] if isinstance(v, Tensor) else list(v)
        if ts:
            b.group_list.append((str(label), ts))
            for t in ts:
                member.setdefault(id(t), len(b.group_list) - 1)
    return b.assign_groups(member)


def _short_repr(module) -> str:
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        return f"{type(module).__name__}({module.in_features} → {module.out_features})"
    text = repr(module).splitlines()[0]
    return text if len(text) <= 60 else text[:57] + "..."


# ------------------------------------------------------------------ building
class _Builder:
    """Decides which tensors get boxes, numbers the nodes and collects edges."""

    def __init__(self, roots, names, show_grad, show_intermediates):
        self.roots = {id(r): i for i, r in enumerate(roots)}
        self.n_roots = len(roots)
        self.names, self.show_grad, self.show_all = names, show_grad, show_intermediates
        self.units: list = []  # (kind, object, tensor): 'tensor' | 'op' | 'targets'
        self.ids: dict = {}  # (kind, id(object)) -> node id
        self.edges: list = []
        self.frontier: list = []
        self.hidden = 0
        self.group_list: list = []
        self.norms: list = []
        self.saturated = False

    def boxed(self, t) -> bool:
        return (t._ctx is None or id(t) in self.roots or self.show_all or bool(t.name)
                or id(t) in self.names or t.grad is not None or t._retains_grad)

    def folded(self, t) -> bool:
        """A plain 2-D transpose of a leaf (W.T in linear) is drawn as an edge marked ᵀ."""
        node = t._ctx
        return (node is not None and type(node).name() == "transpose" and not self.boxed(t)
                and getattr(node, "axes", None) is None and t.ndim == 2
                and node.parents[0]._ctx is None)

    def source(self, t):
        """(node key, edge label, tensor drawn) for an edge that carries ``t`` into an op."""
        if self.boxed(t):
            return ("tensor", id(t)), None, t
        if self.folded(t):
            p = t._ctx.parents[0]
            return ("tensor", id(p)), "ᵀ", p
        return ("op", id(t._ctx)), _shape(t.shape), None

    def layout(self, order, max_nodes):
        for t in order:
            if self.boxed(t):
                self.units.append(("tensor", t, t))
            if t._ctx is not None and not self.folded(t):
                self.units.append(("op", t._ctx, t))
                if hasattr(t._ctx, "targets"):  # cross_entropy's integer labels
                    self.units.append(("targets", t._ctx, t))
        shown, self.hidden = self.units[:max_nodes], max(0, len(self.units) - max_nodes)
        for i, (kind, obj, _) in enumerate(shown):
            self.ids[(kind, id(obj))] = f"n{i}"
        self.units = shown
        for kind, obj, t in shown:
            if kind != "op":
                continue
            me = self.ids[("op", id(obj))]
            cut = False
            for p in obj.parents:
                key, label, _ = self.source(p)
                if key in self.ids:
                    self.edges.append((self.ids[key], me, label))
                else:
                    cut = True
            if ("targets", id(obj)) in self.ids:
                self.edges.append((self.ids[("targets", id(obj))], me, None))
            if ("tensor", id(t)) in self.ids:
                self.edges.append((me, self.ids[("tensor", id(t))], None))
            if cut:
                self.frontier.append(me)

    def assign_groups(self, member: dict) -> dict:
        out = {}
        for kind, obj, _ in self.units:
            nid = self.ids[(kind, id(obj))]
            if kind == "tensor" and id(obj) in member:
                out[nid] = member[id(obj)]
            elif kind == "op":
                hits = [member[id(s[2])] for s in map(self.source, obj.parents)
                        if s[2] is not None and id(s[2]) in member]
                if hits:
                    out[nid] = min(hits)
        return out

    # ------------------------------------------------------------- labels
    def node_statements(self, saturation, min_frac, color_by_grad) -> list:
        if color_by_grad:
            self.norms = [_norm(t.grad) for kind, t, _ in self.units
                          if kind == "tensor" and t.grad is not None]
        stmts = []
        for kind, obj, t in self.units:
            nid = self.ids[(kind, id(obj))]
            if kind == "tensor":
                stmts.append((nid, self.tensor_attrs(obj, color_by_grad)))
            elif kind == "op":
                stmts.append((nid, self.op_attrs(obj, t, saturation, min_frac)))
            else:
                n, c = obj.targets.shape, obj.inputs[0].shape[-1]
                stmts.append((nid, {"label": f"targets\\n{_shape(n)} class labels "
                                             f"(of {c})", "shape": "box", "style": "rounded"}))
        return stmts

    def tensor_attrs(self, t, color_by_grad) -> dict:
        name = self.names.get(id(t)) or t.name
        if not name and id(t) in self.roots:
            name = "output" if self.n_roots == 1 else f"output {self.roots[id(t)]}"
        elif not name and t._ctx is None:
            name = "leaf" if t.requires_grad else ("constant" if t.numel() == 1 else "input")
        line = f"{_shape(t.shape)} {t.dtype}"
        if t.numel() == 1:
            line += f" = {t.data.item():.5g}"
        lines = ([_esc(name)] if name else []) + [line]
        if self.show_grad and t.grad is not None:
            lines.append(f"‖∇‖ {_norm(t.grad):.3g}")
        attrs = {"label": "\\n".join(lines), "shape": "box"}
        style = [] if t._ctx is None and t.requires_grad else ["rounded"]
        fill = _GREEN if id(t) in self.roots else None
        if color_by_grad and t.grad is not None:
            fill = self.grad_colour(_norm(t.grad))
            if fill in _BLUES[-2:]:
                attrs["fontcolor"] = "white"
        if fill:
            style.append("filled")
            attrs["fillcolor"] = fill
        if style:
            attrs["style"] = ",".join(style)
        return attrs

    def op_attrs(self, node, out, saturation, min_frac) -> dict:
        name = type(node).name()
        lines = [name + _op_detail(node, name, out)]
        if name == "cross_entropy":
            lines += ["(log-softmax + NLL)", "δᴸ = softmax − one-hot"]
        attrs = {"shape": "ellipse"}
        if saturation and name in _SATURATING:
            thr, sym = _SATURATING[name]
            d = out.data.astype(np.float64)
            d = d * (1 - d) if name == "sigmoid" else 1 - d * d
            k, n = int((d < thr).sum()), d.size
            if k and k >= min_frac * n:
                lines += [f"{sym} < {thr:g} on {k} of {n} units", "(saturated: learns slowly)"]
                attrs.update(style="filled", fillcolor=_ORANGE)
                self.saturated = True
        attrs["label"] = "\\n".join(lines)
        return attrs

    def grad_colour(self, norm: float) -> str:
        logs = [np.log10(v) for v in self.norms if v > 0]
        if norm <= 0 or not logs:
            return _BLUES[0]
        lo, hi = min(logs), max(logs)
        frac = 0.5 if hi == lo else (np.log10(norm) - lo) / (hi - lo)
        return _BLUES[int(round(frac * (len(_BLUES) - 1)))]

    def legend(self, color_by_grad) -> str | None:
        rows = []
        if color_by_grad:
            pos = [v for v in self.norms if v > 0]
            if pos:
                cells = "".join(f'<TD BGCOLOR="{c}" WIDTH="14"> </TD>' for c in _BLUES)
                rows.append(f'<TR><TD ALIGN="RIGHT">‖∇‖ {min(pos):.2g}</TD>{cells}'
                            f'<TD ALIGN="LEFT">{max(pos):.2g}</TD></TR>')
                rows.append('<TR><TD COLSPAN="9">fill: gradient norm, log scale '
                            '(light = small)</TD></TR>')
            else:
                rows.append("<TR><TD>no gradients yet: call backward(retain_graph=True) "
                            "before drawing</TD></TR>")
        if self.saturated:
            rows.append(f'<TR><TD COLSPAN="9" BGCOLOR="{_ORANGE}">orange: saturated '
                        'activations (BP2: δ shrinks by σ′)</TD></TR>')
        if not rows:
            return None
        return ('<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" COLOR="gray60">'
                + "".join(rows) + "</TABLE>>")


def _op_detail(node, name: str, out) -> str:
    """A short description of the op's settings, e.g. ' axis=1' or ' (broadcast)'."""
    parents = node.parents
    if name in _BROADCASTING:  # scaling by a plain number is not worth a note
        shapes = {p.shape for p in parents if p.ndim or p.requires_grad}
        return " (broadcast)" if len(shapes) > 1 else ""
    if name in _REDUCTIONS:
        axes = getattr(node, "axes", ())
        if axes == tuple(range(parents[0].ndim)):
            return ""
        keep = " keepdims" if out.ndim == parents[0].ndim else ""
        return f" axis={axes[0] if len(axes) == 1 else axes}{keep}"
    if name == "cross_entropy":
        red = getattr(node, "reduction", "mean")
        return "" if red == "mean" else f" ({red})"
    if name == "linear":
        return "\\nx Wᵀ + b" if len(parents) > 2 else "\\nx Wᵀ"
    if name == "getitem":
        return " " + _index_text(getattr(node, "index", None))
    if name in ("reshape", "broadcastto"):
        return f" → {_shape(out.shape)}"
    if name == "transpose" and getattr(node, "axes", None) is not None:
        return f" {tuple(node.axes)}"
    if name == "swapaxes":
        return f" {node.a}, {node.b}"
    if name == "clip":
        return f" [{node.lo}, {node.hi}]"
    if name == "cast":
        return f" → {out.dtype}"
    if hasattr(node, "axis"):
        return f" axis={node.axis}"
    return ""


def _index_text(index) -> str:
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, slice):
            s = ":".join("" if v is None else str(v) for v in (p.start, p.stop, p.step))
            out.append(s.rstrip(":") if p.step is None else s)
            out[-1] = out[-1] or ":"
        elif isinstance(p, np.ndarray):
            out.append(f"{p.dtype.name}{list(p.shape)}")
        else:
            out.append("..." if p is Ellipsis else str(p))
    text = "[" + ", ".join(out) + "]"
    return text if len(text) <= 40 else text[:37] + "...]"


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def _norm(g) -> float:
    return float(np.linalg.norm(np.asarray(g.data, dtype=np.float64).ravel()))


def _esc(text: str) -> str:
    """A user string as a literal DOT label (backslashes would start escapes)."""
    return str(text).replace("\\", "\\\\")
