"""Training diagnostics: what each layer's activations, gradients and weights are doing.

The pictures of Karpathy's "building makemore" lecture 4 and of the grad-flow
plots people post for vanishing gradients:

* ``activation_stats`` / ``plot_activation_histograms``: the distribution of
  each activation layer's output, with the saturated fraction (sigmoid/tanh:
  units whose derivative σ′ = s(1−s) < 0.05, 1 − tanh² < 0.1, the same rule as
  the graph drawings; ReLU: units at exactly 0, which pass no gradient);
* ``gradient_stats`` / ``plot_gradient_histograms``: the distribution of
  ∂L/∂(activation output) per layer (δ before the activation's derivative)
  and of ∂L/∂W per weight matrix;
* ``grad_flow`` / ``plot_grad_flow``: mean and max |∂L/∂W| per layer on a log
  scale: bars that fall towards the input are vanishing gradients;
* ``plot_update_ratio``: std(ΔW)/std(W) per parameter over training, on a log
  scale with the 1e-3 guide line (much below: learning too slowly);
* ``plot_weight_histograms``: each weight matrix's distribution at each epoch.

The data functions return plain NumPy, so tests (and users) can check them;
the plot functions return a matplotlib Figure (saved and closed given ``path``).
Models are walked layer by layer, so they must be ``nn.Sequential`` (nested
Sequentials are flattened).
"""

from __future__ import annotations

import numpy as np

from ..autograd import no_grad
from ..creation import from_numpy
from ..tensor import Tensor
from .plots import _finish, _pyplot

__all__ = [
    "activation_stats", "grad_flow", "gradient_stats", "plot_activation_histograms",
    "plot_grad_flow", "plot_gradient_histograms", "plot_update_ratio",
    "plot_weight_histograms", "saturated_mask",
]

#: Activation modules by class name -> how their saturation is counted.
ACTIVATIONS = {"Sigmoid": "sigmoid", "Tanh": "tanh", "ReLU": "relu"}


def _layers(model) -> list:
    """(name, module) of the leaf layers of a Sequential, nested Sequentials flattened."""
    if not hasattr(model, "__iter__") or not hasattr(model, "named_children"):
        raise TypeError(f"diagnostics need an nn.Sequential (walked layer by layer), got "
                        f"{type(model).__name__}")
    out, stack = [], [("", model)]
    while stack:
        prefix, m = stack.pop()
        children = list(m.named_children())
        if not children or not hasattr(m, "__iter__"):
            out.append((prefix, m))
            continue
        for name, c in reversed(children):
            stack.append((f"{prefix}.{name}" if prefix else name, c))
    return out


def _x(X) -> Tensor:
    return X if isinstance(X, Tensor) else from_numpy(np.asarray(X))


def saturated_mask(kind: str, a: np.ndarray) -> np.ndarray:
    """Where an activation passes (almost) no gradient: σ′ < 0.05, 1 − tanh² < 0.1, ReLU = 0."""
    a = np.asarray(a, dtype=np.float64)
    if kind == "sigmoid":
        return a * (1 - a) < 0.05
    if kind == "tanh":
        return 1 - a * a < 0.1
    if kind == "relu":
        return a <= 0
    raise ValueError(f"saturated_mask: unknown activation kind {kind!r}")


def _forward(model, X, keep_grad: bool):
    """Run the layers one by one; (name, kind, output tensor) per activation layer, logits."""
    h = _x(X)
    acts = []
    for name, layer in _layers(model):
        h = layer(h)
        kind = ACTIVATIONS.get(type(layer).__name__)
        if kind is not None:
            if keep_grad:
                h.retain_grad()
            acts.append((f"{name}: {type(layer).__name__}", kind, h))
    return acts, h


def activation_stats(model, X) -> list[dict]:
    """Per activation layer: {'layer', 'kind', 'values' (flat array), 'mean', 'std',
    'saturated' (fraction of units, see ``saturated_mask``)}. Runs in eval mode, no grad."""
    was = model.training
    model.eval()
    try:
        with no_grad():
            acts, _ = _forward(model, X, keep_grad=False)
    finally:
        model.train(was)
    out = []
    for label, kind, t in acts:
        v = np.asarray(t.data, dtype=np.float64).ravel()
        out.append({"layer": label, "kind": kind, "values": v, "mean": float(v.mean()),
                    "std": float(v.std()), "saturated": float(saturated_mask(kind, v).mean())})
    return out


