"""``plot_decision_boundary``: what a classifier of 2-D points does with the whole plane,
and, as in TensorFlow Playground, what each hidden unit computes there."""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..creation import from_numpy
from .diagnostics import ACTIVATIONS, _layers
from .plots import _finish, _pyplot

__all__ = ["decision_grid", "hidden_unit_maps", "plot_decision_boundary"]


def _bounds(X: np.ndarray, margin: float = 0.15) -> tuple:
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = (hi - lo) * margin + 1e-9
    return lo - pad, hi + pad


def decision_grid(model, X, resolution: int = 150) -> dict:
    """The model's prediction on a ``resolution`` × ``resolution`` grid over X's range:
    {'xx', 'yy' (the grid), 'points' (G, 2), 'pred' (class per point, as a grid),
    'score' (max softmax probability, or σ(logit) for one output)}."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must have shape (N, 2), got {X.shape}")
    lo, hi = _bounds(X)
    xx, yy = np.meshgrid(np.linspace(lo[0], hi[0], resolution),
                         np.linspace(lo[1], hi[1], resolution))
    points = np.column_stack([xx.ravel(), yy.ravel()])
    dtype = next(iter(model.parameters())).data.dtype
    was = model.training
    model.eval()
    try:
        with no_grad():
            out = np.asarray(model(from_numpy(points.astype(dtype))).data, dtype=np.float64)
    finally:
        model.train(was)
    if out.ndim == 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        e = np.exp(out - out.max(axis=1, keepdims=True))
        score = (e / e.sum(axis=1, keepdims=True)).max(axis=1)
    else:
        z = out.reshape(-1)
        pred = (z > 0).astype(np.int64)  # a logit (BCEWithLogitsLoss)
        score = 1 / (1 + np.exp(-z))
    return {"xx": xx, "yy": yy, "points": points, "pred": pred.reshape(xx.shape),
            "score": score.reshape(xx.shape)}


def hidden_unit_maps(model, points: np.ndarray, max_units: int = 8) -> list:
    """Each hidden activation layer's units over ``points``: [(layer label, (U, G) array)]."""
    dtype = next(iter(model.parameters())).data.dtype
    h = from_numpy(np.asarray(points).astype(dtype))
    out = []
    with no_grad():
        for name, layer in _layers(model):
            h = layer(h)
            if type(layer).__name__ in ACTIVATIONS:
                a = np.asarray(h.data, dtype=np.float64)
                out.append((f"{name}: {type(layer).__name__}", a[:, :max_units].T))
    return out


def plot_decision_boundary(model, X, y, path=None, resolution: int = 150,
                           hidden_units: bool = True, max_units: int = 8,
                           title: str | None = None):
    """The predicted class over the plane (shaded), the data points on top (coloured by
    their label, wrong ones ringed in red), and below it a small map of each hidden
    unit's activation (up to ``max_units`` per layer). ``model`` maps (N, 2) to logits."""
    plt = _pyplot()
    g = decision_grid(model, X, resolution)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1)
    maps = hidden_unit_maps(model, g["points"], max_units) if hidden_units else []
    ncols = max([1] + [m.shape[0] for _, m in maps])
    rows = 1 + len(maps)
    fig = plt.figure(figsize=(max(6.0, 1.3 * ncols), 5.2 + 1.45 * len(maps)))
    grid = fig.add_gridspec(rows, ncols, height_ratios=[3.6] + [1] * len(maps))
    ax = fig.add_subplot(grid[0, :])
    k = int(max(g["pred"].max(), y.max() if y.size else 0)) + 1
    cmap = plt.get_cmap("coolwarm" if k == 2 else "tab10", max(k, 2))
    ax.pcolormesh(g["xx"], g["yy"], g["pred"], cmap=cmap, vmin=-0.5, vmax=max(k, 2) - 0.5,
                  alpha=0.35, shading="auto")
    if k == 2:
        ax.contour(g["xx"], g["yy"], g["score"], levels=[0.5], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=-0.5, vmax=max(k, 2) - 0.5, s=14,
               edgecolors="k", linewidths=0.3)
    pred_X = _predict_points(model, X)
    wrong = pred_X != y
    if wrong.any():
        ax.scatter(X[wrong, 0], X[wrong, 1], s=40, facecolors="none", edgecolors="red",
                   linewidths=1.0, label=f"misclassified ({int(wrong.sum())})")
        ax.legend(loc="upper right", fontsize=8)
    acc = float((~wrong).mean()) if y.size else float("nan")
    ax.set_title(title or f"Decision boundary (accuracy {acc:.1%} on these points)")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    for r, (label, m) in enumerate(maps, start=1):
        for u in range(m.shape[0]):
            sub = fig.add_subplot(grid[r, u])
            sub.pcolormesh(g["xx"], g["yy"], m[u].reshape(g["xx"].shape), cmap="PuOr_r",
                           shading="auto")
            sub.set_xticks([])
            sub.set_yticks([])
            if u == 0:
                sub.set_ylabel(label, fontsize=7)
            sub.set_title(f"unit {u}", fontsize=7)
    return _finish(plt, fig, path)


def _predict_points(model, X: np.ndarray) -> np.ndarray:
    dtype = next(iter(model.parameters())).data.dtype
    was = model.training
    model.eval()
    try:
        with no_grad():
            out = np.asarray(model(from_numpy(X.astype(dtype))).data)
    finally:
        model.train(was)
    return out.argmax(axis=1) if out.ndim == 2 and out.shape[1] > 1 else (out.reshape(-1) > 0)
