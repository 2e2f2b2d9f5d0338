"""Callbacks for ``NeuralNetClassifier``/``NeuralNetRegressor``, as skorch's.

A callback sees the net at fixed points of training; what it measures goes
into the epoch's row of ``net.history_`` (a list of dicts, one per epoch, with
the batches inside). The net works on deep copies (``net.callbacks_``), so the
objects passed as the ``callbacks`` parameter are never changed by a fit.

    EarlyStopping(monitor="valid_loss", patience=5, load_best=True)
    EpochScoring("f1_macro", lower_is_better=False, name="valid_f1")
    Checkpoint(dirname="ckpt")           # tm.save of the module when valid_loss is best
    LRScheduler("StepLR", step_size=10, gamma=0.5)
    ProgressBar(), CSVLogger("history.csv")
"""

from __future__ import annotations

import csv
import os
import sys

import numpy as np

__all__ = ["CSVLogger", "Callback", "Checkpoint", "EarlyStopping", "EpochScoring",
           "LRScheduler", "PrintLog", "ProgressBar"]


class Callback:
    """Base class: override the hooks you need (each gets the net)."""

    def initialize(self) -> Callback:
        """Reset the state before a fit from scratch."""
        return self

    def on_train_begin(self, net, X=None, y=None) -> None: ...
    def on_epoch_begin(self, net) -> None: ...
    def on_batch_end(self, net, batch: dict) -> None: ...
    def on_epoch_end(self, net) -> None: ...
    def on_train_end(self, net) -> None: ...

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.endswith("_"))
        return f"{type(self).__name__}({args})"


def _is_better(current, best, lower_is_better: bool, threshold: float = 0.0,
               mode: str = "rel") -> bool:
    if best is None:
        return True
    if mode == "rel":
        margin = abs(best) * threshold
    else:
        margin = threshold
    return current < best - margin if lower_is_better else current > best + margin


