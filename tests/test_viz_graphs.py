"""Graphs after backward, collapsed modules, the backward order and the step pictures."""

from __future__ import annotations

import gc
import re
import shutil
import time
import weakref

import numpy as np
import pytest

import tinygrad_mlp as tm

graphviz = pytest.importorskip("graphviz")
from test_viz import by_title, lines, parse  # noqa: E402

from tinygrad_mlp import nn  # noqa: E402
from tinygrad_mlp.viz import backward_order, backward_steps, draw_graph  # noqa: E402

HAS_DOT = shutil.which("dot") is not None


def mlp(widths, act=nn.ReLU, seed=0):
    tm.manual_seed(seed)
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), act()]
    return nn.Sequential(*layers[:-1])


def ce_loss(model, n=6, seed=1):
    rng = np.random.default_rng(seed)
    X = tm.Tensor(rng.normal(size=(n, model[0].in_features)).astype(np.float32))
    y = rng.integers(0, model[len(model) - 1].out_features, size=n)
    return tm.functional.cross_entropy(model(X), y)


# ------------------------------------------------------- after backward
def test_backward_frees_the_saved_arrays_but_keeps_a_skeleton():
    model = mlp([5, 7, 3], act=nn.Sigmoid)
    loss = ce_loss(model)
    saved = []  # every array an op node holds: its inputs and extras (masks, log-probs)
    stack, seen = [loss], set()
    while stack:
        t = stack.pop()
        if t._ctx is None or id(t) in seen:
            continue
        seen.add(id(t))
        saved += [weakref.ref(a) for a in t._ctx.inputs if a is not t.data]
        saved += [weakref.ref(v) for v in t._ctx.__dict__.values() if isinstance(v, np.ndarray)]
        stack += list(t._ctx.parents)
    params = {id(p.data) for p in model.parameters()}
    saved = [r for r in saved if id(r()) not in params]  # the user holds the parameters
    assert len(saved) >= 4
    del stack, t
    loss.backward()
    gc.collect()
    assert [r() for r in saved] == [None] * len(saved)  # the forward's memory is gone
    sk = loss._ctx.skeleton
    assert loss._ctx.parents is None and loss._ctx.inputs is None
    assert [e[2] for e in sk.parents] == [(6, 3)]  # shapes only
    nodes, _ = parse(draw_graph(loss, params=model))
    t = by_title(nodes)
    for name, p in model.named_parameters():  # every gradient norm is shown
        shown = [ln for ln in lines(nodes[t[name]]) if ln.startswith("‖∇‖")]
        assert float(shown[0][4:]) == pytest.approx(np.linalg.norm(p.grad.numpy()), rel=5e-3)
    assert "sigmoid" in t  # drawn, though its saturation can no longer be measured



def test_skeleton_of_ops_with_one_two_and_three_inputs():
    """A freed node keeps one flat tuple (``graph_skeleton.record``); ``node.skeleton``
    reads it back as one (node, ref, shape, dtype, requires_grad, name) per input,
    and the op's array settings as their shape and dtype."""
    a = tm.tensor(np.ones((2, 3)), requires_grad=True)
    b = tm.tensor(np.ones((2, 3)), requires_grad=True)
    b.name = "b"
    c = tm.tensor(np.ones((1, 3)))
    one = a.relu()
    two = one * b
    three = tm.cat([two, a, c])
    assert three._ctx.skeleton is None  # a live node has none
    nodes = [one._ctx, two._ctx, three._ctx]
    three.sum().backward()
    sk1, sk2, sk3 = (n.skeleton for n in nodes)
    assert [(e[0], e[1](), e[2]) for e in sk1.parents] == [(None, a, (2, 3))]
    assert [(e[0], e[1]() is b, e[4], e[5]) for e in sk2.parents] == [
        (nodes[0], False, True, None), (None, True, True, "b")]
    assert [e[2] for e in sk3.parents] == [(2, 3), (2, 3), (1, 3)]
    assert [e[4] for e in sk3.parents] == [True, True, False]
    assert len(parse(draw_graph(three))[0]) >= 5  # and it draws


