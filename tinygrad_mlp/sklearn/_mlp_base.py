"""What ``MLPClassifier`` and ``MLPRegressor`` share: validation, initialisation and training.

The semantics are scikit-learn's ``BaseMultilayerPerceptron``
(``sklearn/neural_network/_multilayer_perceptron.py``): the same parameters and
defaults, Glorot-uniform initialisation drawn from the same random state in the
same order, the same shuffling and early-stopping split, the same loss
(``loss_`` includes alpha/(2·Σw)·Σ‖W‖²), stopping rule and warnings. The
network, its gradients and the updates are tinygrad_mlp's (float32).
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, gen_batches, shuffle
from sklearn.utils._param_validation import Interval, Options, StrOptions

from .. import nn
from ..creation import from_numpy
from . import _network as net
from ._solvers import StochasticSolver, lbfgs

_STOCHASTIC = ("sgd", "adam")


class BaseMLP(BaseEstimator):
    """Base class of the drop-ins; use ``MLPClassifier`` or ``MLPRegressor``."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left"), Options(Real, {np.inf})],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
    }

    # ---------------------------------------------------------------- network
    def _network(self) -> net.MLPNetwork:
        """The training network, built from (or refreshed with) ``coefs_``/``intercepts_``."""
        network = getattr(self, "_net", None)
        shapes = [c.shape for c in self.coefs_]
        if network is None or [tuple(reversed(w.shape)) for w in network.weights()] != shapes \
                or getattr(self, "_net_activation", None) != self.activation:
            self._net = net.MLPNetwork(self.coefs_, self.intercepts_, self.activation)
            self._net_activation = self.activation
            self.__dict__.pop("_optimizer", None)  # it held the old network's parameters
        else:
            network.load_arrays(self.coefs_, self.intercepts_)
        return self._net

    def _store_network(self) -> None:
        self.coefs_, self.intercepts_ = self._net.arrays()

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """output(z) for validated X, from ``coefs_``/``intercepts_`` (float32)."""
        return net.predict_arrays(self.coefs_, self.intercepts_, self.activation,
                                  self.out_activation_, X)

    # ------------------------------------------------------------------ init
    def _initialize(self, y: np.ndarray, layer_units: list[int]) -> None:
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        if not is_classifier(self):
            self.out_activation_ = "exp" if self.loss == "poisson" else "identity"
        elif self._label_binarizer.y_type_ == "multiclass":
            self.out_activation_ = "softmax"
        else:
            self.out_activation_ = "logistic"
        self.coefs_, self.intercepts_ = [], []
        factor = 2.0 if self.activation == "logistic" else 6.0  # Glorot, as scikit-learn
        for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            w = self._random_state.uniform(-bound, bound, (fan_in, fan_out))
            b = self._random_state.uniform(-bound, bound, fan_out)
            self.coefs_.append(w.astype(np.float32))
            self.intercepts_.append(b.astype(np.float32))
        self.__dict__.pop("_net", None)
        self.__dict__.pop("_optimizer", None)
        if self.solver in _STOCHASTIC:
            self.loss_curve_ = []
            self._no_improvement_count = 0
            if self.early_stopping:
                self.validation_scores_ = []
                self.best_validation_score_ = -np.inf
                self.best_loss_ = None
            else:
                self.best_loss_ = np.inf
                self.validation_scores_ = None
                self.best_validation_score_ = None

    # -------------------------------------------------------------- the loss
    def _targets(self, y: np.ndarray):
        """y (N, n_outputs) as what the loss takes: class indices for softmax, else float32."""
        if self.out_activation_ == "softmax":
            return from_numpy(np.argmax(y, axis=1).astype(np.int64))
        return from_numpy(np.asarray(y, dtype=np.float32))

    def _loss(self, network, Xb, yb, swb, y_raw):
        """(training objective Tensor, the loss as scikit-learn reports it: float)."""
        sw_sum = float(len(Xb) if swb is None else swb.sum())
        z = network(from_numpy(Xb))
        data = net.data_loss(z, self._targets(yb), self.out_activation_, swb, sw_sum)
        l2 = net.l2_term(network, self.alpha, sw_sum)
        total = data if l2 is None else data + l2
        reported = float(data.item())
        if self.out_activation_ == "identity":
            reported /= self.n_outputs_  # scikit-learn's squared loss is a mean over outputs
        elif self.out_activation_ == "exp":
            const = net.poisson_constant(y_raw)
            reported += float(np.average(const, weights=swb))
        if l2 is not None:
            reported += float(l2.item())
        return total, reported

    # ------------------------------------------------------------------- fit
    def _fit(self, X, y, sample_weight=None, incremental: bool = False):
        hidden = self.hidden_layer_sizes
        hidden = list(hidden) if hasattr(hidden, "__iter__") else [hidden]
        if np.any(np.array(hidden) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {hidden}.")
        first_pass = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            from sklearn.utils.validation import _check_sample_weight

            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if y.ndim == 1:
            y = y.reshape((-1, 1))
        self.n_outputs_ = y.shape[1]
        layer_units = [X.shape[1]] + hidden + [self.n_outputs_]
        self._random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(y, layer_units)
        if self.solver in _STOCHASTIC:
            self._fit_stochastic(X, y, sample_weight, incremental)
        else:
            self._fit_lbfgs(X, y, sample_weight)
        if not all(np.isfinite(w).all() for w in self.coefs_ + self.intercepts_):
            raise ValueError("Solver produced non-finite parameter weights. The input data may "
                             "contain large values and need to be preprocessed.")
        return self

    def _fit_lbfgs(self, X, y, sample_weight) -> None:
        network = self._network()
        params = list(network.parameters())
        targets_y = y

        def objective():
            total, _ = self._loss(network, X, targets_y, sample_weight, y)
            return total

        fun = nn.utils.loss_and_grad(params, objective)
        res = lbfgs(fun, nn.utils.parameters_to_vector(params), self.max_iter, self.max_fun,
                    self.tol, self.verbose)
        from sklearn.utils.optimize import _check_optimize_result

        self.n_iter_ = _check_optimize_result("lbfgs", res, self.max_iter)
        nn.utils.vector_to_parameters(res.x, params)
        _, self.loss_ = self._loss(network, X, y, sample_weight, y)
        self._store_network()

    def _split_validation(self, X, y, sample_weight):
        if not self.early_stopping:
            return X, y, sample_weight, None, None, None
        stratify = y if is_classifier(self) and self.n_outputs_ == 1 else None
        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        parts = train_test_split(*arrays, random_state=self._random_state,
                                 test_size=self.validation_fraction, stratify=stratify)
        X_tr, X_val, y_tr, y_val = parts[:4]
        sw_tr, sw_val = (parts[4], parts[5]) if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                             "or the size of your dataset.")
        if is_classifier(self):
            y_val = self._label_binarizer.inverse_transform(y_val)
        return X_tr, y_tr, sw_tr, X_val, y_val, sw_val

    def _fit_stochastic(self, X, y, sample_weight, incremental: bool) -> None:
        network = self._network()
        if not incremental or not hasattr(self, "_optimizer"):
            self._optimizer = StochasticSolver(
                network.parameters(), self.solver, self.learning_rate_init, self.learning_rate,
                self.momentum, self.nesterovs_momentum, self.power_t, self.beta_1, self.beta_2,
                self.epsilon)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        X_tr, y_tr, sw_tr, X_val, y_val, sw_val = self._split_validation(X, y, sample_weight)
        n = X_tr.shape[0]
        idx = np.arange(n, dtype=int)
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is "
                              "going to be clipped", stacklevel=3)
            batch_size = int(np.clip(self.batch_size, 1, n))
        opt = self._optimizer
        self._best = network.arrays()
        try:
            self.n_iter_ = 0
            for _ in range(self.max_iter):
                if self.shuffle:
                    idx = shuffle(idx, random_state=self._random_state)
                accumulated = 0.0
                for sl in gen_batches(n, batch_size):
                    b = idx[sl]
                    swb = None if sw_tr is None else sw_tr[b]
                    opt.zero_grad()
                    total, reported = self._loss(network, X_tr[b], y_tr[b], swb, y_tr[b])
                    total.backward()
                    opt.step()
                    accumulated += reported * (sl.stop - sl.start)
                self.n_iter_ += 1
                self.loss_ = accumulated / n
                self.t_ += n
                self.loss_curve_.append(self.loss_)
                if self.verbose:
                    print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
                self._update_no_improvement_count(network, X_val, y_val, sw_val)
                opt.iteration_ends(self.t_)
                if self._no_improvement_count > self.n_iter_no_change:
                    what = "Validation score" if self.early_stopping else "Training loss"
                    msg = (f"{what} did not improve more than tol={self.tol:f} for "
                           f"{self.n_iter_no_change} consecutive epochs.")
                    if opt.trigger_stopping(msg, self.verbose):
                        break
                    self._no_improvement_count = 0
                if incremental:
                    break
                if self.n_iter_ == self.max_iter:
                    warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                                  f"reached and the optimization hasn't converged yet.",
                                  ConvergenceWarning, stacklevel=4)
        except KeyboardInterrupt:
            warnings.warn("Training interrupted by user.", stacklevel=3)
        if self.early_stopping:
            network.load_arrays(*self._best)
        del self._best
        self._store_network()

    def _update_no_improvement_count(self, network, X_val, y_val, sw_val) -> None:
        if self.early_stopping:
            proba = net.predict_arrays(None, None, self.activation, self.out_activation_, X_val,
                                       network=network)
            score = self._score_from_output(proba, y_val, sw_val)
            self.validation_scores_.append(score)
            if self.verbose:
                print(f"Validation score: {score:f}")
            if score < self.best_validation_score_ + self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best = network.arrays()
        else:
            if self.loss_curve_[-1] > self.best_loss_ - self.tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    def _score_from_output(self, output, y, sample_weight) -> float:
        if np.issubdtype(output.dtype, np.floating) and not np.isfinite(output).all():
            return np.nan
        return float(self._score_function(y, self._decode(output), sample_weight=sample_weight))

    # ------------------------------------------------------------ public API
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X (n_samples, n_features) and targets y.

        ``sample_weight`` (n_samples,) weighs each sample's loss; returns self.
        """
        self._validate_params()
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self) -> bool:
        if self.solver not in _STOCHASTIC:
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. "
                                 f"{self.solver} is not stochastic.")
        return True

    def _more_tags(self):  # pragma: no cover - scikit-learn < 1.6
        return {"multilabel": is_classifier(self)}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ---------------------------------------------------------------- pickle
    def __getstate__(self) -> dict:
        """The estimator's dict with the network and optimizer as plain arrays."""
        state = super().__getstate__() if hasattr(super(), "__getstate__") else dict(self.__dict__)
        state = dict(state)
        state.pop("_net", None)
        state.pop("_net_activation", None)
        opt = state.pop("_optimizer", None)
        if opt is not None:
            state["_optimizer_state"] = opt.state()
        return state

    def __setstate__(self, state: dict) -> None:
        opt_state = state.pop("_optimizer_state", None)
        super().__setstate__(state) if hasattr(super(), "__setstate__") else \
            self.__dict__.update(state)
        if opt_state is not None and hasattr(self, "coefs_"):
            network = self._network()
            self._optimizer = StochasticSolver.from_state(network.parameters(), opt_state)