class EpochScoring(Callback):
    """A scikit-learn scorer (name or callable ``scorer(net, X, y)``) after every epoch,
    on the validation split (or the training data with ``on_train=True``).

    Writes ``history_[-1][name]`` and ``history_[-1][name + '_best']``.
    """

    def __init__(self, scoring, lower_is_better: bool = True, on_train: bool = False,
                 name: str | None = None):
        self.scoring = scoring
        self.lower_is_better = lower_is_better
        self.on_train = on_train
        self.name = name

    def initialize(self) -> EpochScoring:
        self.best_score_ = None
        return self

    def _name(self) -> str:
        if self.name:
            return self.name
        base = self.scoring if isinstance(self.scoring, str) else getattr(
            self.scoring, "__name__", "score")
        return f"{'train' if self.on_train else 'valid'}_{base}"

    def on_epoch_end(self, net) -> None:
        from sklearn.metrics import get_scorer

        X, y = net.epoch_data_["train" if self.on_train else "valid"]
        if X is None:
            return
        scorer = get_scorer(self.scoring) if isinstance(self.scoring, str) else self.scoring
        score = float(scorer(net, X, y))
        row = net.history_[-1]
        row[self._name()] = score
        better = _is_better(score, self.best_score_, self.lower_is_better)
        row[self._name() + "_best"] = bool(better)
        if better:
            self.best_score_ = score


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``threshold`` for ``patience`` epochs.

    ``threshold_mode``: 'rel' (improve by threshold·|best|) or 'abs'. With
    ``load_best=True`` the module's weights of the best epoch are restored at the
    end (restore-best-weights).
    """

    def __init__(self, monitor: str = "valid_loss", patience: int = 5,
                 threshold: float = 1e-4, threshold_mode: str = "rel",
                 lower_is_better: bool = True, load_best: bool = False):
        self.monitor = monitor
        self.patience = patience
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.lower_is_better = lower_is_better
        self.load_best = load_best

    def initialize(self) -> EarlyStopping:
        self.best_score_ = None
        self.best_epoch_ = 0
        self.misses_ = 0
        self.best_state_ = None
        return self

    def on_epoch_end(self, net) -> None:
        row = net.history_[-1]
        if self.monitor not in row:
            raise KeyError(f"EarlyStopping: monitor {self.monitor!r} is not in the history "
                           f"(it has {sorted(k for k in row if k != 'batches')}); with "
                           f"train_split=None there is no valid_loss")
        current = row[self.monitor]
        if _is_better(current, self.best_score_, self.lower_is_better, self.threshold,
                      self.threshold_mode):
            self.best_score_, self.best_epoch_, self.misses_ = current, row["epoch"], 0
            if self.load_best:
                self.best_state_ = {k: np.array(v) for k, v in
                                    net.module_.state_dict().items()}
        else:
            self.misses_ += 1
        if self.misses_ >= self.patience:
            if net.verbose:
                print(f"Stopping since {self.monitor} has not improved in the last "
                      f"{self.patience} epochs (best {self.best_score_:.4f} at epoch "
                      f"{self.best_epoch_}).")
            net.stop_training()

    def on_train_end(self, net) -> None:
        if self.load_best and self.best_state_ is not None:
            net.module_.load_state_dict(self.best_state_)
            net.history_[-1]["event_load_best"] = self.best_epoch_


class Checkpoint(Callback):
    """Save the module's state dict with ``tm.save`` (``.npz``, no pickle) when
    ``history_[-1][monitor]`` is true ('valid_loss_best' by default; None: every epoch).

    ``f_optimizer`` also saves the optimizer state; ``history_[-1]['event_cp']`` says when.
    """

    def __init__(self, monitor: str | None = "valid_loss_best", f_params: str = "params.npz",
                 f_optimizer: str | None = None, dirname: str = ""):
        self.monitor = monitor
        self.f_params = f_params
        self.f_optimizer = f_optimizer
        self.dirname = dirname

    def on_epoch_end(self, net) -> None:
        from ..io import save

        row = net.history_[-1]
        if self.monitor is not None and not row.get(self.monitor, False):
            row["event_cp"] = False
            return
        if self.dirname:
            os.makedirs(self.dirname, exist_ok=True)
        save(net.module_.state_dict(), os.path.join(self.dirname, self.f_params))
        if self.f_optimizer:
            save(net.optimizer_.state_dict(), os.path.join(self.dirname, self.f_optimizer))
        row["event_cp"] = True


class LRScheduler(Callback):
    """A learning-rate schedule of ``tinygrad_mlp.optim`` (a class or its name, e.g.
    'StepLR'), stepped after every epoch; ``history_[-1]['event_lr']`` is the lr used."""

    def __init__(self, policy="StepLR", **kwargs):
        self.policy = policy
        self.kwargs = kwargs

    def on_train_begin(self, net, X=None, y=None) -> None:
        from .. import optim

        policy = getattr(optim, self.policy) if isinstance(self.policy, str) else self.policy
        if not hasattr(self, "scheduler_") or self.scheduler_ is None \
                or self.scheduler_.optimizer is not net.optimizer_:
            self.scheduler_ = policy(net.optimizer_, **self.kwargs)

    def on_epoch_end(self, net) -> None:
        from ._solvers import current_lr

        net.history_[-1]["event_lr"] = current_lr(net.optimizer_)
        self.scheduler_.step()

    def initialize(self) -> LRScheduler:
        self.scheduler_ = None
        return self


class ProgressBar(Callback):
    """A tqdm bar over the batches of each epoch (only on a terminal unless ``disable=False``)."""

    def __init__(self, disable: bool | None = None):
        self.disable = disable

    def on_epoch_begin(self, net) -> None:
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=net.batches_per_epoch_, desc=f"epoch {len(net.history_)}",
                         leave=False, disable=self.disable, file=sys.stderr)

    def on_batch_end(self, net, batch: dict) -> None:
        self.bar_.update(1)
        self.bar_.set_postfix(loss=f"{batch['train_loss']:.4f}", refresh=False)

    def on_epoch_end(self, net) -> None:
        self.bar_.close()


class CSVLogger(Callback):
    """One CSV row per epoch (the scalar entries of ``history_[-1]``, or ``keys``)."""

    def __init__(self, path: str = "history.csv", keys: list[str] | None = None):
        self.path = path
        self.keys = keys

    def initialize(self) -> CSVLogger:
        self.header_ = None
        return self

    def on_epoch_end(self, net) -> None:
        row = {k: v for k, v in net.history_[-1].items() if not isinstance(v, (list, dict))}
        keys = list(self.keys or row)
        first = self.header_ is None
        with open(self.path, "w" if first else "a", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=keys, extrasaction="ignore")
            if first:
                writer.writeheader()
            writer.writerow({k: row.get(k, "") for k in keys})
        self.header_ = keys


class PrintLog(Callback):
    """One line per epoch (the net adds it when ``verbose`` is true)."""

    def on_epoch_end(self, net) -> None:
        row = net.history_[-1]
        parts = [f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                 for k, v in row.items() if k not in ("batches",) and not k.endswith("_best")]
        print("  ".join(parts))
