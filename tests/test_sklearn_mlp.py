"""MLPClassifier / MLPRegressor: the same numbers as scikit-learn's, labels of every kind,
partial_fit, early stopping, warm start, persistence, reproducibility."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

from sklearn import neural_network as sk  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.datasets import load_digits, make_multilabel_classification, make_regression  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

import tinygrad_mlp as tm  # noqa: E402
from tinygrad_mlp.sklearn import MLPClassifier, MLPRegressor  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: on a busy shared machine OpenBLAS threads wait for each other and
    these small products get ten times slower."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:400] / 16.0, y[:400]


def _quiet():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("ignore", ConvergenceWarning)
    return ctx


@pytest.mark.parametrize("solver, extra", [
    ("adam", {}),
    ("sgd", {"learning_rate": "invscaling", "learning_rate_init": 0.5, "momentum": 0.9}),
    ("sgd", {"learning_rate": "constant", "learning_rate_init": 0.1, "nesterovs_momentum": False}),
    ("lbfgs", {}),
])
def test_same_training_as_scikit_learn(digits, solver, extra):
    """Same init, shuffles and update rules: losses agree to float32 precision."""
    X, y = digits
    kw = dict(hidden_layer_sizes=(20,), solver=solver, max_iter=15, random_state=0, **extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, ref = MLPClassifier(**kw).fit(X, y), sk.MLPClassifier(**kw).fit(X, y)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.loss_ == pytest.approx(ref.loss_, rel=1e-3)
    for a, b in zip(ours.coefs_, ref.coefs_):
        assert a.shape == b.shape and a.dtype == np.float32
        np.testing.assert_allclose(a, b, atol=2e-3)
    assert np.mean(ours.predict(X) == ref.predict(X)) > 0.98
    if solver != "lbfgs":
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-3)


def test_loss_includes_the_l2_term(digits):
    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(8,), alpha=10.0, max_iter=1, random_state=0,
                        solver="sgd", learning_rate_init=1e-12, batch_size=len(X))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    # one full batch at lr ~ 0: loss_ is the loss at the initial weights
    p = clf.predict_proba(X)
    data = -np.mean(np.log(p[np.arange(len(y)), y]))
    l2 = 10.0 / (2 * len(X)) * sum(float((w.astype(np.float64) ** 2).sum()) for w in clf.coefs_)
    assert clf.loss_ == pytest.approx(data + l2, rel=1e-4)
    assert clf.out_activation_ == "softmax" and clf.n_layers_ == 3 and clf.n_outputs_ == 10


def test_string_labels_binary_and_multilabel():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=200, random_state=0,
                            learning_rate_init=0.01).fit(X, y)
    assert list(clf.classes_) == ["no", "yes"] and clf.out_activation_ == "logistic"
    assert clf.predict(X).dtype.kind == "U" and clf.score(X, y) > 0.9
    assert clf.predict_proba(X).shape == (80, 2)
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X)), clf.predict_proba(X),
                               rtol=1e-5)
    Xm, Ym = make_multilabel_classification(n_samples=60, n_classes=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = MLPClassifier(hidden_layer_sizes=(10,), max_iter=50, random_state=0).fit(Xm, Ym)
    assert m.predict(Xm).shape == Ym.shape and m.n_outputs_ == 3
    assert m.out_activation_ == "logistic"


def test_integer_and_uint8_input_accepted(digits):
    X, y = digits
    Xi = (X * 16).astype(np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=5, random_state=0).fit(Xi, y)
    assert clf.coefs_[0].dtype == np.float32 and clf.predict(Xi).shape == y.shape


def test_partial_fit_keeps_the_optimizer_state(digits):
    X, y = digits
    a = MLPClassifier(hidden_layer_sizes=(10,), random_state=0, shuffle=False)
    for _ in range(3):
        a.partial_fit(X, y, classes=np.arange(10))
    t_after = a._optimizer.t
    b = MLPClassifier(hidden_layer_sizes=(10,), random_state=0, shuffle=False, max_iter=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        b.fit(X, y)
    assert t_after == 3 * 2  # two batches of 200 per epoch
    for wa, wb in zip(a.coefs_, b.coefs_):  # three partial_fits = three epochs of one fit
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    with pytest.raises(AttributeError, match="partial_fit"):
        getattr(MLPClassifier(solver="lbfgs"), "partial_fit")  # noqa: B009


def test_partial_fit_state_survives_pickle_and_save(digits, tmp_path):
    X, y = digits
    a = MLPClassifier(hidden_layer_sizes=(10,), random_state=0, shuffle=False)
    a.partial_fit(X, y, classes=np.arange(10))
    b = pickle.loads(pickle.dumps(a))
    a.save(tmp_path / "a.npz")
    c = MLPClassifier.load(tmp_path / "a.npz")
    for est in (a, b, c):
        est.partial_fit(X, y)
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])
    np.testing.assert_array_equal(a.coefs_[0], c.coefs_[0])


def test_early_stopping_and_n_iter_no_change(digits):
    X, y = digits
    kw = dict(hidden_layer_sizes=(10,), early_stopping=True, n_iter_no_change=2,
              max_iter=200, random_state=0, learning_rate_init=0.01)
    ours, ref = MLPClassifier(**kw).fit(X, y), sk.MLPClassifier(**kw).fit(X, y)
    assert ours.n_iter_ == ref.n_iter_ < 200
    np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_, atol=0.03)
    assert ours.best_validation_score_ == max(ours.validation_scores_)
    assert ours.best_loss_ is None


def test_convergence_warning_like_scikit_learn(digits):
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="lbfgs"):
        MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, solver="lbfgs",
                      random_state=0).fit(X, y)


def test_adaptive_learning_rate_divides_by_five(digits):
    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(5,), solver="sgd", learning_rate="adaptive",
                        learning_rate_init=0.1, tol=10.0, n_iter_no_change=1, max_iter=4,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    assert clf._optimizer.learning_rate < 0.1 / 5 + 1e-12


def test_warm_start_continues(digits):
    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=3, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
        first = clf.coefs_[0].copy()
        clf.fit(X, y)
    assert len(clf.loss_curve_) == 6 and not np.array_equal(first, clf.coefs_[0])


def test_random_state_is_bit_reproducible_and_clone_is_unfitted(digits):
    X, y = digits
    clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=5, random_state=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = clone(clf).fit(X, y)
        tm.manual_seed(123)  # the package RNG plays no part
        b = clone(clf).fit(X, y)
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        np.testing.assert_array_equal(wa, wb)
    c = clone(a)
    assert not hasattr(c, "coefs_") and c.get_params() == a.get_params()


def test_regressor_squared_error_and_poisson(tmp_path):
    X, y = make_regression(n_samples=120, n_features=5, noise=0.1, random_state=0)
    y = y / y.std()
    kw = dict(hidden_layer_sizes=(16,), max_iter=30, random_state=0, learning_rate_init=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, ref = MLPRegressor(**kw).fit(X, y), sk.MLPRegressor(**kw).fit(X, y)
        assert ours.loss_ == pytest.approx(ref.loss_, rel=1e-3)
        assert ours.predict(X).dtype == np.float64 and ours.score(X, y) > 0.5
        Y2 = np.c_[y, -y]
        np.testing.assert_allclose(MLPRegressor(**kw).fit(X, Y2).loss_,
                                   sk.MLPRegressor(**kw).fit(X, Y2).loss_, rtol=1e-3)
        counts = np.random.default_rng(0).poisson(np.exp(X[:, 0] * 0.3))
        po, pr = (MLPRegressor(loss="poisson", **kw).fit(X, counts),
                  sk.MLPRegressor(loss="poisson", **kw).fit(X, counts))
    assert po.out_activation_ == "exp" and po.loss_ == pytest.approx(pr.loss_, rel=1e-3)
    ours.save(tmp_path / "r.npz")
    np.testing.assert_array_equal(MLPRegressor.load(tmp_path / "r.npz").predict(X),
                                  ours.predict(X))


def test_save_load_string_labels(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.array(["cat", "dog", "emu", "cat"] * 10, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)
    clf.save(tmp_path / "c.npz")
    back = MLPClassifier.load(tmp_path / "c.npz")
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    np.testing.assert_array_equal(back.classes_, clf.classes_)
    assert back.classes_.dtype == clf.classes_.dtype and back.n_iter_ == clf.n_iter_
    with pytest.raises(tm.CheckpointError, match="MLPClassifier, not a MLPRegressor"):
        MLPRegressor.load(tmp_path / "c.npz")


def test_save_load_feature_names(tmp_path):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(40, 3)), columns=["a", "b", "c"])
    y = np.arange(40) % 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, y)
    clf.save(tmp_path / "c.npz")
    assert list(MLPClassifier.load(tmp_path / "c.npz").feature_names_in_) == ["a", "b", "c"]


def test_verbose_prints_like_scikit_learn(digits, capsys):
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier(hidden_layer_sizes=(5,), max_iter=2, random_state=0, verbose=True,
                      early_stopping=True).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Iteration 1, loss = ") and out[1].startswith("Validation score: ")
