"""``NeuralNetClassifier`` / ``NeuralNetRegressor``: any ``nn.Module`` as a scikit-learn
estimator, the way skorch wraps PyTorch modules.

    net = NeuralNetClassifier(MLPModule, module__hidden=(64,), optimizer=optim.SGD,
                              optimizer__momentum=0.9, lr=0.1, max_epochs=20,
                              callbacks=[EarlyStopping(patience=3, load_best=True)])
    GridSearchCV(net, {"lr": [0.01, 0.1], "module__hidden": [(32,), (64,)]}).fit(X, y)

Parameters with a prefix (``module__``, ``criterion__``, ``optimizer__``) are
passed to that object's constructor and are ordinary parameters for
``get_params``/``set_params``/``clone``. ``module``, ``criterion`` and
``optimizer`` may be classes (built at ``initialize()``) or instances (copied).
When the module class takes ``in_features``/``out_features`` and they are not
given, they are read from the data. The module returns logits; the
classifier's default criterion is ``nn.CrossEntropyLoss`` (skorch's is
NLLLoss on probabilities) and ``predict_proba`` applies the softmax.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import threading

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import functional as F
from .. import nn, optim, rng
from ..autograd import no_grad
from ..creation import from_numpy
from ._netfit import NetTrainingMixin
from .callbacks import PrintLog

__all__ = ["NeuralNet", "NeuralNetClassifier", "NeuralNetRegressor", "ValidSplit"]

PREFIXES = ("module", "criterion", "optimizer", "iterator_train", "iterator_valid")


class ValidSplit:
    """Hold out a validation set: ``cv`` a fraction (0.2) or a fold count k (1/k held out);
    stratified by class for classifiers when ``stratified``."""

    def __init__(self, cv: float | int = 5, stratified: bool = True, random_state=None):
        self.cv = cv
        self.stratified = stratified
        self.random_state = random_state

    def __call__(self, y: np.ndarray, classifier: bool, random_state=None):
        """(train indices, validation indices) for ``len(y)`` samples; the net's
        ``random_state`` is used when this split has none."""
        from sklearn.model_selection import train_test_split

        rs = self.random_state if self.random_state is not None else random_state

        frac = self.cv if isinstance(self.cv, float) else 1.0 / int(self.cv)
        idx = np.arange(len(y))
        stratify = y if (classifier and self.stratified and len(np.unique(y)) > 1
                         and np.bincount(np.unique(y, return_inverse=True)[1]).min() >= 2) \
            else None
        try:
            return train_test_split(idx, test_size=frac, random_state=rs, stratify=stratify)
        except ValueError:  # too few samples of a class for a stratified split
            return train_test_split(idx, test_size=frac, random_state=rs)

    def __repr__(self) -> str:
        return f"ValidSplit(cv={self.cv!r}, stratified={self.stratified!r})"


#: Held while a fit has swapped the package RNG, so that fits in threads (joblib's
#: threading backend) cannot draw from each other's generators.
_RNG_LOCK = threading.RLock()


@contextlib.contextmanager
def _package_rng(generator: np.random.Generator | None):
    """Use ``generator`` as tinygrad_mlp's package RNG inside the block (None: leave it)."""
    if generator is None:
        yield
        return
    with _RNG_LOCK:
        saved = rng.default_generator.numpy_generator
        rng.default_generator.numpy_generator = generator
        try:
            yield
        finally:
            rng.default_generator.numpy_generator = saved


def _accepts(cls, name: str) -> bool:
    try:
        params = inspect.signature(cls).parameters
    except (TypeError, ValueError):
        return False
    return name in params


