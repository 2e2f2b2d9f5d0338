"""Sweeps on a real Dask cluster: GridSearchCV through joblib's dask backend on a
2-process LocalCluster gives the serial run's scores, also when a worker dies mid-sweep
(on a scheduler that keeps every scattered copy), and ``run_sweep`` (the CLI's sweep)
gives them even when every worker dies at once and the scattered data is lost.

Every wait is bounded; each test gets its own cluster. Skipped only where
dask.distributed cannot be imported (pip install tinygrad_mlp[distributed]).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")
distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed (the 'distributed' extra)")
joblib = pytest.importorskip("joblib")

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from tinygrad_mlp.sklearn import MLPClassifier  # noqa: E402

TIMEOUT = 60  # seconds: the longest any step may wait


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: on a busy shared machine OpenBLAS threads wait for each other and
    these small products get ten times slower."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        yield


@contextlib.contextmanager
def _cluster(keep_copies: bool = False):
    """A fresh 2-worker cluster per test: after a killed-worker test (or a failure in it)
    a half-restarted cluster must not be handed on (a later scatter could hang on it).

    ``keep_copies`` turns off the scheduler's active memory manager, whose ReduceReplicas
    policy otherwise drops broadcast copies that no waiting task needs (within 2 s)."""
    import dask
    from dask.distributed import Client, LocalCluster

    amm = {"distributed.scheduler.active-memory-manager.start": not keep_copies}
    with dask.config.set(amm):
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               silence_logs=logging.CRITICAL, death_timeout=TIMEOUT)
    c = Client(cluster, timeout=TIMEOUT)
    try:
        c.wait_for_workers(2, timeout=TIMEOUT)
        yield c
    finally:
        c.close(timeout=TIMEOUT)
        cluster.close(timeout=TIMEOUT)


@pytest.fixture
def client():
    """A default scheduler (its active memory manager on)."""
    with _cluster() as c:
        yield c


@pytest.fixture
def client_keeping_copies():
    """A scheduler whose active memory manager is off: broadcast data stays on every
    worker, as docs/sklearn.md tells GridSearchCV users to configure."""
    with _cluster(keep_copies=True) as c:
        yield c


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(n_class=5, return_X_y=True)
    return X[:250] / 16.0, y[:250]


def _search(max_iter: int = 20) -> GridSearchCV:
    est = MLPClassifier(hidden_layer_sizes=(16,), max_iter=max_iter, random_state=0)
    grid = {"alpha": [1e-4, 1e-2], "learning_rate_init": [1e-3, 1e-2]}
    return GridSearchCV(est, grid, cv=2)


def _fit(search, X, y, backend=None):
    """``search.fit`` serially, or on the Dask client with X and y broadcast to every worker
    (``scatter=``): joblib otherwise scatters big arguments to one worker only, and a
    worker that dies takes that data with it, which Dask cannot recompute."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if backend is None:
            return search.fit(X, y)
        with joblib.parallel_config(backend=backend, scatter=[X, y]):
            return search.fit(X, y)


def _scores(search) -> np.ndarray:
    return np.array([search.cv_results_[f"split{i}_test_score"] for i in range(2)])


def test_dask_grid_equals_serial(client, data):
    X, y = data
    serial = _fit(_search(), X, y)
    start = time.perf_counter()
    dask = _fit(_search(), X, y, backend="dask")
    assert time.perf_counter() - start < TIMEOUT
    np.testing.assert_array_equal(_scores(dask), _scores(serial))
    assert dask.best_params_ == serial.best_params_
    # the fits ran on the workers: each holds the package
    assert all(client.run(lambda: __import__("tinygrad_mlp.sklearn") is not None).values())


