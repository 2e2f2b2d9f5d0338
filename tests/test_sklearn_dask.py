"""Sweeps on a real Dask cluster: GridSearchCV through joblib's dask backend on a
2-process LocalCluster gives the serial run's scores, also when a worker dies mid-sweep.

Every wait is bounded; the cluster is torn down after the module. Skipped only
where dask.distributed cannot be imported (pip install tinygrad_mlp[distributed]).
"""

from __future__ import annotations

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


@pytest.fixture
def client():
    """A fresh 2-worker cluster per test: after the killed-worker test (or a failure in it)
    a half-restarted cluster must not be handed on (a later scatter could hang on it)."""
    from dask.distributed import Client, LocalCluster

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


def test_sweep_survives_a_killed_worker(client, data):
    X, y = data
    serial = _fit(_search(max_iter=60), X, y)
    before = set(client.scheduler_info()["workers"])
    result: dict = {}

    def run():
        try:
            result["search"] = _fit(_search(max_iter=60), X, y, backend="dask")
        except BaseException as e:  # reported by the assertion below
            result["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    victim, deadline = None, time.monotonic() + TIMEOUT
    while victim is None and time.monotonic() < deadline:
        busy = [w for w, tasks in client.processing().items() if tasks]
        if busy:
            victim = busy[0]
        else:
            time.sleep(0.02)
    assert victim is not None, "no task ever started on a worker"
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)  # the worker process dies mid-fit; its nanny restarts it
    thread.join(TIMEOUT)
    assert not thread.is_alive(), f"the sweep did not finish within {TIMEOUT} s"
    assert "error" not in result, result.get("error")
    np.testing.assert_array_equal(_scores(result["search"]), _scores(serial))
    client.wait_for_workers(2, timeout=TIMEOUT)
    assert set(client.scheduler_info()["workers"]) != before  # a new worker replaced it


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
