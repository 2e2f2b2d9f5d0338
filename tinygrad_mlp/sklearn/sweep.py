"""Hyperparameter sweeps: grid or random cells × folds, fitted on local processes or Dask.

    from tinygrad_mlp.sklearn.sweep import parse_axes, grid_cells, run_sweep
    axes = parse_axes(["lr=logspace(-5,0,6)", "alpha=1e-4,1e-2"])
    result = run_sweep(make_estimator, grid_cells(axes), X, y, splits, n_jobs=2)

Every (cell, fold) is one task for joblib, so ``n_jobs`` processes (loky) or a
Dask cluster (``joblib.parallel_config(backend="dask")``) share the work; a
lost Dask worker's fits are run again elsewhere. Results come back as they
finish (a progress bar counts them) and are put back in grid order.
"""

from __future__ import annotations

import contextlib
import math
import re
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

_CALL = re.compile(r"^(logspace|linspace|range|loguniform|uniform)\((.*)\)$")


def parse_values(text: str) -> list | object:
    """'1e-3,1e-2' → [0.001, 0.01]; 'logspace(-5,0,6)', 'linspace(a,b,n)', 'range(a,b[,s])'
    → lists; 'loguniform(a,b)', 'uniform(a,b)' → scipy distributions (random search).

    Items that are not numbers stay strings ('relu,tanh'); '64x32' stays a string
    for the caller (hidden layer sizes).
    """
    text = text.strip()
    m = _CALL.match(text.replace(" ", ""))
    if m:
        name, args = m.group(1), [float(a) for a in m.group(2).split(",") if a]
        if name == "logspace":
            return [float(v) for v in np.logspace(args[0], args[1], int(args[2]))]
        if name == "linspace":
            return [float(v) for v in np.linspace(args[0], args[1], int(args[2]))]
        if name == "range":
            return list(range(*(int(a) for a in args)))
        from scipy import stats

        if name == "loguniform":
            return stats.loguniform(args[0], args[1])
        return stats.uniform(args[0], args[1] - args[0])
    out = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            number = float(item)
            out.append(int(number) if re.fullmatch(r"[+-]?\d+", item) else number)
        except ValueError:
            out.append(item)
    if not out:
        raise ValueError(f"no values in {text!r}")
    return out


def parse_axes(specs: Sequence[str]) -> dict[str, list | object]:
    """['name=values', ...] → {name: values} in the order given (see ``parse_values``)."""
    axes: dict = {}
    for spec in specs:
        name, eq, values = spec.partition("=")
        if not eq or not name.strip():
            raise ValueError(f"grid axis {spec!r} is not NAME=VALUES (e.g. lr=1e-3,1e-2 or "
                             f"alpha=logspace(-5,0,6))")
        if name.strip() in axes:
            raise ValueError(f"grid axis {name.strip()!r} is given twice")
        axes[name.strip()] = parse_values(values)
    return axes


def grid_cells(axes: dict) -> list[dict]:
    """Every combination, the last axis fastest (as ``sklearn.model_selection.ParameterGrid``
    with the keys in the given order)."""
    from itertools import product

    for name, values in axes.items():
        if not isinstance(values, list):
            raise ValueError(f"axis {name!r} is a distribution: use --random N for it")
    names = list(axes)
    return [dict(zip(names, combo)) for combo in product(*(axes[n] for n in names))]


def random_cells(axes: dict, n: int, seed: int) -> list[dict]:
    """``n`` cells drawn by ``sklearn.model_selection.ParameterSampler`` (lists sampled
    uniformly, distributions with their ``rvs``)."""
    from sklearn.model_selection import ParameterSampler

    names = list(axes)
    return [{k: cell[k] for k in names}
            for cell in ParameterSampler(axes, n_iter=n, random_state=seed)]


@dataclass
class SweepResult:
    """Scores per cell and fold, fit seconds per cell and fold, and the wall time."""

    cells: list[dict]
    scores: np.ndarray          # (n_cells, n_folds)
    fit_seconds: np.ndarray     # (n_cells, n_folds)
    wall_seconds: float
    extra: dict = field(default_factory=dict)

    @property
    def mean(self) -> np.ndarray:
        return np.nanmean(self.scores, axis=1) if self.scores.size else self.scores

    @property
    def std(self) -> np.ndarray:
        return np.nanstd(self.scores, axis=1)

    @property
    def best(self) -> int:
        """Index of the best cell (highest mean score; NaN cells never win)."""
        mean = np.where(np.isnan(self.mean), -np.inf, self.mean)
        return int(np.argmax(mean))


