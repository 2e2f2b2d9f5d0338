"""``fit``, ``evaluate``, ``predict``: a small training loop for the common case.

The explicit PyTorch-style loop stays the main way to train; ``fit`` runs
exactly that loop (zero_grad → forward → loss → backward → step per batch,
``scheduler.step()`` per epoch) and records what happened::

    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  DataLoader(X, y, batch_size=32, shuffle=True), epochs=10,
                  val_data=(X_val, y_val), early_stopping=3)
    history["val_accuracy"][-1]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable

import numpy as np
from tqdm import tqdm

from .autograd import no_grad
from .creation import from_numpy
from .nn.loss import BCEWithLogitsLoss
from .nn.module import Module
from .optim.optimizer import Optimizer
from .tensor import Tensor

__all__ = ["History", "evaluate", "fit", "predict"]

_METRICS = ("accuracy",)


class History(dict):
    """What ``fit`` recorded: per-epoch lists 'loss', 'lr' (the rate used in that
    epoch), 'accuracy', 'val_loss', 'val_accuracy' (those that apply) and the
    per-batch list 'batch_loss'.

    ``best_epoch`` is the index of the epoch with the lowest val_loss (None
    without validation data); ``stopped_early`` says whether early stopping ended training;
    ``stopped_nonfinite`` is (epoch, batch), both from 1, of the non-finite loss that
    stopped training with ``on_nonfinite='warn'`` (else None).
    """

    def __init__(self, keys: Iterable[str]):
        super().__init__((k, []) for k in keys)
        self.best_epoch: int | None = None
        self.stopped_early = False
        self.stopped_nonfinite: tuple[int, int] | None = None

    @property
    def epochs(self) -> int:
        """How many epochs ran."""
        return len(self["loss"])


def _arrays(a) -> np.ndarray:
    return a.data if isinstance(a, Tensor) else np.asarray(a)


def _is_xy(data) -> bool:
    return (isinstance(data, tuple) and len(data) == 2
            and all(isinstance(a, (np.ndarray, Tensor)) for a in data))


def _batches(data, batch_size: int, opname: str):
    """(X, y) batches from a loader, or slices of an (X, y) pair of arrays."""
    if _is_xy(data):
        X, y = (_arrays(a) for a in data)
        if len(X) != len(y):
            raise ValueError(f"{opname}: X has {len(X)} samples but y has {len(y)}")
        for i in range(0, len(X), batch_size):
            yield from_numpy(X[i:i + batch_size]), from_numpy(y[i:i + batch_size])
        return
    for batch in data:
        if not isinstance(batch, (tuple, list)) or len(batch) != 2:
            raise ValueError(f"{opname}: each batch must be an (inputs, targets) pair, got "
                             f"{type(batch).__name__} of length {len(batch)}"
                             if isinstance(batch, (tuple, list)) else
                             f"{opname}: each batch must be an (inputs, targets) pair, got a "
                             f"{type(batch).__name__}")
        yield batch[0], batch[1]


def _correct(out: Tensor, y, loss_fn) -> tuple[int, int] | None:
    """(number right, number counted) for a batch, or None if accuracy does not apply.

    Several columns: the predicted class is the argmax (targets are labels or
    one-hot rows). One column: targets must be 0/1 and the output is thresholded
    at 0 for BCEWithLogitsLoss, else 0.5.
    """
    o, t = _arrays(out), _arrays(y)
    if o.ndim == 2 and o.shape[1] > 1:
        pred = o.argmax(axis=1)
        if t.ndim == 1 and t.dtype.kind in "iu":
            true = t
        elif t.shape == o.shape:
            true = t.argmax(axis=1)
        else:
            return None
    elif o.size == t.size and o.ndim <= 2 and (o.ndim < 2 or o.shape[1] == 1):
        if not np.all((t == 0) | (t == 1)):
            return None  # a regression target
        pred = o.reshape(-1) > (0.0 if isinstance(loss_fn, BCEWithLogitsLoss) else 0.5)
        true = t.reshape(-1) > 0.5
    else:
        return None
    return int(np.count_nonzero(pred == true)), int(true.size)


def _reduction(loss_fn) -> str:
    return getattr(loss_fn, "reduction", "mean")


def evaluate(model: Module, data, loss_fn: Callable | None = None,
             batch_size: int = 1000, metrics: Iterable[str] = _METRICS) -> dict:
    """Loss and accuracy of ``model`` on a loader or an ``(X, y)`` pair.

    Runs under ``no_grad`` in eval mode (the previous mode is restored). 'loss'
    (only with ``loss_fn``) is the per-sample mean for reduction 'mean', the
    total for 'sum'; 'accuracy' is NaN where it does not apply (regression).
    """
    metrics = _check_metrics(metrics, "evaluate")
    was_training = model.training
    model.eval()
    total = weight = 0.0
    right = counted = 0
    try:
        with no_grad():
            for X, y in _batches(data, batch_size, "evaluate"):
                out = model(X)
                if loss_fn is not None:
                    n = len(X) if _reduction(loss_fn) == "mean" else 1
                    total += float(loss_fn(out, y).item()) * n
                    weight += n
                c = _correct(out, y, loss_fn) if metrics else None
                if c is not None:
                    right += c[0]
                    counted += c[1]
    finally:
        model.train(was_training)
    result = {}
    if loss_fn is not None:
        if _reduction(loss_fn) == "sum":
            weight = 1.0
        result["loss"] = total / weight if weight else math.nan
    if "accuracy" in metrics:
        result["accuracy"] = right / counted if counted else math.nan
    return result


def predict(model: Module, X, batch_size: int = 1000) -> np.ndarray:
    """The model's outputs (e.g. logits) for inputs X (N, ...), as one (N, ...) ndarray."""
    X = _arrays(X)
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            outs = [_arrays(model(from_numpy(X[i:i + batch_size])))
                    for i in range(0, len(X), batch_size)]
    finally:
        model.train(was_training)
    if not outs:
        raise ValueError("predict: X holds no samples")
    return np.concatenate(outs)


