"""tinygrad_mlp.viz: the DOT text of known graphs node by node, and every plot writes a PNG."""

from __future__ import annotations

import re
import shutil
import sys

import numpy as np
import pytest

import tinygrad_mlp as tm

graphviz = pytest.importorskip("graphviz")
from tinygrad_mlp import nn  # noqa: E402
from tinygrad_mlp.viz import draw_graph, render_graph  # noqa: E402

HAS_DOT = shutil.which("dot") is not None
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ORANGE = "#fdd0a2"

_NODE = re.compile(r'^\t+(\w+) \[(.*)\]$')
_EDGE = re.compile(r'^\t+(\w+) -> (\w+)(?: \[(.*)\])?$')
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|<<.*>>|[^ \]]+)')


def _attrs(text: str) -> dict:
    out = {}
    for key, val in _ATTR.findall(text or ""):
        if val.startswith('"'):
            val = val[1:-1].replace('\\"', '"')
        out[key] = val
    return out


def parse(dot):
    """(nodes: id -> attrs, edges: [(src, dst, attrs)]) from a Digraph's DOT text."""
    nodes, edges = {}, []
    for line in dot.source.splitlines():
        if m := _EDGE.match(line):
            edges.append((m[1], m[2], _attrs(m[3])))
        elif (m := _NODE.match(line)) and m[1] not in ("node", "edge", "graph"):
            nodes[m[1]] = _attrs(m[2])
    return nodes, edges


def lines(attrs: dict) -> list:
    return attrs["label"].split("\\n")


def by_title(nodes: dict) -> dict:
    """First label line -> node id (None where several nodes share that title)."""
    out = {}
    for nid, a in nodes.items():
        head = lines(a)[0]
        out[head] = None if head in out else nid
    return out


def tiny(dtype=np.float32, xs=None):
    """x (2, 3) @ W (3, 2) + b (2,), sigmoid, sum: the graph the tests know by heart."""
    rng = np.random.default_rng(0)
    x = tm.Tensor(rng.normal(size=(2, 3)) if xs is None else xs, dtype=dtype)
    W = tm.Tensor(rng.normal(size=(3, 2)), requires_grad=True, dtype=dtype)
    b = tm.Tensor(rng.normal(size=2), requires_grad=True, dtype=dtype)
    out = (x @ W + b).sigmoid().sum()
    return out, x, W, b


# ------------------------------------------------------------ DOT structure
def test_tiny_graph_nodes_and_edges():
    out, x, W, b = tiny()
    nodes, edges = parse(draw_graph(out, params={"W": W, "b": b}))
    assert sorted(nodes, key=lambda s: int(s[1:])) == [f"n{i}" for i in range(8)]
    t = by_title(nodes)
    assert set(t) == {"output", "sum", "sigmoid", "add (broadcast)", "matmul", "W", "b", "input"}
    for op in ("sum", "sigmoid", "add (broadcast)", "matmul"):
        assert nodes[t[op]]["shape"] == "ellipse"
        assert lines(nodes[t[op]]) == [op]
    assert lines(nodes[t["W"]]) == ["W", "(3, 2) float32"]
    assert lines(nodes[t["b"]]) == ["b", "(2,) float32"]
    assert lines(nodes[t["input"]]) == ["input", "(2, 3) float32"]
    expected_value = float((1 / (1 + np.exp(-(x.numpy() @ W.numpy() + b.numpy())))).sum())
    head, shape_line = lines(nodes[t["output"]])
    assert shape_line.startswith("() float32 = ")
    assert float(shape_line.split("= ")[1]) == pytest.approx(expected_value, rel=1e-4)
    for name in ("input", "W", "b", "output"):
        assert nodes[t[name]]["shape"] == "box"
    assert "rounded" not in nodes[t["W"]].get("style", "")  # parameters: square corners
    assert "rounded" in nodes[t["input"]]["style"]
    names = {nid: lines(a)[0] for nid, a in nodes.items()}
    got = sorted((names[s], names[d]) for s, d, _ in edges)
    assert got == sorted([
        ("input", "matmul"), ("W", "matmul"), ("matmul", "add (broadcast)"),
        ("b", "add (broadcast)"), ("add (broadcast)", "sigmoid"), ("sigmoid", "sum"),
        ("sum", "output"),
    ])
    shapes = {(names[s], names[d]): a.get("label") for s, d, a in edges}
    assert shapes[("matmul", "add (broadcast)")] == "(2, 2)"  # op -> op edges carry the shape
    assert shapes[("W", "matmul")] is None