class NeuralNet(NetTrainingMixin, BaseEstimator):
    """The shared machinery; use ``NeuralNetClassifier`` or ``NeuralNetRegressor``."""

    _default_criterion = nn.MSELoss

    def __init__(self, module, criterion=None, optimizer=optim.SGD, lr=0.01, max_epochs=10,
                 batch_size=128, iterator_train__shuffle=True, train_split=ValidSplit(5),
                 callbacks=None, alpha=0.0, warm_start=False, verbose=0, random_state=None,
                 **kwargs):
        self.module = module
        self.criterion = criterion
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.iterator_train__shuffle = iterator_train__shuffle
        self.train_split = train_split
        self.callbacks = callbacks
        self.alpha = alpha
        self.warm_start = warm_start
        self.verbose = verbose
        self.random_state = random_state
        # Checked at initialize(), not here: scikit-learn wants __init__ never to raise.
        for key, value in kwargs.items():
            setattr(self, key, value)

    # ------------------------------------------------------------ parameters
    def _check_prefixed(self, key: str) -> None:
        prefix = key.split("__", 1)[0]
        if "__" not in key or prefix not in PREFIXES:
            raise TypeError(f"{type(self).__name__}: unexpected parameter {key!r}; nested "
                            f"parameters start with one of {', '.join(p + '__' for p in PREFIXES)}")

    def _prefixed_names(self) -> list[str]:
        explicit = set(self._get_param_names())
        return sorted(k for k in vars(self) if "__" in k and not k.startswith("_")
                      and k.split("__", 1)[0] in PREFIXES and k not in explicit)

    def get_params(self, deep: bool = True) -> dict:
        params = super().get_params(deep=False)
        params.update({k: getattr(self, k) for k in self._prefixed_names()})
        return params

    def set_params(self, **params):
        """Set parameters, nested ones included (``module__hidden=32``); returns self.

        Names are checked by ``initialize()`` (at fit), like those given to ``__init__``.
        """
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def _kwargs(self, prefix: str) -> dict:
        p = prefix + "__"
        return {k[len(p):]: getattr(self, k) for k in self._prefixed_names() if k.startswith(p)}

    # ------------------------------------------------------------ initialize
    def _generator(self):
        rs = self.random_state
        if rs is None:
            return None
        if isinstance(rs, np.random.RandomState):
            rs = int(rs.randint(2**31 - 1))
        return np.random.default_rng(int(rs))

    def initialize(self, in_features: int | None = None, out_features: int | None = None):
        """Build ``module_``, ``criterion_``, ``optimizer_`` and ``callbacks_``; returns self.

        With ``random_state`` set, the module's initial weights (and later the
        shuffling and dropout) come from a generator seeded with it, without
        touching the package's global RNG.
        """
        explicit = set(self._get_param_names())
        for key in vars(self):
            if not key.startswith("_") and not key.endswith("_") and key not in explicit:
                self._check_prefixed(key)
        # Two streams, as a script with tm.manual_seed(s) and DataLoader(seed=s) has: one for
        # the weights (and dropout), one for the order of the samples.
        self._rng_ = self._generator()
        self._shuffle_rng_ = self._generator()
        with _package_rng(self._rng_):
            self.module_ = self._build_module(in_features, out_features)
        self.criterion_ = self._build_criterion()
        self.optimizer_ = self._build_optimizer()
        self._init_callbacks()
        self.history_ = []
        return self

    def _build_module(self, in_features, out_features):
        kwargs = self._kwargs("module")
        if isinstance(self.module, nn.Module):
            if kwargs:
                raise ValueError("module__ parameters need module to be a class, not an "
                                 "instance")
            self._module_kwargs_ = None
            return copy.deepcopy(self.module)
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if value is not None and name not in kwargs and _accepts(self.module, name):
                kwargs[name] = int(value)
        self._module_kwargs_ = kwargs
        module = self.module(**kwargs)
        if not isinstance(module, nn.Module):
            raise TypeError(f"module must be an nn.Module class or instance, got "
                            f"{type(module).__name__}")
        return module

    def _build_criterion(self):
        crit = self.criterion if self.criterion is not None else self._default_criterion
        if isinstance(crit, nn.Module):
            return copy.deepcopy(crit)
        return crit(**self._kwargs("criterion"))

    def _build_optimizer(self):
        opt = self.optimizer
        if isinstance(opt, str):
            opt = {"sgd": optim.SGD, "adam": optim.Adam}.get(opt.lower()) or getattr(optim, opt)
        return opt(self.module_.parameters(), lr=self.lr, **self._kwargs("optimizer"))

    def _init_callbacks(self) -> None:
        cbs = [] if self.callbacks is None else list(self.callbacks)
        named = []
        for i, cb in enumerate(cbs):
            name, cb = cb if isinstance(cb, tuple) else (f"{type(cb).__name__}_{i}", cb)
            named.append((name, copy.deepcopy(cb).initialize()))
        if self.verbose:
            named.append(("print_log", PrintLog().initialize()))
        self.callbacks_ = named

    # ------------------------------------------------------------------ loss
    def get_loss(self, y_pred, y_true, X=None, training: bool = False, sample_weight=None):
        """The criterion (sample-weighted when weights are given) plus (alpha/2)·Σ‖W‖².

        Override it to add terms, as in skorch. Weighted: Σ wᵢℓᵢ / Σ wᵢ for
        reduction 'mean', Σ wᵢℓᵢ for 'sum'.
        """
        crit = self.criterion_
        reduction = getattr(crit, "reduction", None)
        if sample_weight is None or reduction is None:
            loss = crit(y_pred, y_true)
        else:
            crit.reduction = "none"
            try:
                losses = crit(y_pred, y_true)
            finally:
                crit.reduction = reduction
            if losses.ndim > 1:
                losses = losses.reshape(losses.shape[0], -1).mean(1)
            w = np.asarray(sample_weight, dtype=losses.data.dtype)
            loss = (losses * from_numpy(w)).sum()
            if reduction == "mean":
                loss = loss * (1.0 / max(float(w.sum()), np.finfo(np.float32).tiny))
        if self.alpha and training:
            loss = loss + F.l2_penalty(nn.weights_only(self.module_), self.alpha)
        return loss

    # ------------------------------------------------------------- inference
    def forward(self, X) -> np.ndarray:
        """The module's output for X in evaluation mode, in batches, as an ndarray."""
        X = np.asarray(X, dtype=np.float32)
        self.module_.eval()
        outs = []
        bs = int(self._kwargs("iterator_valid").get("batch_size", self.batch_size))
        with no_grad():
            for start in range(0, len(X), bs):
                outs.append(self.module_(from_numpy(X[start:start + bs])).numpy())
        if not outs:
            return np.zeros((0,), dtype=np.float32)
        return np.concatenate(outs)

    def infer(self, X):
        return self.forward(X)

    def _check_X(self, X):
        check_is_fitted(self, "module_")
        X = validate_data(self, X, accept_sparse=False, reset=False,
                          dtype=(np.float32, np.float64))
        return X

    @property
    def history(self) -> list[dict]:
        """skorch's name for ``history_``."""
        return self.history_