def _in_thread(fn) -> tuple[threading.Thread, dict]:
    """Run ``fn`` in a daemon thread; its result or error lands in the returned dict."""
    result: dict = {}

    def run():
        try:
            result["value"] = fn()
        except BaseException as e:  # reported by the caller's assertion
            result["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def _wait_until_busy(client) -> str:
    """The address of a worker that is running a task, once one is."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy:
            return busy[0]
        time.sleep(0.02)
    raise AssertionError("no task ever started on a worker")


def _kill(client, workers) -> None:
    """SIGKILL the worker processes (their nannies start new ones)."""
    pids = client.run(os.getpid, workers=list(workers))
    for pid in pids.values():
        os.kill(pid, signal.SIGKILL)


def _finished(thread, result) -> object:
    thread.join(TIMEOUT)
    assert not thread.is_alive(), f"the sweep did not finish within {TIMEOUT} s"
    error = result.get("error")
    assert error is None, f"{error!r}: {error}"
    return result["value"]


def test_grid_search_survives_a_killed_worker(client_keeping_copies, data):
    client = client_keeping_copies
    X, y = data
    serial = _fit(_search(max_iter=60), X, y)
    before = set(client.scheduler_info()["workers"])
    thread, result = _in_thread(lambda: _fit(_search(max_iter=60), X, y, backend="dask"))
    _kill(client, [_wait_until_busy(client)])  # dies mid-fit; the other keeps X and y
    np.testing.assert_array_equal(_scores(_finished(thread, result)), _scores(serial))
    client.wait_for_workers(2, timeout=TIMEOUT)
    assert set(client.scheduler_info()["workers"]) != before  # a new worker replaced it


def _run_sweep(X, y, backend=None, caught: list | None = None):
    from sklearn.model_selection import StratifiedKFold

    from tinygrad_mlp.sklearn.sweep import grid_cells, parse_axes, run_sweep

    cells = grid_cells(parse_axes(["alpha=1e-4,1e-3,1e-2,1e-1",
                                   "learning_rate_init=1e-3,1e-2"]))
    splits = list(StratifiedKFold(2).split(X, y))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", RuntimeWarning)
        result = run_sweep(_Cell(), cells, X, y, splits, backend=backend)
    if caught is not None:
        caught.extend(w for w in seen if issubclass(w.category, RuntimeWarning))
    return result


class _Cell:
    """make_estimator for run_sweep: a module-level class, so the workers can unpickle it."""

    def __call__(self, cell):
        return MLPClassifier(hidden_layer_sizes=(16,), max_iter=150, random_state=0, **cell)


def test_run_sweep_survives_losing_every_worker(client, data):
    """Both workers die at once, so the scattered X and y are gone from the cluster (as
    when the active memory manager has left one copy and its worker dies): Dask cancels
    the waiting fits, and run_sweep scatters the data again and reruns only those."""
    X, y = data
    serial = _run_sweep(X, y)
    caught: list = []
    thread, result = _in_thread(lambda: _run_sweep(X, y, backend="dask", caught=caught))
    _wait_until_busy(client)
    _kill(client, client.scheduler_info()["workers"])
    swept = _finished(thread, result)
    np.testing.assert_array_equal(swept.scores, serial.scores)
    assert any("died with the last copy of the data" in str(w.message) for w in caught), \
        [str(w.message) for w in caught]


def test_run_sweep_gives_up_after_its_retries(monkeypatch, data):
    """A cancellation on every pass ends in the error after DATA_LOSS_RETRIES rescatters."""
    from distributed.client import FutureCancelledError

    import tinygrad_mlp.sklearn.sweep as sweep

    calls = []

    def lose(*args):
        calls.append(1)
        raise FutureCancelledError("batch-1", "lost dependencies")

    monkeypatch.setattr(sweep, "_run", lose)
    X, y = data
    with pytest.warns(RuntimeWarning, match="scattering it again"), \
            pytest.raises(FutureCancelledError, match="lost dependencies"):
        sweep.run_sweep(_Cell(), [{}], X, y, [(np.arange(10), np.arange(10, 20))],
                        backend="dask")
    assert len(calls) == sweep.DATA_LOSS_RETRIES + 1


def test_cli_sweep_on_the_scheduler_equals_serial(client, tmp_path, capsys):
    import csv

    from tinygrad_mlp.cli import main

    args = ["sweep", "--grid", "lr=0.01,0.1", "alpha=0.001", "--epochs", "2", "--no-progress"]
    assert main(args + ["--out", str(tmp_path / "serial")]) == 0
    address = client.scheduler.address
    assert main(args + ["--out", str(tmp_path / "dask"), "--scheduler", address]) == 0
    out = capsys.readouterr().out
    assert f"Dask scheduler {address}" in out

    def scores(name):
        with open(tmp_path / name / "results.csv", encoding="utf-8") as f:
            return [r["mean_score"] for r in csv.DictReader(f)]

    assert scores("dask") == scores("serial")