def test_draw_graph_with_model_and_sample_runs_one_fresh_batch():
    model = mlp([4, 6, 3])
    X = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    y = np.array([0, 1, 2, 1, 0])
    dot = draw_graph(model=model, sample=(X, y))
    ref = mlp([4, 6, 3])
    tm.functional.cross_entropy(ref(tm.Tensor(X)), y).backward()
    nodes, _ = parse(dot)
    t = by_title(nodes)
    g = float(lines(nodes[t["0.weight"]])[2][4:])
    assert g == pytest.approx(np.linalg.norm(ref[0].weight.grad.numpy()), rel=5e-3)
    with pytest.raises(ValueError, match="sample"):
        draw_graph(model=model, sample=X)


def test_mse_target_is_labelled_target():
    model = mlp([3, 4, 1])
    x = tm.Tensor(np.ones((4, 3), np.float32))
    loss = nn.MSELoss()(model(x), tm.Tensor(np.zeros((4, 1), np.float32)))
    heads = {lines(a)[0] for a in parse(draw_graph(loss, params=model))[0].values()}
    assert "target" in heads and "input" in heads


def test_legend_names_the_derivative_of_the_saturated_op():
    x = tm.Tensor(np.array([20.0, -20.0, 0.1]), requires_grad=True)
    tanh_only = parse(draw_graph(x.tanh().sum()))[0]["legend"]["label"]
    assert "tanh′" in tanh_only and "σ′" not in tanh_only
    both = parse(draw_graph((x.tanh() + x.sigmoid()).sum()))[0]["legend"]["label"]
    assert "tanh′" in both and "σ′" in both


# ------------------------------------------------------------ collapse
def test_collapse_draws_modules_as_boxes_and_folds_identical_blocks():
    model = mlp([16] + [32] * 7 + [10])  # Linear(16,32), 6 × Linear(32,32), Linear(32,10)
    loss = ce_loss(model, n=8)
    loss.backward()
    dot = draw_graph(loss, params=model, collapse=True, rankdir="TB")
    nodes, edges = parse(dot)
    assert "rankdir=TB" in dot.source
    boxes = {nid: a for nid, a in nodes.items() if "parameters" in a["label"]}
    assert len(boxes) == 3  # first layer, the six folded, the last
    folded = [a for a in boxes.values() if "× 6" in a["label"]]
    assert len(folded) == 1
    head, count, shapes = lines(folded[0])[:3]
    assert head == "2…12: Linear  × 6" and count == f"{32 * 32 + 32:,} parameters each"
    assert shapes == "in (8, 32) → out (8, 32)"
    first = next(a for a in boxes.values() if lines(a)[0] == "0: Linear")
    assert lines(first)[1] == f"{16 * 32 + 32:,} parameters"
    g = np.sqrt(sum(np.sum(p.grad.numpy() ** 2) for p in model[0].parameters()))
    assert float(lines(first)[3][4:]) == pytest.approx(g, rel=5e-3)
    assert "× 6 identical blocks" in dot.source
    ids = set(nodes)
    assert all(s in ids and d in ids for s, d, _ in edges)
    # no cycles: a topological order exists
    succ = {}
    for s, d, _ in edges:
        succ.setdefault(s, []).append(d)
    state = {}

    def acyclic(n):
        stack = [(n, iter(succ.get(n, ())))]
        state[n] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return False
            elif nxt not in state:
                state[nxt] = 1
                stack.append((nxt, iter(succ.get(nxt, ()))))
        return True

    assert all(acyclic(n) for n in ids if n not in state)


