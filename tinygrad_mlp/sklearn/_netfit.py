"""The training loop of ``NeuralNetClassifier``/``NeuralNetRegressor``, their pickling and
their ``tm.save`` checkpoints (kept apart from the parameter handling in ``neuralnet.py``).

One epoch: shuffle the training indices, then per batch ``zero_grad`` →
``get_loss(module_(X_b), y_b)`` → ``backward`` → ``optimizer_.step()``; then the
loss on the validation split. ``history_`` gets one dict per epoch::

    {"epoch": 1, "train_loss": …, "valid_loss": …, "valid_acc": …, "dur": seconds,
     "train_loss_best": True, "valid_loss_best": True,
     "batches": [{"train_loss": …, "train_batch_size": 128}, …]}
"""

from __future__ import annotations

import copy
import os
import time

import numpy as np
from sklearn.utils.validation import validate_data

from ..autograd import no_grad
from ..creation import from_numpy


class NetTrainingMixin:
    """fit / partial_fit / the epoch loop, pickle and ``save_params``/``load_params``."""

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None):
        """Initialize (unless ``warm_start`` and fitted) and train for ``max_epochs``."""
        if not (self.warm_start and hasattr(self, "module_")):
            self.__dict__.pop("module_", None)
        return self.partial_fit(X, y, sample_weight=sample_weight)

    def partial_fit(self, X, y, sample_weight=None, classes=None, epochs: int | None = None):
        """Train ``epochs`` (default ``max_epochs``) more epochs without re-initializing."""
        first = not hasattr(self, "module_")
        X, y = validate_data(self, X, y, reset=first, dtype=(np.float32, np.float64),
                             multi_output=not self._is_classifier, y_numeric=not
                             self._is_classifier)
        X = np.ascontiguousarray(X, dtype=np.float32)
        if first and classes is not None and self._is_classifier:
            self.classes_ = np.unique(classes)
            y_enc = self._prepare_y(y, first=False)
        else:
            y_enc = self._prepare_y(y, first=first)
        if first:
            self.initialize(X.shape[1], self._n_outputs(y_enc))
        w = None
        if sample_weight is not None:
            from sklearn.utils.validation import _check_sample_weight

            w = _check_sample_weight(sample_weight, X, dtype=np.float64)
        cw = self._class_weights(y_enc)
        if cw is not None:
            w = cw if w is None else w * cw
        self.fit_loop(X, y, y_enc, w, epochs if epochs is not None else self.max_epochs)
        return self

    def _split(self, y_enc):
        n = len(y_enc)
        split = self.train_split
        if split is None:
            return np.arange(n), None
        if isinstance(split, float):
            from .neuralnet import ValidSplit

            split = ValidSplit(split)
        labels = y_enc if self._is_classifier else np.zeros(n)
        rs = None if self.random_state is None else int(
            np.random.default_rng(self.random_state if isinstance(self.random_state, int)
                                  else 0).integers(2**31 - 1))
        tr, va = split(labels, self._is_classifier, random_state=rs)
        return np.asarray(tr), np.asarray(va)

    def stop_training(self) -> None:
        """Ask the loop to stop after this epoch (EarlyStopping calls it)."""
        self._stop = True

    def _notify(self, hook: str, *args) -> None:
        for _, cb in self.callbacks_:
            getattr(cb, hook)(self, *args)

    def fit_loop(self, X, y, y_enc, w, epochs: int) -> None:
        from .neuralnet import _package_rng

        tr, va = self._split(y_enc)
        self.epoch_data_ = {"train": (X[tr], y[tr]),
                            "valid": (X[va], y[va]) if va is not None and len(va) else
                            (None, None)}
        bs = int(self.batch_size) if self.batch_size not in (None, -1) else len(tr)
        bs = max(1, min(bs, len(tr)))
        self.batches_per_epoch_ = -(-len(tr) // bs)
        shuffle = bool(self.iterator_train__shuffle)
        order_rng = getattr(self, "_shuffle_rng_", None)
        self._stop = False
        try:
            with _package_rng(self._rng_):
                self._notify("on_train_begin", X, y)
                for _ in range(epochs):
                    self._run_epoch(X, y_enc, w, tr, va, bs, shuffle, order_rng)
                    if self._stop:
                        break
                self._notify("on_train_end")
        except KeyboardInterrupt:
            import warnings

            warnings.warn("Training interrupted by user.", stacklevel=3)
        finally:
            del self.epoch_data_

    def _run_epoch(self, X, y_enc, w, tr, va, bs, shuffle, order_rng) -> None:
        from ..rng import get_rng

        start = time.perf_counter()
        row = {"epoch": len(self.history_) + 1, "batches": []}
        self.history_.append(row)
        self._notify("on_epoch_begin")
        if shuffle:
            perm = (order_rng if order_rng is not None else get_rng()).permutation(len(tr))
            order = tr[perm]
        else:
            order = tr
        self.module_.train()
        total, count = 0.0, 0
        for b in range(0, len(order), bs):
            idx = order[b:b + bs]
            self.optimizer_.zero_grad()
            y_pred = self.module_(from_numpy(X[idx]))
            target = from_numpy(self._criterion_target(y_enc[idx], y_pred.shape))
            loss = self.get_loss(y_pred, target, X[idx], training=True,
                                 sample_weight=None if w is None else w[idx])
            loss.backward()
            self.optimizer_.step()
            value = float(loss.item())
            batch = {"train_loss": value, "train_batch_size": int(len(idx))}
            row["batches"].append(batch)
            self._notify("on_batch_end", batch)
            total, count = total + value * len(idx), count + len(idx)
        row["train_loss"] = total / max(count, 1)
        if va is not None and len(va):
            self._validate(row, X[va], y_enc[va], None if w is None else w[va])
        row["dur"] = time.perf_counter() - start
        for key in ("train_loss", "valid_loss"):
            if key in row:
                prev = [r[key] for r in self.history_[:-1] if key in r]
                row[key + "_best"] = bool(not prev or row[key] < min(prev))
        self._notify("on_epoch_end")

    def _validate(self, row: dict, Xv, yv, wv) -> None:
        self.module_.eval()
        with no_grad():
            out = self.module_(from_numpy(Xv))
            target = from_numpy(self._criterion_target(yv, out.shape))
            row["valid_loss"] = float(self.get_loss(out, target, Xv, training=False,
                                                    sample_weight=wv).item())
        if self._is_classifier:
            scores = out.numpy().reshape(len(Xv), -1)
            if scores.shape[1] == 1:  # one logit (BCEWithLogitsLoss) or probability (BCELoss)
                from .. import nn

                cut = 0.5 if isinstance(self.criterion_, nn.BCELoss) else 0.0
                pred = (scores.ravel() > cut).astype(np.int64)
            else:
                pred = np.argmax(scores, axis=1)
            row["valid_acc"] = float(np.mean(pred == yv))

    # --------------------------------------------------------------- pickle
    def __getstate__(self) -> dict:
        """The estimator's dict with the module and optimizer turned into arrays."""
        state = dict(super().__getstate__() if hasattr(super(), "__getstate__")
                     else self.__dict__)
        module = state.pop("module_", None)
        if module is not None:
            state["_module_state"] = {k: np.array(v) for k, v in module.state_dict().items()}
            if self._module_kwargs_ is None:  # an instance was given: keep a fresh copy of it
                state["_module_template"] = True
        opt = state.pop("optimizer_", None)
        if opt is not None:
            state["_optimizer_state"] = opt.state_dict()
        state.pop("criterion_", None)
        state.pop("callbacks_", None)
        state.pop("epoch_data_", None)
        return state

    def __setstate__(self, state: dict) -> None:
        module_state = state.pop("_module_state", None)
        opt_state = state.pop("_optimizer_state", None)
        state.pop("_module_template", None)
        self.__dict__.update(state)
        if module_state is not None:
            self._restore(module_state, opt_state)

    def _restore(self, module_state: dict, opt_state: dict | None) -> None:
        kwargs = self._module_kwargs_
        self.module_ = copy.deepcopy(self.module) if kwargs is None else self.module(**kwargs)
        self.module_.load_state_dict(module_state)
        self.criterion_ = self._build_criterion()
        self.optimizer_ = self._build_optimizer()
        if opt_state is not None:
            self.optimizer_.load_state_dict(opt_state)
        self._init_callbacks()

    # ------------------------------------------------------ tm.save / tm.load
    def save_params(self, path: str | os.PathLike) -> None:
        """Write the fitted module, optimizer state, history and labels with ``tm.save``
        (``.npz``, no pickle). Read back with ``load_params`` on a net built with the
        same parameters."""
        from ..io import save

        if not hasattr(self, "module_"):
            raise ValueError("save_params: the net is not initialized (call fit or initialize)")
        extra = {}
        for name in ("classes_", "n_features_in_", "_y_1d"):
            if hasattr(self, name):
                value = getattr(self, name)
                extra[name] = value.astype(str) if getattr(value, "dtype", None) is not None \
                    and value.dtype.hasobject else value
        save({"format": "tinygrad_mlp.sklearn.net", "module": self.module_.state_dict(),
              "module_kwargs": self._module_kwargs_, "optimizer": self.optimizer_.state_dict(),
              "history": self.history_, "attributes": extra}, path)

    def load_params(self, path: str | os.PathLike):
        """Restore what ``save_params`` wrote (no code runs on load); returns self."""
        from ..io import CheckpointError, load

        obj = load(path)
        if not isinstance(obj, dict) or obj.get("format") != "tinygrad_mlp.sklearn.net":
            raise CheckpointError(f"load_params: {path} was not written by save_params")
        self._module_kwargs_ = obj["module_kwargs"]
        self._rng_ = self._generator()
        self._shuffle_rng_ = self._generator()
        self._restore(obj["module"], obj["optimizer"])
        self.history_ = obj["history"]
        for name, value in obj["attributes"].items():
            if isinstance(value, np.ndarray) and value.ndim == 0:
                value = value[()]
            setattr(self, name, value)
        return self