def test_op_details_and_dtype():
    x = tm.Tensor(np.ones((4, 5)), requires_grad=True)
    y = (x.sum(axis=1) * 3).reshape(2, 2).mean(axis=0, keepdims=True)
    z = y.softmax(axis=-1)[0, :1]
    nodes, _ = parse(draw_graph(z))
    heads = {lines(a)[0] for a in nodes.values()}
    assert {"sum axis=1", "mul 3", "reshape → (2, 2)", "mean axis=0 keepdims", "softmax axis=-1",
            "getitem [0, :1]", "leaf", "output"} <= heads
    assert "(4, 5) float64" in lines(nodes[by_title(nodes)["leaf"]])


def test_transpose_of_a_leaf_is_an_edge_and_several_outputs():
    x = tm.Tensor(np.ones((2, 3)))
    W = tm.Tensor(np.ones((4, 3)), requires_grad=True)
    y = x @ W.T
    nodes, edges = parse(draw_graph([y.sum(), y.mean()], params={"W": W}))
    t = by_title(nodes)
    assert {"output 0", "output 1", "sum", "mean", "matmul", "W", "input"} == set(t)
    assert (t["W"], t["matmul"], {"label": "ᵀ"}) in edges
    full, _ = parse(draw_graph(y, show_intermediates=True))
    heads = sorted(lines(a)[0] for a in full.values())
    assert heads == ["(3, 4) float64", "input", "leaf", "matmul", "output", "transpose"]


def test_cross_entropy_and_params_from_module():
    tm.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))
    loss = tm.functional.cross_entropy(model(tm.randn(5, 4)), np.array([0, 1, 1, 0, 1]))
    nodes, edges = parse(draw_graph(loss, params=model))
    t = by_title(nodes)
    assert lines(nodes[t["cross_entropy"]])[1:] == ["(log-softmax + NLL)", "δᴸ = softmax − one-hot"]
    assert lines(nodes[t["targets"]])[1].startswith("(5,) class labels")
    assert (t["targets"], t["cross_entropy"]) in [(s, d) for s, d, _ in edges]
    for name, p in model.named_parameters():
        assert lines(nodes[t[name]])[1] == f"{p.shape} float32"


def test_group_modules_makes_clusters():
    tm.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2))
    dot = draw_graph(model(tm.randn(5, 4)).sum(), group_modules=model)
    src = dot.source
    blocks = re.findall(r"subgraph (cluster_\d+) \{(.*?)\n\t\}", src, re.S)
    assert [b[0] for b in blocks] == ["cluster_0", "cluster_1"]
    assert 'label="0: Linear(4 → 3)"' in blocks[0][1] and "0.weight" in blocks[0][1]
    assert "0.bias" in blocks[0][1] and "label=\"linear" in blocks[0][1]
    assert "2.weight" in blocks[1][1] and "0.weight" not in blocks[1][1]
    # a dict of label -> tensors works too
    W = tm.Tensor(np.ones((2, 2)), requires_grad=True)
    dot2 = draw_graph((W * 2).sum(), params={"W": W}, group_modules={"mine": [W]})
    block = re.search(r"subgraph cluster_0 \{(.*?)\n\t\}", dot2.source, re.S)[1]
    assert "label=mine" in block and '"W\\n' in block and 'label="mul 2"' in block