def gradient_stats(model, X, y, loss_fn=None) -> dict:
    """One forward and backward on (X, y) in eval mode: {'activations': [{'layer',
    'values'}: ∂L/∂(output) of each activation layer], 'weights': [{'layer', 'values'}:
    ∂L/∂W of each matrix]}.

    The parameters' ``.grad`` are left holding this batch's gradients.
    """
    from .. import nn

    y = _x(y)
    if loss_fn is None:
        loss_fn = nn.CrossEntropyLoss() if y.dtype.kind in "iu" else nn.MSELoss()
    model.zero_grad()
    was = model.training
    model.eval()  # no dropout: it would also draw from the random stream training uses
    try:
        acts, out = _forward(model, X, keep_grad=True)
        loss_fn(out, y).backward()
    finally:
        model.train(was)
    return {
        "activations": [{"layer": label, "values": np.array(t.grad.data).ravel()}
                        for label, _, t in acts if t.grad is not None],
        "weights": [{"layer": name, "values": np.array(p.grad.data).ravel()}
                    for name, p in model.named_parameters()
                    if p.grad is not None and p.ndim >= 2],
    }


def grad_flow(model) -> list[dict]:
    """Per weight matrix holding a gradient: {'layer', 'mean' (mean |∂L/∂W|), 'max',
    'norm' (‖∂L/∂W‖₂)}, input side first. Call after ``backward()``."""
    out = []
    for name, p in model.named_parameters():
        if p.grad is None or p.ndim < 2:
            continue
        g = np.abs(np.asarray(p.grad.data, dtype=np.float64))
        out.append({"layer": name, "mean": float(g.mean()), "max": float(g.max()),
                    "norm": float(np.sqrt((g * g).sum()))})
    if not out:
        raise ValueError("grad_flow: no weight holds a gradient; call loss.backward() first")
    return out


# ----------------------------------------------------------------- plots
def _hist_lines(ax, series, xlabel, title, bins=60, extra=None):
    cmap = _pyplot().get_cmap("viridis")
    allv = np.concatenate([s["values"] for s in series]) if series else np.zeros(1)
    lo, hi = np.percentile(allv, [0.5, 99.5]) if allv.size else (0, 1)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    edges = np.linspace(lo, hi, bins + 1)
    for i, s in enumerate(series):
        # the 0.5 % tails on each side are left out: they would squash the picture
        counts, _ = np.histogram(s["values"], bins=edges)
        counts = counts / max(1, s["values"].size) / (edges[1] - edges[0])
        label = s["layer"] + (extra(s) if extra else "")
        ax.plot((edges[:-1] + edges[1:]) / 2, counts, color=cmap(i / max(1, len(series) - 1)),
                lw=1.6, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def plot_activation_histograms(model_or_stats, X=None, path=None):
    """Histograms of each activation layer's outputs on X, the saturated fraction in the
    legend (``model_or_stats``: a Sequential and X, or ``activation_stats``' list)."""
    plt = _pyplot()
    stats = (activation_stats(model_or_stats, X) if X is not None else model_or_stats)
    if not stats:
        raise ValueError("plot_activation_histograms: the model has no activation layers")
    fig, ax = plt.subplots(figsize=(7, 3.8))

    def extra(s):
        word = "zero" if s["kind"] == "relu" else "saturated"
        return f"  mean {s['mean']:+.2f} std {s['std']:.2f}, {word} {s['saturated']:.1%}"

    _hist_lines(ax, stats, "activation value", "Activations per layer", extra=extra)
    return _finish(plt, fig, path)


def plot_gradient_histograms(stats: dict, path=None):
    """Histograms of ∂L/∂(activation output) per layer and of ∂L/∂W per weight matrix
    (``stats`` from ``gradient_stats``)."""
    plt = _pyplot()
    panels = [(k, stats.get(k) or []) for k in ("activations", "weights")]
    panels = [(k, s) for k, s in panels if s]
    if not panels:
        raise ValueError("plot_gradient_histograms: no gradients in stats")
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 3.8), squeeze=False)

    def extra(s):
        return f"  std {np.std(s['values']):.2e}"

    for ax, (kind, series) in zip(axes[0], panels):
        title = ("Gradient ∂L/∂a of each activation layer" if kind == "activations"
                 else "Gradient ∂L/∂W of each weight matrix")
        _hist_lines(ax, series, "gradient value", title, extra=extra)
    return _finish(plt, fig, path)