def _check_metrics(metrics, opname: str) -> tuple[str, ...]:
    metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics or ())
    bad = [m for m in metrics if m not in _METRICS]
    if bad:
        raise ValueError(f"{opname}: unknown metrics {bad} (available: {list(_METRICS)})")
    return metrics


def _nonfinite(value: float, epoch: int, epochs: int, batch: int, n_batches: int | None,
               action: str) -> None:
    """Raise (or warn about) a non-finite batch loss, naming where it happened."""
    of = f"/{n_batches}" if n_batches is not None else ""
    message = (f"fit: the loss is {value} at epoch {epoch + 1}/{epochs}, batch {batch + 1}{of}; "
               f"the weights were not updated with it. Look for NaN/inf in the inputs "
               f"(np.isfinite(X).all()), try a smaller learning rate, or run the step under "
               f"tm.autograd.detect_anomaly() to find the op that made it")
    if action == "raise":
        raise FloatingPointError(message)
    warnings.warn(message + "; training stopped", RuntimeWarning, stacklevel=3)


def fit(model: Module, loss_fn: Callable, optimizer: Optimizer, train_loader: Iterable,
        epochs: int = 1, val_data=None, scheduler=None, early_stopping: int | None = None,
        metrics: Iterable[str] = _METRICS, progress: bool = True,
        verbose: int = 0, on_nonfinite: str = "raise") -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader`` (re-iterable, yielding
    (X, y) batches, e.g. a DataLoader; an (X, y) pair of arrays means full-batch
    training) and return a ``History``.

    ``val_data`` (a loader or an (X, y) pair) is evaluated after every epoch.
    ``early_stopping=k`` stops after k epochs without a lower val_loss and
    restores the weights of the best epoch. ``progress`` shows a tqdm bar;
    ``verbose=1`` prints one line per epoch. The epoch 'loss' is the
    sample-weighted mean of the batch losses (the mean of batch sums for
    reduction 'sum'); 'accuracy' is measured on the training batches as they pass.

    ``on_nonfinite`` says what a NaN or infinite batch loss does, before its
    backward and step touch the weights: 'raise' (default) raises
    FloatingPointError naming the epoch and batch; 'warn' warns (RuntimeWarning)
    and stops training there, returning the history so far
    (``history.stopped_nonfinite``); 'ignore' trains on.
    """
    metrics = _check_metrics(metrics, "fit")
    if on_nonfinite not in ("raise", "warn", "ignore"):
        raise ValueError(f"fit: on_nonfinite must be 'raise', 'warn' or 'ignore', got "
                         f"{on_nonfinite!r}")
    if not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative int, got {epochs!r}")
    if _is_xy(train_loader):  # one (X, y) pair: full-batch training
        train_loader = [tuple(from_numpy(_arrays(a)) for a in train_loader)]
    if iter(train_loader) is train_loader:
        raise TypeError("fit: train_loader must be re-iterable (a DataLoader or a list of "
                        "batches), not an iterator that is used up after one epoch")
    if early_stopping is not None:
        if not isinstance(early_stopping, (int, np.integer)) or early_stopping < 1:
            raise ValueError(f"fit: early_stopping is a patience in epochs (int >= 1), got "
                             f"{early_stopping!r}")
        if val_data is None:
            raise ValueError("fit: early_stopping watches val_loss, so it needs val_data")
    want_acc = "accuracy" in metrics
    keys = ["loss"] + (["accuracy"] if want_acc else [])
    if val_data is not None:
        keys += ["val_loss"] + (["val_accuracy"] if want_acc else [])
    history = History(keys + ["lr", "batch_loss"])
    weighted = _reduction(loss_fn) == "mean"
    n_batches = len(train_loader) if hasattr(train_loader, "__len__") else None
    bar = tqdm(total=epochs * n_batches if n_batches is not None else None,
               disable=not progress, unit="batch", dynamic_ncols=True)
    best_loss, best_state, wait = math.inf, None, 0
    try:
        for epoch in range(epochs):
            model.train()
            history["lr"].append(optimizer.lr)
            total = weight = 0.0
            right = counted = 0
            for batch, (X, y) in enumerate(_batches(train_loader, 0, "fit")):
                optimizer.zero_grad()
                out = model(X)
                loss = loss_fn(out, y)
                value = float(loss.item())
                if on_nonfinite != "ignore" and not math.isfinite(value):
                    history["batch_loss"].append(value)
                    _nonfinite(value, epoch, epochs, batch, n_batches, on_nonfinite)
                    history.stopped_nonfinite = (epoch + 1, batch + 1)
                    break
                loss.backward()
                optimizer.step()
                history["batch_loss"].append(value)
                n = len(X) if weighted else 1
                total += value * n
                weight += n
                c = _correct(out, y, loss_fn) if want_acc else None
                if c is not None:
                    right += c[0]
                    counted += c[1]
                if progress:
                    post = {"epoch": f"{epoch + 1}/{epochs}", "loss": f"{total / weight:.4g}"}
                    if counted:
                        post["acc"] = f"{right / counted:.4f}"
                    bar.set_postfix(post, refresh=False)
                    bar.update(1)
            if history.stopped_nonfinite is not None:
                history["lr"].pop()  # the epoch did not finish: keep the lists aligned
                break
            if weight == 0:
                raise ValueError("fit: train_loader yielded no batches")
            history["loss"].append(total / weight)
            if want_acc:
                history["accuracy"].append(right / counted if counted else math.nan)
            if val_data is not None:
                res = evaluate(model, val_data, loss_fn, metrics=metrics)
                history["val_loss"].append(res["loss"])
                if want_acc:
                    history["val_accuracy"].append(res["accuracy"])
                if res["loss"] < best_loss:
                    best_loss, history.best_epoch, wait = res["loss"], epoch, 0
                    if early_stopping is not None:
                        best_state = model.state_dict()
                else:
                    wait += 1
            if scheduler is not None:
                scheduler.step()
            if verbose:
                line = ", ".join(f"{k} {v[-1]:.4g}" for k, v in history.items()
                                 if k != "batch_loss")
                tqdm.write(f"epoch {epoch + 1}/{epochs}: {line}")
            if early_stopping is not None and wait >= early_stopping:
                history.stopped_early = True
                break
    finally:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