class NeuralNetClassifier(ClassifierMixin, NeuralNet):
    """A classifier around a module returning logits (N, n_classes).

    Labels of any type (``classes_`` from ``np.unique``); ``class_weight``
    None, 'balanced' or {label: weight} multiplies each sample's loss.
    """

    _default_criterion = nn.CrossEntropyLoss

    def __init__(self, module, criterion=None, optimizer=optim.SGD, lr=0.01, max_epochs=10,
                 batch_size=128, iterator_train__shuffle=True, train_split=ValidSplit(5),
                 callbacks=None, alpha=0.0, warm_start=False, verbose=0, random_state=None,
                 class_weight=None, **kwargs):
        super().__init__(module, criterion=criterion, optimizer=optimizer, lr=lr,
                         max_epochs=max_epochs, batch_size=batch_size,
                         iterator_train__shuffle=iterator_train__shuffle,
                         train_split=train_split, callbacks=callbacks, alpha=alpha,
                         warm_start=warm_start, verbose=verbose, random_state=random_state,
                         **kwargs)
        self.class_weight = class_weight

    _is_classifier = True

    def _prepare_y(self, y, first: bool):
        from sklearn.utils.multiclass import check_classification_targets

        check_classification_targets(y)
        if first:
            self.classes_ = np.unique(y)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        if np.any(self.classes_[idx] != y):
            raise ValueError(f"y has labels not seen in the first fit: classes_ is "
                             f"{self.classes_}")
        return idx.astype(np.int64)

    def _binary_criterion(self) -> bool:
        crit, kinds = self.criterion, (nn.BCEWithLogitsLoss, nn.BCELoss)
        return isinstance(crit, kinds) or (isinstance(crit, type) and issubclass(crit, kinds))

    def _n_outputs(self, y_enc) -> int:
        """n_classes logits; one output for a binary criterion (BCE) on two classes."""
        if self._binary_criterion() and len(self.classes_) == 2:
            return 1
        return len(self.classes_)

    def _class_weights(self, y_enc):
        if self.class_weight is None:
            return None
        from sklearn.utils.class_weight import compute_class_weight

        cw = compute_class_weight(self.class_weight, classes=self.classes_,
                                  y=self.classes_[y_enc])
        return cw[y_enc]

    def _criterion_target(self, y_enc, y_pred_shape):
        if isinstance(self.criterion_, (nn.BCEWithLogitsLoss, nn.BCELoss, nn.MSELoss)):
            return y_enc.astype(np.float32).reshape(y_pred_shape)
        return y_enc

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (N, n_classes) in the order of ``classes_``."""
        out = self.forward(self._check_X(X))
        crit = self.criterion_
        if isinstance(crit, (nn.BCEWithLogitsLoss, nn.BCELoss)):
            p = out.reshape(len(out), -1).astype(np.float64)
            if isinstance(crit, nn.BCEWithLogitsLoss):
                p = 1 / (1 + np.exp(-p))
            return np.hstack([1 - p, p]) if p.shape[1] == 1 else p
        if isinstance(crit, nn.NLLLoss):
            return np.exp(out)
        if isinstance(crit, nn.CrossEntropyLoss):
            with no_grad():
                p = from_numpy(out).softmax(-1).numpy().astype(np.float64)
            return p / p.sum(axis=1, keepdims=True)  # rows sum to 1 in float64 too
        return out

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample, as a label of ``classes_``."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]


class NeuralNetRegressor(RegressorMixin, NeuralNet):
    """A regressor around a module returning (N, n_targets); default criterion ``MSELoss``."""

    _default_criterion = nn.MSELoss
    _is_classifier = False

    def _prepare_y(self, y, first: bool):
        y = np.asarray(y, dtype=np.float32)
        if first:
            self._y_1d = y.ndim == 1
        return y.reshape(len(y), -1)

    def _n_outputs(self, y_enc) -> int:
        return y_enc.shape[1]

    def _class_weights(self, y_enc):
        return None

    def _criterion_target(self, y_enc, y_pred_shape):
        return y_enc.reshape(y_pred_shape)

    def predict(self, X) -> np.ndarray:
        """Predictions (N,) for 1-D targets, (N, n_targets) otherwise."""
        out = self.forward(self._check_X(X))
        out = out.reshape(len(out), -1).astype(np.float64)  # computed in float32
        return out.ravel() if getattr(self, "_y_1d", False) and out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
