"""``tinygrad-mlp sweep``: the grid, its files, the SEEDS C default, local processes, errors."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from tinygrad_mlp.cli import main  # noqa: E402
from tinygrad_mlp.sklearn.sweep import grid_cells, parse_axes, parse_values  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: on a busy shared machine OpenBLAS threads wait for each other and
    these small products get ten times slower."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        yield


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_parse_values_and_axes():
    assert parse_values("1e-3,1e-2") == [0.001, 0.01]
    assert parse_values("logspace(-5,0,6)") == pytest.approx(list(np.logspace(-5, 0, 6)))
    assert parse_values("50,100") == [50, 100] and parse_values("relu,tanh") == ["relu", "tanh"]
    assert parse_values("range(1,4)") == [1, 2, 3]
    assert hasattr(parse_values("loguniform(1e-4,1e-1)"), "rvs")
    axes = parse_axes(["lr=1,2", "hidden=5,6,7"])
    cells = grid_cells(axes)
    assert len(cells) == 6 and cells[1] == {"lr": 1, "hidden": 6}
    with pytest.raises(ValueError, match="NAME=VALUES"):
        parse_axes(["lr"])


def test_sweep_writes_csv_heatmap_and_an_evaluable_best_model(tmp_path, capsys):
    out = tmp_path / "sw"
    code, text, err = run(["sweep", "--grid", "lr=0.001,0.01", "alpha=0.001,1",
                           "--epochs", "3", "--out", out, "--no-progress"], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(open(out / "results.csv", encoding="utf-8")))
    assert len(rows) == 4
    assert {"lr", "alpha", "mean_score", "std_score", "fit_time_s", "rank"} <= set(rows[0])
    best = max(rows, key=lambda r: float(r["mean_score"]))
    assert best["rank"] == "1" and float(best["fit_time_s"]) > 0
    assert (out / "heatmap.png").stat().st_size > 5000
    assert "mean score, rows lr, columns alpha" in text
    code, text, err = run(["evaluate", out / "best_model.npz"], capsys)
    assert code == 0, err
    # the raw-pixel scaling is folded into the saved first layer: same accuracy
    assert f"test accuracy: {float(best['mean_score']):.4f}" in text


def test_sweep_cell_is_the_digits_grid_example_cell(capsys):
    """The default grid's cell is examples/digits_grid.py's seed-literal run, bit for bit."""
    sys.path.insert(0, str(REPO / "examples"))
    try:
        from _common import load_example
    finally:
        sys.path.pop(0)
    example = load_example("digits_grid")
    from tinygrad_mlp.cli.sweep import PRESETS, CellFactory
    from tinygrad_mlp.data import load_digits, train_test_split

    X, y = load_digits()
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, seed=0)
    raw = example.scale(X_tr, X_te, "raw")
    ours = CellFactory(dict(
        module__hidden=(50,), module__activation="sigmoid", module__init="tutorial",
        criterion__reduction="sum", optimizer="sgd", batch_size=100,
        max_epochs=PRESETS["seeds-c"]["epochs"], train_split=None, random_state=0))
    for eta, lam in [(0.01, 0.001), (0.001, 1.0)]:
        est = ours({"lr": eta, "alpha": lam}).fit(raw[0], y_tr)
        theirs = example.train_one((raw[0], y_tr, raw[1], y_te), eta, lam, 10, 100, 0)
        assert est.score(raw[1], y_te) == theirs


def test_default_sweep_is_seeds_c(tmp_path, capsys, monkeypatch):
    """No arguments: the 6 × 6 η × λ grid, printed beside 0.914 and 0.992 (a 2 × 2 corner
    of it here via the same code path, to stay fast; the full grid is the slow test)."""
    import tinygrad_mlp.cli.sweep as sweep

    monkeypatch.setattr(sweep, "DEFAULT_GRID", ["lr=1e-2,1e-3", "alpha=1e-3,1"])
    code, text, err = run(["sweep", "--out", tmp_path, "--no-progress"], capsys)
    assert code == 0, err
    assert "0.914 in the tutorial" in text and "0.992 for its MLPClassifier" in text
    assert "4 cells × 1 fold(s)" in text


@pytest.mark.slow
def test_full_default_grid(tmp_path, capsys):
    code, text, err = run(["sweep", "--out", tmp_path, "--no-progress"], capsys)
    assert code == 0, err
    assert "36 cells" in text and "SEEDS C" in text
    rows = list(csv.DictReader(open(tmp_path / "results.csv", encoding="utf-8")))
    by = {(float(r["lr"]), float(r["alpha"])): float(r["mean_score"]) for r in rows}
    assert max(by.values()) > 0.85  # the tutorial's best row η = 0.01
    assert max(by, key=by.get)[0] == pytest.approx(0.01)


def test_cv_and_random_search(tmp_path, capsys):
    code, text, err = run(["sweep", "--grid", "lr=loguniform(1e-3,1e-1)", "hidden=8,16",
                           "--random", "3", "--cv", "2", "--epochs", "2", "--limit", "400",
                           "--out", tmp_path, "--no-progress", "--preset", "cli"], capsys)
    assert code == 0, err
    rows = list(csv.DictReader(open(tmp_path / "results.csv", encoding="utf-8")))
    assert len(rows) == 3 and all(r["n_folds"] == "2" for r in rows)
    assert all(float(r["std_score"]) >= 0 for r in rows)


@pytest.mark.slow
def test_jobs_gives_the_serial_scores(tmp_path, capsys):
    args = ["sweep", "--grid", "lr=0.01,0.1", "alpha=0.001", "--epochs", "2", "--no-progress"]
    assert run(args + ["--out", tmp_path / "a"], capsys)[0] == 0
    assert run(args + ["--out", tmp_path / "b", "--jobs", "2"], capsys)[0] == 0
    a = [r["mean_score"] for r in csv.DictReader(open(tmp_path / "a" / "results.csv"))]
    b = [r["mean_score"] for r in csv.DictReader(open(tmp_path / "b" / "results.csv"))]
    assert a == b


@pytest.mark.parametrize("argv, words", [
    (["--grid", "lr"], ["NAME=VALUES"]),
    (["--grid", "lr=loguniform(1,2)"], ["distribution", "--random"]),
    (["--jobs", "2", "--dask-local", "2"], ["--jobs"]),
    (["--scheduler", "tcp://x:1", "--dask-local", "2"], ["not both"]),
])
def test_usage_errors(argv, words, capsys, tmp_path):
    code, _, err = run(["sweep", "--out", tmp_path, *argv], capsys)
    assert code == 2 and err.count("\n") == 1
    for w in words:
        assert w in err


def test_help_has_examples(capsys):
    code, out, _ = run(["sweep", "--help"], capsys)
    assert code == 0 and "examples:" in out and "tinygrad-mlp sweep" in out
