"""``draw_graph(…, collapse=True)``: one box per module, runs of identical blocks folded.

A module owns the ops that take one of its parameters, and every op that lies
between two of those (downstream of one and upstream of another: the ReLU
inside a ``Linear → ReLU → Linear`` block).  Both directions are one pass over
the graph in the engine's Kahn order, with one bit per module.  Each module
becomes a box "name: Type · k parameters · in (N, 64) → out (N, 32)"; ops
outside every module stay ellipses.  A chain of boxes with the same type,
parameter shapes and in/out shapes, joined by the same parameter-free ops
(``Linear → ReLU → Linear → ReLU → …``), folds into one box marked "× k".
"""

from __future__ import annotations

from . import _style as S
from ._view import TView, kahn_order


def _modules_at(module, depth: int) -> list:
    """(name, module) pairs ``depth`` levels down (shallower leaves where a branch ends)."""
    out = []
    for name, m in module.named_modules():
        if not name:
            continue
        level = name.count(".") + 1
        if level == depth or (level < depth and not any(True for _ in m.children())):
            out.append((name, m))
    return out


def _signature(module) -> tuple:
    return (type(module).__name__,
            tuple(tuple(p.shape) for p in module.parameters()))


def draw_collapsed(graphviz, order: list[TView], roots: list, module, depth: int, *,
                   max_nodes: int, rankdir: str, title, color_by_grad: bool, show_grad: bool):
    if not isinstance(depth, int) or depth < 1:
        raise ValueError(f"draw_graph: depth must be a positive int, got {depth!r}")
    groups = [(n, m) for n, m in _modules_at(module, depth) if any(True for _ in m.parameters())]
    owner = {id(p): gi for gi, (_, m) in enumerate(groups) for p in m.parameters()}
    ops = kahn_order(order[:len(roots)])  # consumers before producers
    consumers: dict = {}
    direct: dict = {}
    for t in ops:
        bits = 0
        for p in t.op.parents:
            consumers.setdefault(p.key, []).append(t)
            if p.op is None and p.tensor is not None and id(p.tensor) in owner:
                bits |= 1 << owner[id(p.tensor)]
        direct[t.key] = bits
    desc: dict = {}
    for t in ops:  # consumers come first: desc = own bits | the consumers'
        bits = direct[t.key]
        for c in consumers.get(t.key, ()):
            bits |= desc[c.key]
        desc[t.key] = bits
    anc: dict = {}
    for t in reversed(ops):  # producers first
        bits = direct[t.key]
        for p in t.op.parents:
            if p.op is not None:
                bits |= anc[p.key]
        anc[t.key] = bits
    member = {}
    for t in ops:
        both = anc[t.key] & desc[t.key]
        if both:
            member[t.key] = (both & -both).bit_length() - 1  # the first module if several
    return _Collapsed(graphviz, order, roots, groups, owner, member).draw(
        max_nodes, rankdir, title, color_by_grad, show_grad)


