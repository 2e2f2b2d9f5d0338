"""``report.html``: one self-contained page about a training run, to open in a browser.

Everything is inside the file: pictures are PNG (matplotlib) or SVG (Graphviz)
``data:`` URIs, the style sheet is inline, and nothing is fetched from the
network, so the page can be mailed, archived or opened offline.  Sections:
configuration, results, learning curves, confusion matrix, misclassified
examples (images) or the decision boundary (2-D data) or predicted vs true
(regression), the computation graph, and the training diagnostics.

``write_report(out_dir, …)`` writes it from what a run produced;
``fit(…, report_dir=…)`` and ``tinygrad-mlp train`` call it through
``FitReporter``, a ``fit`` callback that also records the diagnostics.
"""

from __future__ import annotations

import base64
import html
import io
import math
import shutil
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from .callbacks import Diagnostics
from .plots import _pyplot

__all__ = ["FitReporter", "write_report"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;
color:#222;background:#f6f7f9}
header{background:#1f3b63;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px} header p{margin:4px 0 0;opacity:.85}
main{max-width:1180px;margin:0 auto;padding:10px 24px 40px}
section{background:#fff;border:1px solid #dde1e7;border-radius:8px;margin:18px 0;
padding:14px 18px} h2{font-size:17px;margin:4px 0 10px;color:#1f3b63}
table{border-collapse:collapse;font-size:13px} td,th{border-bottom:1px solid #eee;
padding:4px 10px;text-align:left;vertical-align:top} th{color:#555;font-weight:600}
img{max-width:100%;height:auto;display:block;margin:6px 0}
.grid{display:flex;flex-wrap:wrap;gap:14px} .grid figure{margin:0;flex:1 1 480px}
.grid figure.wide{flex-basis:100%}
figcaption{font-size:12px;color:#555} .metric{font-size:26px;font-weight:600;color:#1f3b63}
.metrics{display:flex;gap:34px;flex-wrap:wrap} .note{color:#777;font-size:13px}
pre{background:#f3f4f6;padding:8px;border-radius:6px;font-size:12px;overflow:auto}
"""


def _png(fig) -> str:
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _file_uri(path: Path) -> str:
    kind = {"png": "image/png", "svg": "image/svg+xml", "gif": "image/gif"}[
        path.suffix.lstrip(".").lower()]
    return f"data:{kind};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _figure(uri: str, caption: str, wide: bool = False) -> str:
    return (f'<figure{" class=wide" if wide else ""}><img src="{uri}" '
            f'alt="{html.escape(caption)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


def _arrays(a):
    return a.data if isinstance(a, Tensor) else np.asarray(a)


def _predict(model, X):
    from ..train import predict

    return predict(model, X)


def _graph_uri(model, X, y) -> str | None:
    """The loss graph of a fresh batch as an SVG data URI (None without Graphviz's dot)."""
    if shutil.which("dot") is None:
        return None
    from .graph import draw_graph

    saved = [(p, p.grad) for p in model.parameters()]
    was = model.training
    model.eval()  # the model as it predicts: no dropout masks in the drawing
    try:
        n_params = sum(p.data.size for p in model.parameters())
        many = sum(1 for _ in model.modules()) > 12
        dot = draw_graph(model=model, sample=(X, y), color_by_grad=True, collapse=many,
                         group_modules=None if many else model,
                         title=f"loss on {len(X)} samples ({n_params:,} parameters)")
        svg = dot.pipe(format="svg")
    finally:
        model.train(was)
        for p, g in saved:
            p.grad = g
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def write_report(out_dir, history=None, model=None, config: dict | None = None,
                 val_data=None, class_names=None, diagnostics: Diagnostics | None = None,
                 images: dict | None = None, title: str = "Training report",
                 image_shape=None, display_X=None) -> Path:
    """Write ``out_dir/report.html`` and return its path.

    ``history``: ``fit``'s History (or a dict of lists); ``model``: the trained model;
    ``config``: settings to list; ``val_data``: the (X, y) held out, for the confusion
    matrix, misclassified examples / decision boundary / predicted-vs-true and the
    graph; ``class_names``: labels for the classes; ``diagnostics``: a ``Diagnostics``
    callback that ran during ``fit``; ``images``: extra caption -> PNG/SVG file;
    ``display_X``: val_data's inputs as they should be shown (e.g. before standardising).
    """
    from . import plots
    from .boundary import plot_decision_boundary

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    parts: list[str] = []
    sub = []
    if model is not None:
        n_params = sum(p.data.size for p in model.parameters())
        sub.append(f"{type(model).__name__} with {n_params:,} parameters")
    if history is not None and "loss" in history:
        sub.append(f"{len(history['loss'])} epochs")
    # ---- configuration
    if config:
        rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_fmt(v))}</td></tr>"
                       for k, v in config.items())
        parts.append(f"<section><h2>Configuration</h2><table>{rows}</table>"
                     + (f"<pre>{html.escape(repr(model))}</pre>" if model is not None else "")
                     + "</section>")
    # ---- results
    metrics = []
    if history is not None:
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            if key in history and len(history[key]):
                metrics.append((key, history[key][-1]))
    X = y = pred = None
    task = None
    if val_data is not None and model is not None:
        X, y = (_arrays(a) for a in val_data)
        out_v = _predict(model, X)
        if out_v.ndim == 2 and out_v.shape[1] > 1 and y.ndim == 1 and y.dtype.kind in "iu":
            task, pred = "classification", out_v.argmax(axis=1)
            metrics.append(("held-out accuracy", float(np.mean(pred == y))))
        else:
            task, pred = "regression", out_v.reshape(y.shape) if out_v.size == y.size else out_v
            if pred.shape == y.shape:
                metrics.append(("held-out RMSE", float(np.sqrt(np.mean((pred - y) ** 2)))))
    if metrics:
        cells = "".join(f'<div><div class="metric">{_fmt(v)}</div>'
                        f'<div class="note">{html.escape(k)} (last epoch)</div></div>'
                        if not k.startswith("held") else
                        f'<div><div class="metric">{_fmt(v)}</div>'
                        f'<div class="note">{html.escape(k)}</div></div>' for k, v in metrics)
        parts.append(f'<section><h2>Results</h2><div class="metrics">{cells}</div></section>')
    # ---- curves
    if history is not None:
        figs = []
        per_epoch = {k: v for k, v in history.items() if k != "batch_loss"
                     and isinstance(v, list) and len(v) and k != "lr"}
        if per_epoch:
            figs.append(_figure(_png(plots.plot_history(per_epoch)), "loss and metrics per "
                                "epoch (val_*: the held-out data)", wide=True))
        if history.get("batch_loss"):
            figs.append(_figure(_png(plots.plot_cost(history["batch_loss"])),
                                "loss of every mini-batch"))
        if figs:
            parts.append(f'<section><h2>Learning curves</h2><div class="grid">{"".join(figs)}'
                         "</div></section>")
    # ---- predictions
    if task == "classification":
        from ..metrics import confusion_matrix

        k = int(max(y.max(), pred.max())) + 1
        if class_names is not None:
            k = max(k, len(class_names))
        cm = confusion_matrix(y, pred, num_classes=k)
        figs = [_figure(_png(plots.plot_confusion_matrix(cm, class_names=class_names)),
                        "confusion matrix on the held-out data (rows: true class)")]
        side = math.isqrt(X.shape[1]) if X.ndim == 2 else 0
        if X.ndim == 2 and X.shape[1] == 2:
            figs.append(_figure(_png(plot_decision_boundary(model, X, y)),
                                "decision boundary and each hidden unit over the plane"))
        elif image_shape is not None or (X.ndim == 3) or (side > 1 and side * side == X.shape[1]):
            names = list(class_names) if class_names is not None else None
            t = [names[i] for i in y] if names else y
            p = [names[i] for i in pred] if names else pred
            shown = X if display_X is None else _arrays(display_X)
            figs.append(_figure(_png(plots.misclassified_grid(
                shown if image_shape is None else shown.reshape(len(shown), *image_shape),
                np.asarray(t), np.asarray(p), max_images=20)),
                "misclassified held-out examples (t: true, p: predicted)"))
        parts.append(f'<section><h2>Predictions</h2><div class="grid">{"".join(figs)}'
                     "</div></section>")
    elif task == "regression" and pred.shape == y.shape:
        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(4.8, 4.2))
        ax.scatter(y.ravel(), pred.ravel(), s=8, alpha=0.6)
        lo, hi = float(min(y.min(), pred.min())), float(max(y.max(), pred.max()))
        ax.plot([lo, hi], [lo, hi], "k--", lw=1, label="perfect")
        ax.set_xlabel("true")
        ax.set_ylabel("predicted")
        ax.set_title("Predicted vs true (held-out)")
        ax.legend()
        ax.grid(alpha=0.3)
        fig.tight_layout()
        parts.append(f"<section><h2>Predictions</h2>{_figure(_png(fig), 'held-out targets')}"
                     "</section>")
    # ---- graph
    if model is not None and X is not None:
        n = min(8, len(X))
        uri = _graph_uri(model, X[:n], y[:n])
        body = (_figure(uri, "the loss's computation graph on a few held-out samples, "
                             "gradient norms after backward (darker: larger)", wide=True)
                if uri else '<p class="note">Graphviz\'s dot program is not installed '
                            "(apt install graphviz): no graph.</p>")
        parts.append(f"<section><h2>Computation graph</h2>{body}</section>")
    # ---- diagnostics
    if diagnostics is not None:
        figs = []
        captions = {"activations": "activations per layer (saturated: σ′ < 0.05, "
                                   "1 − tanh² < 0.1; ReLU: zero)",
                    "gradients": "gradients per layer at the end of training",
                    "grad_flow": "gradient flow: mean and max |∂L/∂W| per layer",
                    "update_ratio": "update-to-data ratio per parameter (guide: 1e-3)",
                    "weights": "weight histograms over the epochs"}
        for name, part in diagnostics.parts.items():
            if _has_data(part):
                figs.append(_figure(_png(part.plot()), captions.get(name, name),
                                    wide=name in ("weights", "gradients")))
        if figs:
            parts.append(f'<section><h2>Training diagnostics</h2><div class="grid">'
                         f'{"".join(figs)}</div></section>')
    if images:
        figs = "".join(_figure(_file_uri(Path(p)), c) for c, p in images.items())
        parts.append(f'<section><h2>More pictures</h2><div class="grid">{figs}</div></section>')
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<header><h1>{html.escape(title)}</h1><p>{html.escape(' · '.join(sub))}</p>"
            f"</header><main>{''.join(parts)}</main></body></html>\n")
    path = out / "report.html"
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


def _has_data(part) -> bool:
    return any(getattr(part, a, None) for a in ("flows", "ratios", "snapshots", "stats"))


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(_fmt, v))
    return str(v)


class FitReporter:
    """The ``fit(…, report_dir=)`` callback: records the diagnostics, writes the report."""

    def __init__(self, out_dir, loss_fn=None, val_data=None, config=None, class_names=None,
                 title: str = "Training report", sample: int = 500,
                 write_at_end: bool = True, display_X=None) -> None:
        self.out_dir, self.loss_fn, self.val_data = out_dir, loss_fn, val_data
        self.config, self.class_names, self.title = config, class_names, title
        X = y = None
        if isinstance(val_data, tuple) and len(val_data) == 2:
            X, y = (_arrays(a)[:sample] for a in val_data)
        self.diagnostics = Diagnostics(X, y, loss_fn, update_every=1)
        self.path: Path | None = None
        self.write_at_end = write_at_end
        self.display_X = display_X

    def on_train_begin(self, model, optimizer) -> None:
        self.diagnostics.on_train_begin(model, optimizer)

    def on_before_step(self, model, optimizer) -> None:
        self.diagnostics.on_before_step(model, optimizer)

    def on_batch_end(self, model, optimizer) -> None:
        self.diagnostics.on_batch_end(model, optimizer)

    def on_epoch_end(self, model, epoch, history) -> None:
        self.diagnostics.on_epoch_end(model, epoch, history)

    def on_train_end(self, model, history) -> None:
        if self.write_at_end:
            self.write(model, history)

    def write(self, model, history) -> Path:
        """Write ``report.html`` now (``on_train_end`` does unless ``write_at_end=False``)."""
        val = self.val_data if isinstance(self.val_data, tuple) else None
        self.path = write_report(self.out_dir, history, model, self.config, val,
                                 self.class_names, self.diagnostics, title=self.title,
                                 display_X=self.display_X)
        return self.path
