"""Training plots with matplotlib: learning curves, image grids, heatmaps, activations.

Every function returns the ``matplotlib.figure.Figure``; given ``path`` it also saves
the figure there and closes it (so loops that save many plots do not pile up
figures).  matplotlib is imported on first use; without a display (and without
a backend chosen by the user) the non-interactive Agg backend is used.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import numpy as np

from ..tensor import Tensor

_MISSING = "the plotting functions need matplotlib: pip install tinygrad_mlp[viz]"


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(_MISSING) from exc
    headless = not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if (headless and sys.platform.startswith("linux") and "MPLBACKEND" not in os.environ
            and "matplotlib.pyplot" not in sys.modules):
        matplotlib.use("Agg")  # no screen: render to files only
    import matplotlib.pyplot as plt

    return plt


def _finish(plt, fig, path):
    fig.tight_layout()
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return fig


def _array(x) -> np.ndarray:
    return np.asarray(x.data if isinstance(x, Tensor) else x)


# ---------------------------------------------------------- learning curves
def plot_history(history, path=None):
    """Loss and accuracy per epoch from a dict of lists, e.g.
    ``{'loss': [...], 'accuracy': [...], 'val_loss': [...], 'val_accuracy': [...]}``.

    Keys containing 'loss' share the left panel, keys containing 'acc' the right
    one; any other per-epoch series (e.g. 'lr') get a third.  Only the keys
    present are drawn; series of another length than 'loss' (such as
    ``fit``'s per-batch 'batch_loss') are left out.
    """
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    history = getattr(history, "history", history)  # also a Keras-like History object
    if not isinstance(history, dict) or not history:
        raise ValueError("plot_history: history must be a non-empty dict of lists, "
                         f"got {type(history).__name__}")
    panels = {"loss": [], "accuracy": [], "other": []}
    n_epochs = len(history["loss"]) if isinstance(history.get("loss"), list) else None
    for key, values in history.items():
        if not isinstance(values, (list, tuple, np.ndarray)):
            continue  # e.g. fit's 'best_epoch' or 'stopped_early'
        if n_epochs is not None and len(values) != n_epochs:
            continue
        kind = "loss" if "loss" in key else "accuracy" if "acc" in key else "other"
        panels[kind].append((key, [float(_array(v)) for v in values]))
    used = [(k, series) for k, series in panels.items() if series]
    fig, axes = plt.subplots(1, len(used), figsize=(5 * len(used), 3.8), squeeze=False)
    for ax, (kind, series) in zip(axes[0], used):
        for key, values in series:
            style = "--" if key.startswith("val") else "-"
            ax.plot(range(1, len(values) + 1), values, style, marker="o", markersize=3,
                    label=key)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(kind if kind != "other" else "value")
        ax.set_title({"loss": "Loss", "accuracy": "Accuracy", "other": "Other"}[kind])
        ax.grid(alpha=0.3)
        ax.legend()
    return _finish(plt, fig, path)


def plot_cost(costs, path=None, ylim=None):
    """The cost of each minibatch in order (``costs``: a sequence of numbers), with a
    moving average when there are many points (the raw curve is noisy)."""
    plt = _pyplot()
    c = np.asarray([float(_array(v)) for v in costs], dtype=np.float64)
    if c.size == 0:
        raise ValueError("plot_cost: costs is empty")
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.plot(np.arange(1, c.size + 1), c, lw=0.8, alpha=0.6 if c.size > 50 else 1.0,
            label="cost per minibatch")
    if c.size > 50:
        w = max(5, c.size // 50)
        smooth = np.convolve(c, np.ones(w) / w, mode="valid")
        ax.plot(np.arange(w, c.size + 1), smooth, lw=2, label=f"moving average ({w})")
        ax.legend()
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("minibatch")
    ax.set_ylabel("cost")
    ax.grid(alpha=0.3)
    return _finish(plt, fig, path)


# -------------------------------------------------------------- image grids
def _image_shape(n_features: int, image_shape) -> tuple:
    if image_shape is not None:
        return tuple(image_shape)
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(f"image_grid: cannot infer a square image from {n_features} "
                         f"features; pass image_shape=(height, width)")
    return side, side  # 784 -> 28x28, 64 -> 8x8, 400 -> 20x20


def image_grid(images, titles=None, shape=None, nrows=None, ncols=None, path=None,
               image_shape=None):
    """Show images (N, H, W) or flattened (N, H·W) in a grid, optionally titled.

    ``shape`` = (nrows, ncols) of the grid (or give ``nrows``/``ncols``); by default
    it is about square.  Flattened images are reshaped to ``image_shape``, inferred
    for square sizes (784 -> 28×28, 64 -> 8×8, 400 -> 20×20).
    """
    plt = _pyplot()
    imgs = _array(images)
    if imgs.ndim == 2:
        imgs = imgs.reshape((imgs.shape[0], *_image_shape(imgs.shape[1], image_shape)))
    elif imgs.ndim != 3 and not (imgs.ndim == 4 and imgs.shape[-1] in (3, 4)):
        raise ValueError(f"image_grid: expected images of shape (N, H, W) or (N, H*W), "
                         f"got {imgs.shape}")
    n = imgs.shape[0]
    if n == 0:
        raise ValueError("image_grid: no images given")
    if titles is not None and len(titles) != n:
        raise ValueError(f"image_grid: {len(titles)} titles for {n} images")
    if shape is not None:
        nrows, ncols = shape
    if ncols is None:
        ncols = math.ceil(n / nrows) if nrows else math.ceil(math.sqrt(n))
    if nrows is None:
        nrows = math.ceil(n / ncols)
    if nrows * ncols < n:
        raise ValueError(f"image_grid: a {nrows}x{ncols} grid cannot hold {n} images")
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols, 1.7 * nrows), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i < n:
            ax.imshow(imgs[i], cmap="Greys", interpolation="nearest")
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=9)
    return _finish(plt, fig, path)


def misclassified_grid(images, y_true, y_pred, max_images: int = 25, path=None):
    """The first ``max_images`` images where ``y_pred != y_true``, titled "i) t: 7 p: 9"."""
    imgs, t, p = _array(images), _array(y_true).ravel(), _array(y_pred).ravel()
    if not len(imgs) == t.size == p.size:
        raise ValueError(f"misclassified_grid: {len(imgs)} images, {t.size} true labels "
                         f"and {p.size} predictions must match")
    wrong = np.flatnonzero(t != p)[:max_images]
    if wrong.size == 0:
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(3, 1))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "no misclassified images", ha="center", va="center")
        return _finish(plt, fig, path)
    titles = [f"{k + 1}) t: {t[i]} p: {p[i]}" for k, i in enumerate(wrong)]
    return image_grid(imgs[wrong], titles=titles, path=path)


# ----------------------------------------------------------------- matrices
def _annotated_matrix(ax, fig, m, fmt, cmap):
    im = ax.imshow(m, cmap=cmap, aspect="auto")
    fig.colorbar(im, ax=ax)
    for (i, j), v in np.ndenumerate(m):
        r, g, b, _ = im.cmap(im.norm(v))  # white text on dark cells, black on light ones
        dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5
        ax.text(j, i, format(v, fmt), ha="center", va="center", fontsize=8,
                color="white" if dark else "black")


def heatmap(values, row_labels, col_labels, title=None, xlabel=None, ylabel=None, path=None,
            fmt: str = ".2f"):
    """An annotated heatmap of ``values`` (rows, cols), e.g. validation accuracy over
    a grid of learning rates η (rows) and L2 strengths λ (columns)."""
    plt = _pyplot()
    m = np.asarray(_array(values), dtype=np.float64)
    if m.ndim != 2 or m.shape != (len(row_labels), len(col_labels)):
        raise ValueError(f"heatmap: values of shape {m.shape} need {len(row_labels)} row "
                         f"labels and {len(col_labels)} column labels")
    # Wide enough for the title and the colour bar even on a 2 × 2 grid.
    size = (max(5.0, 1.5 + 0.9 * m.shape[1]), max(3.0, 1.0 + 0.6 * m.shape[0]))
    fig, ax = plt.subplots(figsize=size)
    _annotated_matrix(ax, fig, m, fmt, "viridis")
    ax.set_xticks(range(m.shape[1]), [str(c) for c in col_labels])
    ax.set_yticks(range(m.shape[0]), [str(r) for r in row_labels])
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return _finish(plt, fig, path)


def plot_confusion_matrix(cm, path=None, class_names=None, normalize: bool = False):
    """The confusion matrix ``cm`` (true class = row, predicted = column), annotated.

    ``normalize`` divides each row by its total (recall per class on the diagonal).
    """
    plt = _pyplot()
    m = np.asarray(_array(cm), dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError(f"plot_confusion_matrix: expected a square matrix, got {m.shape}")
    if normalize:
        m = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    names = [str(c) for c in (class_names if class_names is not None else range(len(m)))]
    size = 1.5 + 0.5 * len(m)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    _annotated_matrix(ax, fig, m, ".2f" if normalize else ".0f", "Blues")
    ax.set_xticks(range(len(m)), names, rotation=45 if max(map(len, names)) > 3 else 0)
    ax.set_yticks(range(len(m)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix" + (" (row-normalised)" if normalize else ""))
    return _finish(plt, fig, path)


# -------------------------------------------------------------- activations
def plot_activations(path=None):
    """Sigmoid, tanh, ReLU and the step function (top) and their derivatives (bottom),
    the derivatives computed by this framework's autograd."""
    plt = _pyplot()
    xs = np.linspace(-5, 5, 1001)
    curves = {
        "sigmoid": lambda x: x.sigmoid(),
        "tanh": lambda x: x.tanh(),
        "ReLU": lambda x: x.relu(),
        # The step is constant on each side of 0: autograd correctly gives 0 there
        # (the spike at 0 is not a function value and cannot be drawn).
        "step": lambda x: x * 0 + (x.data > 0).astype(x.dtype),
    }
    fig, axes = plt.subplots(2, len(curves), figsize=(3.2 * len(curves), 5.2), sharex=True)
    for j, (name, fn) in enumerate(curves.items()):
        x = Tensor(xs, requires_grad=True)
        y = fn(x)
        y.sum().backward()  # elementwise: d(Σy)/dxᵢ = f′(xᵢ)
        axes[0, j].plot(xs, y.data, color="C0", lw=2)
        axes[0, j].set_title(name)
        axes[1, j].plot(xs, x.grad.data, color="C1", lw=2)
        axes[1, j].set_title(f"{name}′ (autograd)")
        for ax in axes[:, j]:
            ax.axhline(0, color="gray", lw=0.5)
            ax.axvline(0, color="gray", lw=0.5)
            ax.grid(alpha=0.3)
        axes[1, j].set_xlabel("x")
    axes[1, -1].text(0, 0.02, "0 everywhere (undefined at x = 0):\nno gradient to learn from",
                     ha="center", va="bottom", fontsize=8)
    axes[0, 0].set_ylabel("f(x)")
    axes[1, 0].set_ylabel("f′(x)")
    return _finish(plt, fig, path)