class _Collapsed:
    def __init__(self, graphviz, order, roots, groups, owner, member):
        self.graphviz, self.order, self.groups = graphviz, order, groups
        self.owner, self.member = owner, member
        self.root_ids = {id(r) for r in roots}

    def unit(self, t: TView):
        """The drawn unit carrying tensor ``t``: ('g', i), ('op', key) or ('leaf', key)."""
        if t.op is None:
            if t.tensor is not None and id(t.tensor) in self.owner:
                return ("g", self.owner[id(t.tensor)])
            return ("leaf", t.key)
        if t.key in self.member:
            return ("g", self.member[t.key])
        return ("op", t.key)

    def draw(self, max_nodes, rankdir, title, color_by_grad, show_grad):
        units: dict = {}  # unit -> info, in walk order
        edges: dict = {}
        ins: dict = {}  # group -> shapes coming in
        outs: dict = {}
        for t in self.order:
            u = self.unit(t)
            units.setdefault(u, t)
            if t.op is None:
                continue
            for p in t.op.parents:
                pu = self.unit(p)
                if pu == u:
                    continue
                if pu[0] == "g" and p.op is None:  # a parameter used outside its module
                    pass
                edges.setdefault((pu, u), S.shape_text(p.shape))
                if u[0] == "g":
                    ins.setdefault(u[1], []).append(p.shape)
                if pu[0] == "g":
                    outs.setdefault(pu[1], []).append(p.shape)
            if u[0] == "g" and id(t.tensor) in self.root_ids:
                outs.setdefault(u[1], []).append(t.shape)
        # the roots get their own box, after the unit that computed them
        for t in self.order:
            if id(t.tensor) in self.root_ids:
                edges[(self.unit(t), ("root", t.key))] = None
                units[("root", t.key)] = t
        folds = self._fold(units, edges, ins, outs)
        dot = self.graphviz.Digraph("computation_graph")
        dot.attr(rankdir=rankdir, fontname="Helvetica")
        if title:
            dot.attr(label=S.esc(title), labelloc="t", fontsize="14")
        dot.attr("node", fontname="Helvetica", fontsize="10")
        dot.attr("edge", fontname="Helvetica", fontsize="8", fontcolor="gray35")
        norms = [self._grad_norm(u[1]) for u in units if u[0] == "g"]
        norms = [v for v in norms if v is not None]
        ids: dict = {}
        shown = [u for u in units if u not in folds["hidden"]]
        hidden = max(0, len(shown) - max_nodes)
        in_run = {u: g for g, seg in folds["segments"].items() for u in seg}
        clusters: dict = {}
        for i, u in enumerate(shown[:max_nodes]):
            ids[u] = f"n{i}"
            attrs = self._attrs(u, units[u], ins, outs, folds["times"].get(u), color_by_grad,
                                show_grad, norms)
            if u in in_run:
                clusters.setdefault(in_run[u], []).append((ids[u], attrs))
            else:
                dot.node(ids[u], **attrs)
        for ci, (g, members) in enumerate(clusters.items()):
            k = folds["times"][g][0]
            with dot.subgraph(name=f"cluster_{ci}") as sub:
                sub.attr(label=f"× {k} identical blocks", style="rounded,dashed",
                         color="gray40", fontsize="11")
                for nid, attrs in members:
                    sub.node(nid, **attrs)
        drawn = set()
        for (a, b), label in edges.items():
            if (a, b) in folds["internal"]:
                continue
            a, b = folds["alias"].get(a, a), folds["alias"].get(b, b)
            if a in ids and b in ids and a != b and (a, b) not in drawn:
                drawn.add((a, b))
                dot.edge(ids[a], ids[b], **({"label": label} if label else {}))
        if hidden:
            dot.node("truncated", label=f"… {hidden} more nodes\\n(max_nodes={max_nodes})",
                     shape="note", style="dashed")
        if color_by_grad and norms:
            dot.node("legend", label=S.legend_table(S.grad_legend_rows(norms)),
                     shape="plaintext")
        return dot

    def _grad_norm(self, gi: int):
        grads = [p.grad for p in self.groups[gi][1].parameters() if p.grad is not None]
        if not grads:
            return None
        return float(sum(S.norm(g) ** 2 for g in grads) ** 0.5)

    def _sig(self, u, ins, outs):
        if u[0] != "g":
            return None
        m = self.groups[u[1]][1]
        return (_signature(m), tuple(ins.get(u[1], ())), tuple(outs.get(u[1], ())))

    def _fold(self, units, edges, ins, outs) -> dict:
        """Runs of identical (module, parameter-free ops) segments folded into the first."""
        succ: dict = {}
        pred: dict = {}
        for a, b in edges:
            succ.setdefault(a, []).append(b)
            pred.setdefault(b, []).append(a)
        times, alias, hidden, internal, segments = {}, {}, set(), set(), {}

        def segment(g):
            seg, cur = [g], g
            while len(succ.get(cur, ())) == 1:
                nxt = succ[cur][0]
                if nxt[0] != "op" or len(pred.get(nxt, ())) != 1:
                    break
                seg.append(nxt)
                cur = nxt
            return seg

        def key(seg):
            return (self._sig(seg[0], ins, outs),
                    tuple(units[u].op.name for u in seg[1:]))

        # walk from the inputs side: groups whose predecessors are not one identical group
        groups_in_order = [u for u in reversed(list(units)) if u[0] == "g"]
        done = set()
        for g in groups_in_order:
            if g in done:
                continue
            run = [segment(g)]
            while True:
                last = run[-1][-1]
                nxt = succ.get(last, [])
                if (len(nxt) != 1 or nxt[0][0] != "g" or nxt[0] in done
                        or len(pred.get(nxt[0], ())) != 1):
                    break
                seg = segment(nxt[0])
                if key(seg) != key(run[0]):
                    break
                run.append(seg)
            for seg in run:
                done.add(seg[0])
            if len(run) > 1:
                times[g] = (len(run), run[-1][0])
                segments[g] = run[0]
                for prev, seg in zip(run, run[1:]):
                    internal.add((prev[-1], seg[0]))  # would loop once folded
                    for a, b in zip(seg, run[0]):
                        alias[a] = b
                        hidden.add(a)
        return {"times": times, "alias": alias, "hidden": hidden, "internal": internal,
                "segments": segments}

    def _attrs(self, u, t, ins, outs, times, color_by_grad, show_grad, norms) -> dict:
        kind = u[0]
        if kind == "g":
            name, m = self.groups[u[1]]
            n_params = sum(p.data.size for p in m.parameters())
            head = f"{name}: {type(m).__name__}"
            if times:
                times, last = times
                head = f"{name}…{self.groups[last[1]][0]}: {type(m).__name__}  × {times}"
            lines = [S.esc(head), f"{n_params:,} parameters" + (" each" if times else "")]
            i, o = ins.get(u[1], ()), outs.get(u[1], ())
            if i or o:
                lines.append(" ".join([f"in {S.shape_text(i[0])}" if i else "",
                                       f"→ out {S.shape_text(o[-1])}" if o else ""]).strip())
            g = self._grad_norm(u[1])
            if show_grad and g is not None:
                lines.append(f"‖∇‖ {g:.3g}" + (" (first block)" if times else ""))
            attrs = {"label": "\\n".join(lines), "shape": "box3d" if times else "box",
                     "style": "filled", "fillcolor": "#eef3fb"}
            if color_by_grad and g is not None:
                attrs["fillcolor"] = S.grad_colour(g, norms)
                if attrs["fillcolor"] in S.BLUES[-2:]:
                    attrs["fontcolor"] = "white"
            return attrs
        if kind == "op":
            return {"label": t.op.name + S.op_detail(t.op, t), "shape": "ellipse"}
        if kind == "root":
            value = f" = {t.data.item():.5g}" if t.numel == 1 and t.data is not None else ""
            return {"label": f"output\\n{S.shape_text(t.shape)} {t.dtype}{value}",
                    "shape": "box", "style": "rounded,filled", "fillcolor": S.GREEN}
        name = t.name or ("leaf" if t.requires_grad else "input")
        return {"label": f"{S.esc(name)}\\n{S.shape_text(t.shape)} {t.dtype}", "shape": "box",
                "style": "rounded"}