def test_collapse_at_depth_two_keeps_the_activation_inside_a_block():
    tm.manual_seed(0)
    blocks = [nn.Sequential(nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 8)) for _ in range(3)]
    model = nn.Sequential(nn.Linear(4, 8), *blocks, nn.Linear(8, 2))
    loss = ce_loss(model)
    nodes, _ = parse(draw_graph(loss, params=model, collapse=True))
    heads = [lines(a)[0] for a in nodes.values()]
    assert "1…3: Sequential  × 3" in heads  # the tanh is inside each block
    assert "tanh" not in heads
    deep, _ = parse(draw_graph(loss, params=model, depth=2))
    deep_heads = [lines(a)[0] for a in deep.values()]
    assert deep_heads.count("tanh") == 3  # between the two Linear boxes of each block
    assert sum("parameters" in a["label"] for a in deep.values()) == 8
    assert "1.0: Linear" in deep_heads and "3.2: Linear" in deep_heads
    with pytest.raises(ValueError, match="Module"):
        draw_graph(loss, collapse=True)


@pytest.mark.slow
def test_a_hundred_thousand_op_graph_draws_in_seconds():
    x = tm.Tensor(np.full(3, 0.5), requires_grad=True, name="x")
    y = x
    for _ in range(100_000):
        y = y * 1.0001
    loss = y.sum()
    start = time.perf_counter()
    dot = draw_graph(loss, max_nodes=300)
    if HAS_DOT:
        dot.pipe(format="svg")
    seconds = time.perf_counter() - start
    assert seconds < 30, f"took {seconds:.1f} s"  # about 1 s on an idle laptop
    nodes, _ = parse(dot)
    # the ops, the sum, x and the output box
    assert lines(nodes["truncated"])[0] == f"… {100_000 + 1 + 2 - 300} more nodes"


# ------------------------------------------------------ backward order
def test_show_order_numbers_ops_as_the_engine_visits_them():
    tm.manual_seed(0)
    x = tm.randn(4, 3)
    W = tm.Tensor(np.ones((3, 3)), requires_grad=True)
    h = (x @ W).tanh()
    loss = (h * h).sum() + h.mean() * 2  # h has two consumers: its node waits for both
    visited = []
    stack, seen = [loss], set()
    while stack:  # record the engine's own visit order through the backward methods
        t = stack.pop()
        if t._ctx is None or id(t._ctx) in seen:
            continue
        seen.add(id(t._ctx))
        node = t._ctx
        node.backward = (lambda f, n: lambda *a: (visited.append(n), f(*a))[1])(
            node.backward, node)
        stack += list(node.parents)
    order = backward_order(loss)
    nodes, _ = parse(draw_graph(loss, show_order=True))
    loss.backward()
    assert order == visited
    numbered = {}
    for a in nodes.values():
        m = re.match(r"(\d+): (\w+)", lines(a)[0])
        if m:
            numbered[int(m[1])] = m[2]
    assert [numbered[i + 1] for i in range(len(order))] == [n.name() for n in visited]
    assert backward_order(loss) == visited  # the skeleton keeps the order after backward


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot program is not installed")
def test_backward_steps_writes_frames_gif_and_the_right_deltas(tmp_path):
    PIL = pytest.importorskip("PIL.Image")
    model = mlp([3, 4, 2], act=nn.Sigmoid)
    X = tm.Tensor(np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32))
    y = np.array([0, 1, 1, 0, 1])
    z1 = model[0](X)
    a1 = model[1](z1)
    z2 = model[2](a1)
    loss = tm.functional.cross_entropy(z2, y)
    r = backward_steps(loss, tmp_path, params=model)
    assert r["order"] == ["cross_entropy", "linear", "sigmoid", "linear"]
    assert [p.name for p in r["frames"]] == [f"step_0{i}.png" for i in range(1, 5)]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in r["frames"])
    gif = PIL.open(r["gif"])
    assert gif.n_frames == 4
    for t in (z1, a1, z2):
        t.retain_grad()
    loss.backward()  # the graph is still there: backward_steps retained it
    want = [1.0, np.linalg.norm(z2.grad.numpy()), np.linalg.norm(a1.grad.numpy()),
            np.linalg.norm(z1.grad.numpy())]
    assert list(r["deltas"].values()) == pytest.approx(want, rel=1e-5)
    with pytest.raises(RuntimeError, match="before backward"):
        backward_steps(loss, tmp_path / "again")