# --------------------------------------------------------- gradient norms
def test_gradient_norms_after_backward():
    out, x, W, b = tiny(np.float64)
    hidden_sum = out._ctx.parents[0]._ctx.parents[0]  # x @ W + b
    hidden_sum.retain_grad()
    before = parse(draw_graph(out, params={"W": W, "b": b}))[0]
    assert not any("‖∇‖" in a["label"] for a in before.values())
    out.backward(retain_graph=True)
    nodes, _ = parse(draw_graph(out, params={"W": W, "b": b}))
    t = by_title(nodes)
    for key, tensor in (("W", W), ("b", b)):
        shown = [ln for ln in lines(nodes[t[key]]) if ln.startswith("‖∇‖ ")]
        assert len(shown) == 1
        assert float(shown[0][4:]) == pytest.approx(np.linalg.norm(tensor.grad.numpy()),
                                                     rel=5e-3)
    retained = [a for a in nodes.values() if lines(a)[0] == "(2, 2) float64"]
    assert len(retained) == 1  # the non-leaf that retains its gradient gets a box
    assert float(lines(retained[0])[1][4:]) == pytest.approx(
        np.linalg.norm(hidden_sum.grad.numpy()), rel=5e-3)
    assert not any("‖∇‖" in ln for ln in lines(nodes[t["input"]]))
    hidden = parse(draw_graph(out, params={"W": W}, show_grad=False))[0]
    assert not any("‖∇‖" in a["label"] for a in hidden.values())


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_color_by_grad_fills_by_log_norm():
    big = tm.Tensor(np.ones(3), requires_grad=True, name="big")
    mid = tm.Tensor(np.ones(3), requires_grad=True, name="mid")
    small = tm.Tensor(np.ones(3), requires_grad=True, name="small")
    loss = (big * 1000.0).sum() + (mid * 1.0).sum() + (small * 0.001).sum()
    plain = parse(draw_graph(loss, color_by_grad=True))[0]
    assert "fillcolor" not in plain[by_title(plain)["big"]]
    loss.backward(retain_graph=True)
    nodes, _ = parse(draw_graph(loss, color_by_grad=True))
    t = by_title(nodes)
    lum = [_luminance(nodes[t[k]]["fillcolor"]) for k in ("small", "mid", "big")]
    assert lum[0] > lum[1] > lum[2]  # light = small gradient
    assert "legend" in nodes and "gradient norm" in nodes["legend"]["label"]
    off = parse(draw_graph(loss))[0]
    assert "fillcolor" not in off[by_title(off)["big"]] and "legend" not in off


# ------------------------------------------------------------- saturation
@pytest.mark.parametrize("op, thr, sym", [("sigmoid", 0.05, "σ′"), ("tanh", 0.1, "tanh′")])
def test_saturation_marks_only_saturated_units(op, thr, sym):
    xs = np.array([20.0, -20.0, 0.0, 0.5, -19.0, 3.0])
    s = 1 / (1 + np.exp(-xs)) if op == "sigmoid" else np.tanh(xs)
    deriv = s * (1 - s) if op == "sigmoid" else 1 - s**2
    k = int((deriv < thr).sum())
    assert 0 < k < xs.size
    x = tm.Tensor(xs, requires_grad=True)
    nodes, _ = parse(draw_graph(getattr(x, op)().sum()))
    a = nodes[by_title(nodes)[op]]
    assert lines(a)[1:] == [f"{sym} < {thr:g} on {k} of {xs.size} units",
                            "(saturated: learns slowly)"]
    assert a["fillcolor"] == ORANGE and "saturated" in nodes["legend"]["label"]
    calm = tm.Tensor(np.linspace(-0.5, 0.5, 7), requires_grad=True)
    nodes, _ = parse(draw_graph(getattr(calm, op)().sum()))
    a = nodes[by_title(nodes)[op]]
    assert lines(a) == [op] and "fillcolor" not in a and "legend" not in nodes
    off, _ = parse(draw_graph(getattr(x, op)().sum(), saturation=False))
    assert lines(off[by_title(off)[op]]) == [op]


