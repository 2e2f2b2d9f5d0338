"""``fit`` callbacks that record the training diagnostics as training runs.

``fit(…, callbacks=[cb, …])`` calls, where a callback defines them,
``on_train_begin(model, optimizer)``, ``on_before_step(model, optimizer)``
(after backward, before the update), ``on_batch_end(model, optimizer)``,
``on_epoch_end(model, epoch, history)`` and ``on_train_end(model, history)``.
``Diagnostics`` bundles them all and writes every picture::

    diag = Diagnostics(X_val[:500], y_val[:500])
    fit(model, loss_fn, opt, loader, epochs=10, callbacks=[diag])
    diag.write("runs/diag")          # {'grad_flow': Path(...), ...}
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import diagnostics as D

__all__ = ["ActivationHistograms", "Diagnostics", "GradFlow", "GradientHistograms",
           "UpdateRatio", "WeightHistograms"]

_SAMPLE = 4000  # values kept per weight matrix and epoch for the histograms


class GradFlow:
    """``grad_flow(model)`` of the last batch of every epoch: ``flows[epoch]``."""

    def __init__(self) -> None:
        self.flows: list[list[dict]] = []
        self._last = None

    def on_before_step(self, model, optimizer) -> None:
        self._last = model

    def on_epoch_end(self, model, epoch, history) -> None:
        self.flows.append(D.grad_flow(model))

    def plot(self, path=None):
        return D.plot_grad_flow(self.flows[-1], path=path,
                                title=f"Gradient flow (last batch of epoch {len(self.flows)})")


class UpdateRatio:
    """std(ΔW)/std(W) of every parameter with ≥ 2 dims, every ``every`` batches."""

    def __init__(self, every: int = 1) -> None:
        self.every = every
        self.ratios: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self._before = None
        self._batch = 0

    def on_before_step(self, model, optimizer) -> None:
        self._batch += 1
        if self._batch % self.every == 0:
            self._before = [(n, p, p.data.copy()) for n, p in model.named_parameters()
                            if p.ndim >= 2]

    def on_batch_end(self, model, optimizer) -> None:
        if self._before is None:
            return
        for name, p, old in self._before:
            new = p.data
            scale = float(np.std(new))
            r = float(np.std(new - old)) / scale if scale > 0 else 0.0
            self.ratios.setdefault(name, []).append(r)
        self.steps.append(self._batch)
        self._before = None

    def plot(self, path=None):
        return D.plot_update_ratio(self.ratios, path=path, steps=self.steps)


class WeightHistograms:
    """A sample of every weight matrix before training and after each epoch."""

    def __init__(self, seed: int = 0) -> None:
        self.snapshots: dict[str, list[np.ndarray]] = {}
        self._rng = np.random.default_rng(seed)
        self._pick: dict = {}

    def _take(self, model) -> None:
        for name, p in model.named_parameters():
            if p.ndim < 2:
                continue
            flat = p.data.ravel()
            if name not in self._pick:
                self._pick[name] = (self._rng.choice(flat.size, _SAMPLE, replace=False)
                                    if flat.size > _SAMPLE else slice(None))
            self.snapshots.setdefault(name, []).append(flat[self._pick[name]].copy())

    def on_train_begin(self, model, optimizer) -> None:
        self._take(model)

    def on_epoch_end(self, model, epoch, history) -> None:
        self._take(model)

    def plot(self, path=None):
        return D.plot_weight_histograms(self.snapshots, path=path)


class ActivationHistograms:
    """``activation_stats(model, X)`` after every epoch: ``stats[epoch]``."""

    def __init__(self, X) -> None:
        self.X = X
        self.stats: list[list[dict]] = []

    def on_epoch_end(self, model, epoch, history) -> None:
        self.stats.append(D.activation_stats(model, self.X))

    def plot(self, path=None):
        return D.plot_activation_histograms(self.stats[-1], path=path)


class GradientHistograms:
    """``gradient_stats(model, X, y)`` after every epoch (the parameters' ``.grad`` of the
    last training batch are put back afterwards): ``stats[epoch]``."""

    def __init__(self, X, y, loss_fn=None) -> None:
        self.X, self.y, self.loss_fn = X, y, loss_fn
        self.stats: list[dict] = []

    def on_epoch_end(self, model, epoch, history) -> None:
        saved = [(p, p.grad) for p in model.parameters()]
        try:
            self.stats.append(D.gradient_stats(model, self.X, self.y, self.loss_fn))
        finally:
            for p, g in saved:
                p.grad = g

    def plot(self, path=None):
        return D.plot_gradient_histograms(self.stats[-1], path=path)


class Diagnostics:
    """All the diagnostics at once; ``write(out_dir)`` saves one PNG each.

    ``X``, ``y``: a sample (a few hundred rows) to measure activations and their
    gradients on; without it only grad flow, update ratios and weights are recorded.
    """

    def __init__(self, X=None, y=None, loss_fn=None, update_every: int = 1) -> None:
        self.parts = {"grad_flow": GradFlow(), "update_ratio": UpdateRatio(update_every),
                      "weights": WeightHistograms()}
        if X is not None:
            self.parts["activations"] = ActivationHistograms(X)
            if y is not None:
                self.parts["gradients"] = GradientHistograms(X, y, loss_fn)

    def _call(self, hook: str, *args) -> None:
        for part in self.parts.values():
            fn = getattr(part, hook, None)
            if fn is not None:
                fn(*args)

    def on_train_begin(self, model, optimizer) -> None:
        self._call("on_train_begin", model, optimizer)

    def on_before_step(self, model, optimizer) -> None:
        self._call("on_before_step", model, optimizer)

    def on_batch_end(self, model, optimizer) -> None:
        self._call("on_batch_end", model, optimizer)

    def on_epoch_end(self, model, epoch, history) -> None:
        self._call("on_epoch_end", model, epoch, history)

    def write(self, out_dir) -> dict:
        """Save each recorded picture as ``<name>.png`` in ``out_dir``; name -> path."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, part in self.parts.items():
            if _recorded(part):
                paths[name] = out / f"{name}.png"
                part.plot(path=paths[name])
        return paths


def _recorded(part) -> bool:
    for attr in ("flows", "ratios", "snapshots", "stats"):
        if getattr(part, attr, None):
            return True
    return False
