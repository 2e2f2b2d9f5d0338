"""The estimators inside scikit-learn's machinery: Pipeline, searches, cross-validation,
learning curves, calibration, joblib processes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from scipy.stats import loguniform  # noqa: E402
from sklearn.calibration import CalibratedClassifierCV  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    RandomizedSearchCV,
    cross_val_score,
    cross_validate,
    learning_curve,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from tinygrad_mlp import optim  # noqa: E402
from tinygrad_mlp.sklearn import MLPClassifier, MLPModule, NeuralNetClassifier  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: on a busy shared machine OpenBLAS threads wait for each other and
    these small products get ten times slower."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(n_class=4, return_X_y=True)
    return X[:200], y[:200]


@pytest.fixture(autouse=True)
def _no_convergence_noise():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def _mlp(**kw):
    return MLPClassifier(hidden_layer_sizes=(10,), max_iter=30, learning_rate_init=0.01,
                         random_state=0, **kw)


def _net(**kw):
    return NeuralNetClassifier(MLPModule, module__hidden=(10,), optimizer=optim.Adam,
                               lr=0.01, max_epochs=5, random_state=0, **kw)


def test_grid_search_over_a_pipeline(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), _mlp())
    gs = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-1],
                             "mlpclassifier__hidden_layer_sizes": [(5,), (10,)]}, cv=3)
    gs.fit(X, y)
    assert len(gs.cv_results_["mean_test_score"]) == 4 and gs.best_score_ > 0.8
    assert gs.predict(X).shape == y.shape


def test_grid_search_over_nested_wrapper_params(data):
    X, y = data
    gs = GridSearchCV(_net(), {"lr": [0.003, 0.03], "module__hidden": [(4,), (16,)]}, cv=2)
    gs.fit(X.astype(np.float32) / 16, y)
    assert set(gs.best_params_) == {"lr", "module__hidden"}
    assert gs.best_estimator_.module_[0].out_features == gs.best_params_["module__hidden"][0]


def test_randomized_search_and_cross_validate(data):
    X, y = data
    rs = RandomizedSearchCV(_mlp(), {"alpha": loguniform(1e-5, 1e-1)}, n_iter=2, cv=2,
                            random_state=0).fit(X, y)
    assert len(rs.cv_results_["params"]) == 2
    scores = cross_val_score(_net(), X / 16, y, cv=3)
    assert scores.shape == (3,) and scores.mean() > 0.5
    out = cross_validate(_mlp(), X, y, cv=2, scoring=["accuracy", "neg_log_loss"],
                         return_train_score=True)
    assert {"test_accuracy", "train_neg_log_loss", "fit_time"} <= set(out)


@pytest.mark.slow
def test_learning_curve_and_processes(data):
    X, y = data
    sizes, train, test = learning_curve(_mlp(), X, y, cv=2, train_sizes=[0.5, 1.0], n_jobs=2)
    assert train.shape == (2, 2) and test.mean() > 0.5
    serial = cross_val_score(_mlp(), X, y, cv=3)
    parallel = cross_val_score(_mlp(), X, y, cv=3, n_jobs=2)  # loky worker processes
    np.testing.assert_array_equal(serial, parallel)


def test_learning_curve_fast(data):
    X, y = data
    sizes, train, test = learning_curve(_net(), X / 16, y, cv=2, train_sizes=[0.5, 1.0])
    assert list(sizes) == [50, 100] and np.all(test > 0.25)


def test_calibrated_classifier(data):
    X, y = data
    cal = CalibratedClassifierCV(_mlp(), cv=2).fit(X, y)
    p = cal.predict_proba(X)
    np.testing.assert_allclose(p.sum(1), 1, rtol=1e-6)
    cal2 = CalibratedClassifierCV(_net(), cv=2, method="isotonic").fit(X / 16, y)
    assert cal2.predict(X / 16).shape == y.shape