# -------------------------------------------------- stability, size, errors
def test_same_computation_same_dot_text():
    def build():
        out, x, W, b = tiny()
        h = out._ctx.parents[0]
        h.name = "a"
        out.backward(retain_graph=True)
        return draw_graph(out, params={"W": W, "b": b}, color_by_grad=True, title="t").source

    first, second = build(), build()
    assert first == second
    assert re.search(r"\bn0 \[", first) and "0x" not in first


def test_long_chain_draws_and_max_nodes_truncates():
    x = tm.Tensor(np.full(3, 0.5), requires_grad=True, name="x")
    y = x
    for _ in range(10_000):
        y = y.tanh()
    total = 10_000 + 2  # the ops, x and the output box
    full, _ = parse(draw_graph(y, max_nodes=20_000))
    assert len(full) == total and "truncated" not in full
    nodes, edges = parse(draw_graph(y, max_nodes=500))
    drawn = [n for n in nodes if n.startswith("n")]
    assert len(drawn) == 500
    assert lines(nodes["truncated"])[0] == f"… {total - 500} more nodes"
    assert all(s in nodes and d in nodes for s, d, _ in edges)


def test_graph_after_plain_backward_is_the_retained_one():
    """After backward() (no retain_graph) the skeleton gives the same drawing, gradients
    included, as after backward(retain_graph=True)."""
    def drawn(retain):
        tm.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
        loss = tm.functional.cross_entropy(model(tm.randn(5, 4)), np.array([0, 1, 1, 0, 1]))
        loss.backward(retain_graph=retain)
        return draw_graph(loss, params=model, color_by_grad=True).source, model

    kept, _ = drawn(True)
    freed, model = drawn(False)
    assert freed == kept
    nodes, _ = parse(graphviz.Source(freed))
    t = by_title(nodes)
    for name, p in model.named_parameters():
        assert float(lines(nodes[t[name]])[2][4:]) == pytest.approx(
            np.linalg.norm(p.grad.numpy()), rel=5e-3)


def test_bad_arguments():
    out, *_ = tiny()
    with pytest.raises(TypeError, match="draw_graph"):
        draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(out, max_nodes=0)
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(out, rankdir="up")


def test_missing_graphviz_gives_install_hint(monkeypatch):
    out, *_ = tiny()
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match=r"pip install tinygrad_mlp\[viz\]"):
        draw_graph(out)


# ------------------------------------------------------------- rendering
@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot program is not installed")
def test_render_svg_and_png(tmp_path):
    out, x, W, b = tiny()
    out.backward(retain_graph=True)
    dot = draw_graph(out, params={"W": W, "b": b}, color_by_grad=True)
    svg = render_graph(dot, tmp_path / "graph")
    assert svg.name == "graph.svg" and b"<svg" in svg.read_bytes()
    png = render_graph(dot, tmp_path / "graph.png")
    assert png.read_bytes()[:8] == PNG_MAGIC
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.png", "graph.svg"]
    assert hasattr(dot, "_repr_mimebundle_")  # what Jupyter uses to show it inline


def test_render_without_dot_program_is_a_clear_error(tmp_path, monkeypatch):
    out, *_ = tiny()
    dot = draw_graph(out)
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no dot here
    with pytest.raises(RuntimeError, match="'dot' program was not found"):
        render_graph(dot, tmp_path / "g.svg")
    assert not (tmp_path / "g.svg").exists()


# ------------------------------------------------------------------ plots
@pytest.fixture
def plt():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _written_png(fig, path, plt):
    assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 1000
    assert not plt.fignum_exists(fig.number)  # closed after saving