def fit_and_score(make_estimator: Callable, cell: dict, X, y, train, test) -> tuple:
    """(score, fit seconds) of ``make_estimator(cell)`` fitted on rows ``train``, scored on
    ``test``; a fit that fails or diverges scores NaN (as GridSearchCV's error_score)."""
    est = make_estimator(cell)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X[train], y[train])
            seconds = time.perf_counter() - start
            score = float(est.score(X[test], y[test]))
    except (ValueError, FloatingPointError, ArithmeticError):
        return float("nan"), time.perf_counter() - start
    return (score if math.isfinite(score) else float("nan")), seconds


def _task(make_estimator, cell, X, y, train, test, i, j):
    return (i, j, *fit_and_score(make_estimator, cell, X, y, train, test))


def run_sweep(make_estimator: Callable, cells: list[dict], X, y,
              splits: list[tuple[np.ndarray, np.ndarray]], n_jobs: int | None = 1,
              progress: bool = False, backend: str | None = None) -> SweepResult:
    """Fit every cell on every (train, test) split with joblib (``backend='dask'`` for the
    current ``dask.distributed`` client, otherwise ``n_jobs`` local processes).

    On Dask, X and y are scattered to the workers. Dask keeps scattered data in as few
    copies as its tasks need (its active memory manager drops the others), and a worker
    that dies can take the last copy with it: the fits still waiting are then cancelled.
    The sweep scatters the data again and reruns the fits that had not finished, up to
    ``DATA_LOSS_RETRIES`` times; a fit that finished is never run twice."""
    import joblib

    scores = np.full((len(cells), len(splits)), np.nan)
    seconds = np.zeros_like(scores)
    # Index lists, not arrays: joblib's Dask backend would scatter arrays (> 1 kB) to one
    # worker, outside the broadcast of X and y; lists are sent inside each task.
    tasks = {(i, j): joblib.delayed(_task)(make_estimator, cell, X, y, list(map(int, tr)),
                                           list(map(int, te)), i, j)
             for i, cell in enumerate(cells) for j, (tr, te) in enumerate(splits)}
    start = time.perf_counter()
    bar = _progress(len(tasks), progress)
    for attempt in range(DATA_LOSS_RETRIES + 1):
        try:
            _run(tasks, scores, seconds, bar, n_jobs, backend, X, y)
            break
        except Exception as e:
            if not (_lost_dask_data(e) and attempt < DATA_LOSS_RETRIES):
                raise
            why = str(e).splitlines()[0] if str(e) else type(e).__name__
            warnings.warn(f"sweep: a Dask worker died with the last copy of the data "
                          f"({why}); scattering it again for the {len(tasks)} fits left",
                          RuntimeWarning, stacklevel=2)
    bar.close()
    return SweepResult(cells, scores, seconds, time.perf_counter() - start)


DATA_LOSS_RETRIES = 3  # how many times run_sweep scatters the data again after losing it


def _run(tasks: dict, scores, seconds, bar, n_jobs, backend, X, y) -> None:
    """One joblib pass over ``tasks``; each finished fit is recorded and removed from it."""
    import joblib

    config = (joblib.parallel_config(backend="dask", scatter=[X, y]) if backend == "dask"
              else contextlib.nullcontext())
    with config:
        jobs = -1 if backend == "dask" else n_jobs
        for i, j, score, sec in joblib.Parallel(n_jobs=jobs, return_as="generator_unordered")(
                list(tasks.values())):
            scores[i, j], seconds[i, j] = score, sec
            del tasks[i, j]
            bar.update(1)


def _lost_dask_data(error: BaseException) -> bool:
    """True for Dask's cancellation of tasks whose scattered inputs were lost."""
    try:
        from distributed.client import FutureCancelledError
    except ImportError:
        return False
    return isinstance(error, FutureCancelledError)


def _progress(total: int, enabled: bool):
    """A tqdm bar over finished fits, shown only on a terminal."""
    import sys

    from tqdm.auto import tqdm

    return tqdm(total=total, desc="fits", unit="fit", file=sys.stderr,
                disable=not enabled or not sys.stderr.isatty())
