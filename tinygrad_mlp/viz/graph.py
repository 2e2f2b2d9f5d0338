"""Draw the computation graph behind a tensor with graphviz.

Op nodes become ellipses labelled with the op's name and a short detail;
tensors become boxes with their name, shape, dtype, value (for scalars) and
gradient norm ‖∇‖.  Intermediate results that are neither named nor hold a
gradient are not drawn as boxes: the edge between two ops carries their shape
instead, as in the hand-drawn mock-up.

The graph can be drawn before ``backward()``, after ``backward()`` (the engine
keeps a light skeleton of every freed node: op, shapes, dtypes, links to the
tensors still alive, so parameters show their gradients; only the saturation
of sigmoid/tanh, which needs their outputs, is then left out) and after
``backward(retain_graph=True)``.  ``collapse=True`` draws one box per module
(``collapse.py``); ``show_order=True`` numbers the ops in the order backward
visits them (``steps.py``).

The walk is iterative (breadth-first from the output) and node ids are
``n0, n1, ...`` in walk order, so the same computation always gives the same
DOT text.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..tensor import Tensor
from . import _style as S
from ._view import TView, build, kahn_order


def draw_graph(
    output=None,
    params=None,
    show_grad: bool = True,
    color_by_grad: bool = False,
    saturation: bool | float = True,
    group_modules=None,
    max_nodes: int = 500,
    rankdir: str = "LR",
    title: str | None = None,
    show_intermediates: bool = False,
    collapse: bool = False,
    depth: int | None = None,
    show_order: bool = False,
    model=None,
    sample=None,
    loss_fn=None,
):
    """The graph that computed ``output`` (a Tensor or a list of them) as a ``graphviz.Digraph``.

    ``params``: dict name -> Tensor (e.g. ``dict(model.named_parameters())``) or a Module;
    tensors are matched by identity to show their names.  ``show_grad`` adds ‖∇‖ to tensors
    holding a gradient; ``color_by_grad`` fills them by log ‖∇‖ (light = small) with a legend.
    ``saturation`` marks sigmoid/tanh nodes where σ′ = s(1−s) < 0.05 (1−tanh² < 0.1) on at
    least 1% of units (a float sets that fraction; needs the forward values, so not after a
    plain ``backward()``).  ``group_modules``: a Module (one cluster per child with
    parameters) or dict label -> tensors/Module.  At most ``max_nodes`` nodes are drawn (the
    rest is summarised in one node).  ``show_intermediates`` draws every intermediate tensor
    as a box.  ``rankdir``: 'LR', 'RL', 'TB' or 'BT'.

    ``collapse=True`` (needs ``params`` to be the Module) draws each child module as one box
    with its parameter count and input/output shapes, and folds runs of identical blocks
    into one box "× k"; ``depth=d`` collapses the modules ``d`` levels down instead
    (``depth=1`` is ``collapse=True``).  ``show_order=True`` numbers the op nodes in the
    order backward visits them (the engine's Kahn order).

    ``model=…, sample=(X, y)`` (no ``output``) runs one fresh batch: zero_grad, forward,
    ``loss_fn`` (default cross-entropy for integer ``y``, MSE otherwise), backward, and
    draws that loss with the model's names and gradients.  (After ``fit`` the parameters'
    ``.grad`` hold the last training batch's gradients.)

    Display it in Jupyter directly, or save it with ``render_graph``.
    """
    graphviz = S.import_graphviz()
    if model is not None and output is None:
        output = _fresh_loss(model, sample, loss_fn)
        params = model if params is None else params
    elif sample is not None:
        raise ValueError("draw_graph: sample= needs model= (and no output): it runs one "
                         "fresh batch through the model")
    if isinstance(output, Tensor):
        roots = [output]
    elif isinstance(output, (list, tuple)):
        roots = list(output)
    else:
        roots = []
    if not roots or not all(isinstance(r, Tensor) for r in roots):
        raise TypeError(f"draw_graph: output must be a Tensor or a list of Tensors, "
                        f"got {type(output).__name__}")
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be a positive int, got {max_nodes!r}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    if params is None and hasattr(group_modules, "named_parameters"):
        params = group_modules
    order = build(roots)
    if collapse or depth:
        from .collapse import draw_collapsed

        module = params if hasattr(params, "named_modules") else model
        if module is None:
            raise ValueError("draw_graph: collapse=True/depth= needs the Module as params= "
                             "(or model=) to know which ops belong to which module")
        return draw_collapsed(graphviz, order, roots, module, 1 if depth is None else depth,
                              max_nodes=max_nodes, rankdir=rankdir, title=title,
                              color_by_grad=color_by_grad, show_grad=show_grad)
    numbers = None
    if show_order:
        numbers = {t.key: i + 1 for i, t in enumerate(kahn_order(order[:len(roots)]))}
    return draw_views(graphviz, order, roots, params, show_grad=show_grad,
                      color_by_grad=color_by_grad, saturation=saturation,
                      group_modules=group_modules, max_nodes=max_nodes, rankdir=rankdir,
                      title=title, show_intermediates=show_intermediates, numbers=numbers)


def draw_views(graphviz, order: list, roots: list, params=None, *, show_grad=True,
               color_by_grad=False, saturation=True, group_modules=None, max_nodes=500,
               rankdir="LR", title=None, show_intermediates=False, numbers=None,
               deltas=None, current=None):
    """The Digraph of the walked graph ``order`` (``TView``s, roots first).

    ``numbers``: op key -> step number shown as "①"-style prefix "3:"; ``deltas``:
    tensor key -> δ array shown as ‖δ‖ (``backward_steps``); ``current``: the key
    of the tensor whose op backward is at (filled yellow).
    """
    names = _param_names(params)
    b = _Builder(roots, names, show_grad, show_intermediates)
    b.numbers, b.deltas, b.current = numbers or {}, deltas, current
    b.layout(order, max_nodes)
    groups = _groups(group_modules, b)

    dot = graphviz.Digraph("computation_graph")
    dot.attr(rankdir=rankdir, fontname="Helvetica")  # also the clusters' labels
    if title:
        dot.attr(label=S.esc(title), labelloc="t", fontsize="14")
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
                sub.attr(label=S.esc(label), style="rounded", color="gray60")
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
    graphviz = S.import_graphviz()
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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


# ------------------------------------------------------------------ helpers
def _fresh_loss(model, sample, loss_fn):
    """One batch through ``model`` and backward: the loss, its graph and fresh gradients."""
    from .. import nn
    from ..creation import from_numpy

    if sample is None or not isinstance(sample, (tuple, list)) or len(sample) != 2:
        raise ValueError("draw_graph: model= needs sample=(X, y), one batch of inputs and "
                         "targets")
    X, y = (a if isinstance(a, Tensor) else from_numpy(np.asarray(a)) for a in sample)
    if loss_fn is None:
        loss_fn = nn.CrossEntropyLoss() if y.dtype.kind in "iu" else nn.MSELoss()
    model.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    return loss


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
        items = [(f"{n}: {short_repr(c)}", c) for n, c in group_modules.named_children()]
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


def short_repr(module) -> str:
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        return f"{type(module).__name__}({module.in_features} → {module.out_features})"
    text = repr(module).splitlines()[0]
    return text if len(text) <= 60 else text[:57] + "..."


def _tid(t: TView):
    return None if t.tensor is None else id(t.tensor)


# ------------------------------------------------------------------ building
class _Builder:
    """Decides which tensors get boxes, numbers the nodes and collects edges."""

    def __init__(self, roots, names, show_grad, show_intermediates):
        self.roots = {id(r): i for i, r in enumerate(roots)}
        self.n_roots = len(roots)
        self.names, self.show_grad, self.show_all = names, show_grad, show_intermediates
        self.units: list = []  # (kind, view, tensor view): 'tensor' | 'op' | 'targets'
        self.ids: dict = {}  # (kind, key) -> node id
        self.edges: list = []
        self.frontier: list = []
        self.hidden = 0
        self.group_list: list = []
        self.norms: list = []
        self.saturated: list = []
        self.targets: set = set()  # keys of leaves that are a loss's target
        self.numbers: dict = {}
        self.deltas = None
        self.current = None

    def is_root(self, t: TView) -> bool:
        return _tid(t) in self.roots

    def inline_const(self, t: TView) -> bool:
        """An unnamed scalar constant (the 2 of ``x * 2``) is written into its op's label:
        as a box it would be one node with edges to every op using it."""
        return (t.op is None and not t.requires_grad and t.numel == 1 and not t.name
                and _tid(t) not in self.names and not self.is_root(t) and not self.show_all)

    def boxed(self, t: TView) -> bool:
        if self.inline_const(t):
            return False
        return (t.op is None or self.is_root(t) or self.show_all or bool(t.name)
                or _tid(t) in self.names or t.grad is not None or t.retains_grad)

    def folded(self, t: TView) -> bool:
        """A plain 2-D transpose of a leaf (W.T in linear) is drawn as an edge marked ᵀ."""
        op = t.op
        return (op is not None and op.name == "transpose" and not self.boxed(t)
                and op.get("axes") is None and t.ndim == 2 and op.parents[0].op is None)

    def source(self, t: TView):
        """(node key, edge label, tensor drawn) for an edge that carries ``t`` into an op."""
        if self.boxed(t):
            return ("tensor", t.key), None, t
        if t.op is None:  # a scalar constant, written into the op's label
            return None, None, None
        if self.folded(t):
            p = t.op.parents[0]
            return ("tensor", p.key), "ᵀ", p
        return ("op", t.op.key), S.shape_text(t.shape), None

    def layout(self, order, max_nodes):
        for t in order:
            if self.boxed(t):
                self.units.append(("tensor", t, t))
            op = t.op
            if op is not None and not self.folded(t):
                self.units.append(("op", op, t))
                if "targets" in op.extras:  # cross_entropy's integer labels
                    self.units.append(("targets", op, t))
                self._mark_targets(op)
        shown, self.hidden = self.units[:max_nodes], max(0, len(self.units) - max_nodes)
        for i, (kind, obj, _) in enumerate(shown):
            self.ids[(kind, obj.key)] = f"n{i}"
        self.units = shown
        for kind, obj, t in shown:
            if kind != "op":
                continue
            me = self.ids[("op", obj.key)]
            cut = False
            for p in obj.parents:
                if self.inline_const(p):
                    continue
                key, label, _ = self.source(p)
                if key in self.ids:
                    self.edges.append((self.ids[key], me, label))
                else:
                    cut = True
            if ("targets", obj.key) in self.ids:
                self.edges.append((self.ids[("targets", obj.key)], me, None))
            if ("tensor", t.key) in self.ids:
                self.edges.append((me, self.ids[("tensor", t.key)], None))
            if cut:
                self.frontier.append(me)

    def _mark_targets(self, op) -> None:
        """Leaves without gradient that a loss compares with: (y − t)² of MSE, BCE's t."""
        ps = op.parents
        if op.name == "mul" and len(ps) == 2 and ps[0] is ps[1] and ps[0].op is not None:
            sub = ps[0].op
            if sub.name == "sub" and len(sub.parents) == 2:
                self._target(sub.parents[1])
        elif "cross_entropy" in op.name and len(ps) == 2:
            self._target(ps[1])

    def _target(self, t: TView) -> None:
        if t.op is None and not t.requires_grad:
            self.targets.add(t.key)

    def assign_groups(self, member: dict) -> dict:
        out = {}
        for kind, obj, _ in self.units:
            nid = self.ids[(kind, obj.key)]
            if kind == "tensor" and _tid(obj) in member:
                out[nid] = member[_tid(obj)]
            elif kind == "op":
                hits = [member[_tid(s[2])] for s in map(self.source, obj.parents)
                        if s[2] is not None and _tid(s[2]) in member]
                if hits:
                    out[nid] = min(hits)
        return out

    # ------------------------------------------------------------- labels
    def node_statements(self, saturation, min_frac, color_by_grad) -> list:
        if color_by_grad:
            self.norms = [S.norm(t.grad) for kind, t, _ in self.units
                          if kind == "tensor" and t.grad is not None]
        stmts = []
        for kind, obj, t in self.units:
            nid = self.ids[(kind, obj.key)]
            if kind == "tensor":
                stmts.append((nid, self.tensor_attrs(obj, color_by_grad)))
            elif kind == "op":
                stmts.append((nid, self.op_attrs(obj, t, saturation, min_frac)))
            else:
                n, c = obj.get("targets").shape, obj.parents[0].shape[-1]
                stmts.append((nid, {"label": f"targets\\n{S.shape_text(n)} class labels "
                                             f"(of {c})", "shape": "box", "style": "rounded"}))
        return stmts

    def tensor_attrs(self, t: TView, color_by_grad) -> dict:
        name = self.names.get(_tid(t)) or t.name
        if not name and self.is_root(t):
            name = "output" if self.n_roots == 1 else f"output {self.roots[_tid(t)]}"
        elif not name and t.op is None:
            name = ("leaf" if t.requires_grad else "target" if t.key in self.targets
                    else "constant" if t.numel == 1 else "input")
        line = f"{S.shape_text(t.shape)} {t.dtype}"
        if t.numel == 1 and t.data is not None:
            line += f" = {t.data.item():.5g}"
        lines = ([S.esc(name)] if name else []) + [line]
        if self.show_grad and t.grad is not None:
            lines.append(f"‖∇‖ {S.norm(t.grad):.3g}")
        if self.deltas is not None and t.key in self.deltas and t.grad is None:
            lines.append(f"‖δ‖ {S.norm(self.deltas[t.key]):.3g}")
        attrs = {"label": "\\n".join(lines), "shape": "box"}
        style = [] if t.op is None and t.requires_grad else ["rounded"]
        fill = S.GREEN if self.is_root(t) else None
        if color_by_grad and t.grad is not None:
            fill = S.grad_colour(S.norm(t.grad), self.norms)
            if fill in S.BLUES[-2:]:
                attrs["fontcolor"] = "white"
        if fill:
            style.append("filled")
            attrs["fillcolor"] = fill
        if style:
            attrs["style"] = ",".join(style)
        return attrs

    def op_attrs(self, op, out: TView, saturation, min_frac) -> dict:
        name = op.name
        head = name + S.op_detail(op, out)
        consts = [p for p in op.parents if self.inline_const(p)]
        if consts:
            head += " " + ", ".join("const" if p.data is None else f"{p.data.item():.5g}"
                                    for p in consts)
        if op.key in self.numbers or out.key in self.numbers:
            head = f"{self.numbers.get(out.key)}: {head}"
        lines = [head]
        if name == "cross_entropy":
            lines += ["(log-softmax + NLL)", "δᴸ = softmax − one-hot"]
        attrs = {"shape": "ellipse"}
        if self.deltas is not None and out.key in self.deltas:
            lines.append(f"δ = ∂L/∂out: ‖δ‖ {S.norm(self.deltas[out.key]):.3g}")
        if saturation and name in S.SATURATING and out.data is not None:
            thr, sym = S.SATURATING[name]
            d = out.data.astype(np.float64)
            d = d * (1 - d) if name == "sigmoid" else 1 - d * d
            k, n = int((d < thr).sum()), d.size
            if k and k >= min_frac * n:
                lines += [f"{sym} < {thr:g} on {k} of {n} units", "(saturated: learns slowly)"]
                attrs.update(style="filled", fillcolor=S.ORANGE)
                if sym not in self.saturated:
                    self.saturated.append(sym)
        if self.current is not None and out.key == self.current:
            attrs.update(style="filled,bold", fillcolor=S.YELLOW, penwidth="2")
        attrs["label"] = "\\n".join(lines)
        return attrs

    def legend(self, color_by_grad) -> str | None:
        rows = S.grad_legend_rows(self.norms) if color_by_grad else []
        if self.saturated:
            syms = " or ".join(self.saturated)
            rows.append(f'<TR><TD COLSPAN="9" BGCOLOR="{S.ORANGE}">orange: saturated '
                        f'activations (BP2: δ shrinks by {syms})</TD></TR>')
        if self.numbers:
            rows.append('<TR><TD COLSPAN="9">k: the k-th op backward visits '
                        '(reverse topological order)</TD></TR>')
        if self.current is not None:
            rows.append(f'<TR><TD COLSPAN="9" BGCOLOR="{S.YELLOW}">yellow: the op backward is '
                        'at; ‖δ‖ = norm of ∂L/∂(that tensor)</TD></TR>')
        return S.legend_table(rows) if rows else None