def test_plot_history_and_cost(plt, tmp_path):
    from tinygrad_mlp.viz import plot_cost, plot_history

    hist = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.7, 0.5],
            "accuracy": [0.5, 0.7, 0.8], "val_accuracy": [0.45, 0.65, 0.75]}
    fig = plot_history(hist, tmp_path / "h.png")
    _written_png(fig, tmp_path / "h.png", plt)
    loss_ax, acc_ax = fig.axes
    assert [ln.get_label() for ln in loss_ax.lines] == ["loss", "val_loss"]
    assert list(acc_ax.lines[1].get_ydata()) == hist["val_accuracy"]
    only_loss = plot_history({"loss": [3.0, 2.0]})
    assert len(only_loss.axes) == 1
    plt.close(only_loss)
    costs = np.abs(np.random.default_rng(0).normal(size=200)) + np.linspace(2, 0, 200)
    fig = plot_cost(costs, tmp_path / "c.png", ylim=(0, 5))
    _written_png(fig, tmp_path / "c.png", plt)
    assert list(fig.axes[0].lines[0].get_ydata()) == list(costs)
    assert fig.axes[0].get_ylim() == (0, 5)


def test_image_grids(plt, tmp_path):
    from tinygrad_mlp.viz import image_grid, misclassified_grid

    for n_feat, side in ((784, 28), (64, 8), (400, 20)):
        imgs = np.random.default_rng(0).random((6, n_feat))
        fig = image_grid(imgs, titles=[str(i) for i in range(6)], path=tmp_path / "g.png")
        _written_png(fig, tmp_path / "g.png", plt)
        assert fig.axes[0].images[0].get_array().shape == (side, side)
        np.testing.assert_array_equal(fig.axes[5].images[0].get_array(),
                                      imgs[5].reshape(side, side))
    fig = image_grid(np.zeros((5, 6, 4)), shape=(1, 5))
    assert len(fig.axes) == 5 and fig.axes[0].images[0].get_array().shape == (6, 4)
    plt.close(fig)
    with pytest.raises(ValueError, match="image_shape"):
        image_grid(np.zeros((2, 10)))
    y_true = np.array([7, 1, 2, 3, 4, 5])
    y_pred = np.array([9, 1, 2, 8, 4, 5])
    imgs = np.arange(6 * 64, dtype=float).reshape(6, 64)
    fig = misclassified_grid(imgs, y_true, tm.Tensor(y_pred), path=tmp_path / "m.png")
    _written_png(fig, tmp_path / "m.png", plt)
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == ["1) t: 7 p: 9", "2) t: 3 p: 8"]
    np.testing.assert_array_equal(shown[1].images[0].get_array(), imgs[3].reshape(8, 8))


def test_heatmap_confusion_activations(plt, tmp_path):
    from tinygrad_mlp.viz import heatmap, plot_activations, plot_confusion_matrix

    vals = np.array([[0.91, 0.93], [0.88, 0.52], [0.10, 0.11]])
    fig = heatmap(vals, ["0.001", "0.01", "0.1"], ["0", "0.1"], title="val acc",
                  xlabel="λ", ylabel="η", path=tmp_path / "hm.png")
    _written_png(fig, tmp_path / "hm.png", plt)
    assert {t.get_text() for t in fig.axes[0].texts} == {f"{v:.2f}" for v in vals.ravel()}
    with pytest.raises(ValueError, match="heatmap"):
        heatmap(vals, ["a"], ["b", "c"])
    cm = np.array([[5, 1], [2, 7]])
    fig = plot_confusion_matrix(cm, tmp_path / "cm.png")
    _written_png(fig, tmp_path / "cm.png", plt)
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["1", "2", "5", "7"]
    fig = plot_activations(tmp_path / "act.png")
    _written_png(fig, tmp_path / "act.png", plt)
    x = fig.axes[4].lines[0].get_xdata()  # bottom row: derivatives, sigmoid first
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(fig.axes[4].lines[0].get_ydata(), s * (1 - s), atol=1e-12)
    np.testing.assert_allclose(fig.axes[5].lines[0].get_ydata(), 1 - np.tanh(x) ** 2,
                               atol=1e-12)
    np.testing.assert_array_equal(fig.axes[6].lines[0].get_ydata(), (x > 0).astype(float))