def plot_grad_flow(model_or_flow, path=None, title: str = "Gradient flow"):
    """Mean and max |∂L/∂W| per layer, input side on the left, log scale: a fall towards
    the input is the vanishing gradient (``model_or_flow``: a model after backward, or
    ``grad_flow``'s list)."""
    plt = _pyplot()
    flow = model_or_flow if isinstance(model_or_flow, list) else grad_flow(model_or_flow)
    names = [f["layer"] for f in flow]
    x = np.arange(len(flow))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.0 + 0.9 * len(flow)), 3.8))
    ax.bar(x, [f["max"] for f in flow], width=0.6, color="#9ecae1", label="max |∂L/∂W|")
    ax.bar(x, [f["mean"] for f in flow], width=0.6, color="#08519c", label="mean |∂L/∂W|")
    ax.set_yscale("log")
    ax.set_xticks(x, names, rotation=30 if len(flow) > 4 else 0, ha="right"
                  if len(flow) > 4 else "center")
    ax.set_xlabel("layer (input → output)")
    ax.set_ylabel("|gradient|")
    ax.set_title(title)
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    return _finish(plt, fig, path)


def plot_update_ratio(ratios: dict, path=None, steps=None):
    """log₁₀(std(ΔW)/std(W)) per parameter over training, with the 1e-3 guide line
    (``ratios``: name -> list of ratios, e.g. ``UpdateRatio.ratios``; ``steps``: the
    batch number of each point)."""
    plt = _pyplot()
    if not ratios:
        raise ValueError("plot_update_ratio: no ratios recorded")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    cmap = plt.get_cmap("viridis")
    for i, (name, r) in enumerate(ratios.items()):
        xs = steps if steps is not None else np.arange(1, len(r) + 1)
        ax.plot(xs, np.log10(np.maximum(np.asarray(r, dtype=np.float64), 1e-12)),
                color=cmap(i / max(1, len(ratios) - 1)), lw=1.4, label=name)
    ax.axhline(-3, color="k", ls="--", lw=1, label="1e-3 (guide)")
    ax.set_xlabel("batch")
    ax.set_ylabel("log₁₀ update / data")
    ax.set_title("Update-to-data ratio per parameter")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    return _finish(plt, fig, path)


def plot_weight_histograms(snapshots: dict, path=None):
    """Each weight matrix's distribution at each recorded epoch, one panel per matrix
    (``snapshots``: name -> list of flat arrays, e.g. ``WeightHistograms.snapshots``)."""
    plt = _pyplot()
    if not snapshots:
        raise ValueError("plot_weight_histograms: no snapshots recorded")
    n = len(snapshots)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.4), squeeze=False)
    cmap = plt.get_cmap("viridis")
    for ax, (name, snaps) in zip(axes[0], snapshots.items()):
        allv = np.concatenate(snaps)
        edges = np.linspace(allv.min(), allv.max() + 1e-12, 41)
        for i, v in enumerate(snaps):
            counts, _ = np.histogram(v, bins=edges, density=True)
            ax.plot((edges[:-1] + edges[1:]) / 2, counts, lw=1.2,
                    color=cmap(i / max(1, len(snaps) - 1)),
                    label=f"epoch {i}" if i in (0, len(snaps) - 1) else None)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel("weight")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("density")
    fig.suptitle("Weights over epochs (dark: first, yellow: last)", fontsize=10)
    return _finish(plt, fig, path)
