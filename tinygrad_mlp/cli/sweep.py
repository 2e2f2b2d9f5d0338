"""``tinygrad-mlp sweep``: a grid or random search of the CLI's MLPs, on local processes
or a Dask cluster; writes results.csv, a heatmap of the two main axes and the best model.

With no arguments it runs the digits η × λ grid of the NumPy-and-scikit-learn
tutorial (SEEDS C): 64 → 50 sigmoid → 10, weights N(0, 1), biases 0.01,
cross-entropy summed over each batch of 100 plus (λ/2)·Σw², plain SGD, 10
epochs on raw pixels 0–16, η and λ over logspace(−5, 0, 6); test accuracy of
each cell on the held-out 20 %, printed beside the tutorial's 0.914 and
MLPClassifier's 0.992. Each cell is ``NeuralNetClassifier(MLPModule, ...)``.
"""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import numpy as np

from .common import CLIError, UsageError, load_data, model_config, one_line
from .sweep_report import _fmt, _heatmap, _print_table, _write_csv

#: The tutorial's figures (/work/shared/SEEDS.md, C).
SEEDS_C = {"tutorial_best": 0.914, "tutorial_best_at": "η=0.01, λ=0.001",
           "sklearn_best": 0.992}
DEFAULT_GRID = ["lr=logspace(-5,0,6)", "alpha=logspace(-5,0,6)"]

#: Sweep names → NeuralNetClassifier parameters (others with '__' pass through as they are).
NAMES = {"lr": "lr", "eta": "lr", "alpha": "alpha", "lambda": "alpha",
         "hidden": "module__hidden", "activation": "module__activation",
         "init": "module__init", "dropout": "module__dropout", "epochs": "max_epochs",
         "batch_size": "batch_size", "optimizer": "optimizer",
         "momentum": "optimizer__momentum", "weight_decay": "optimizer__weight_decay"}
PRESETS = {
    "seeds-c": dict(hidden=[50], activation="sigmoid", init="tutorial", reduction="sum",
                    optimizer="sgd", batch_size=100, epochs=10, lr=0.01, alpha=0.0),
    "cli": dict(hidden=[64, 32], activation="relu", init="default", reduction="mean",
                optimizer="adam", batch_size=32, epochs=20, lr=0.01, alpha=0.0),
}


def hidden_sizes(value) -> tuple[int, ...]:
    """50 → (50,); '64x32' or '64-32' → (64, 32); 'none' → () (softmax regression)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),)
    if isinstance(value, (list, tuple)):
        return tuple(int(v) for v in value)
    text = str(value).strip().lower()
    if text in ("", "none", "0"):
        return ()
    return tuple(int(v) for v in text.replace("-", "x").split("x"))


class CellFactory:
    """``cell dict → NeuralNetClassifier``: the fixed settings plus the cell's (picklable, so
    joblib and Dask send it to the workers)."""

    def __init__(self, base: dict):
        self.base = base

    def params(self, cell: dict) -> dict:
        params = dict(self.base)
        for name, value in cell.items():
            key = NAMES.get(name, name)
            if key == "module__hidden":
                value = hidden_sizes(value)
            elif key in ("max_epochs", "batch_size"):
                value = int(value)
            params[key] = value
        return params

    def __call__(self, cell: dict):
        from ..sklearn import MLPModule, NeuralNetClassifier

        return NeuralNetClassifier(MLPModule, **self.params(cell))


def _base_params(args: argparse.Namespace) -> dict:
    preset = dict(PRESETS[args.preset])
    for key in ("hidden", "activation", "init", "reduction", "optimizer", "batch_size",
                "epochs", "lr", "alpha"):
        value = getattr(args, key, None)
        if value is not None:
            preset[key] = value
    base = {"module__hidden": tuple(preset["hidden"]), "module__activation": preset["activation"],
            "module__init": preset["init"], "criterion__reduction": preset["reduction"],
            "optimizer": preset["optimizer"], "batch_size": int(preset["batch_size"]),
            "max_epochs": int(preset["epochs"]), "lr": float(preset["lr"]),
            "alpha": float(preset["alpha"]), "train_split": None, "random_state": args.seed}
    if args.momentum is not None:
        base["optimizer__momentum"] = args.momentum
    return base


# ------------------------------------------------------------------ the command
def sweep(args: argparse.Namespace) -> int:
    """Run the sweep and write its files; 0 on success."""
    from ..sklearn.sweep import grid_cells, parse_axes, random_cells, run_sweep

    if args.scheduler and args.dask_local:
        raise UsageError("sweep: give --scheduler or --dask-local, not both")
    if (args.scheduler or args.dask_local) and args.jobs != 1:
        raise UsageError("sweep: --jobs is for local processes; Dask uses its workers")
    try:
        axes = parse_axes(args.grid or DEFAULT_GRID)
        cells = (random_cells(axes, args.random, args.seed) if args.random
                 else grid_cells(axes))
    except ValueError as e:
        raise UsageError(f"sweep: --grid: {e}") from None
    dataset = args.dataset or "digits"
    data = load_data(dataset, args.test_size, args.seed, args.data_dir, args.download,
                     args.limit)
    scaling = args.scaling or ("raw" if args.preset == "seeds-c" else "loaded")
    X_train, X_test = _scale(data.X_train, data.X_test, scaling, data.name)
    factory = CellFactory(_base_params(args))
    X, y, splits, how = _splits(X_train, data.y_train, X_test, data.y_test, args.cv, args.seed)
    where = (f"Dask scheduler {args.scheduler}" if args.scheduler else
             f"a local Dask cluster of {args.dask_local} workers" if args.dask_local else
             f"{args.jobs} local process{'es' if args.jobs != 1 else ''}")
    print(data.describe())
    print(f"sweep: {len(cells)} cells × {len(splits)} fold(s) = {len(cells) * len(splits)} "
          f"fits ({how}; inputs: {scaling}) on {where}")
    with _dask(args) as backend:
        result = run_sweep(factory, cells, X, y, splits, n_jobs=args.jobs,
                           progress=not args.no_progress, backend=backend)
    out = Path(args.out or f"runs/sweep-{data.name}")
    out.mkdir(parents=True, exist_ok=True)
    _write_csv(out / "results.csv", result, factory)
    written = ["results.csv"]
    best = result.best
    test_acc = _save_best(out / "best_model.npz", factory, cells[best], X_train, data, dataset,
                          args)
    written.append("best_model.npz")
    names = [n for n in axes if isinstance(axes[n], list) and len(axes[n]) > 1]
    _print_table(result, axes, names)
    if len(names) >= 2 and not args.random:
        try:
            _heatmap(out / "heatmap.png", result, axes, names[:2])
            written.append("heatmap.png")
        except (ImportError, RuntimeError) as e:
            print(f"tinygrad-mlp: warning: heatmap.png not written: {one_line(e)}")
    cell_text = ", ".join(f"{k}={_fmt(v)}" for k, v in cells[best].items())
    print(f"best cell: {cell_text}: mean score {result.mean[best]:.4f}"
          f" (± {result.std[best]:.4f}); refitted on the training split, test accuracy "
          f"{test_acc:.4f}")
    if _is_seeds_c(args, dataset, axes):
        print(f"\nSEEDS C (digits η × λ grid): best cell {result.mean[best]:.3f} here, "
              f"{SEEDS_C['tutorial_best']:.3f} in the tutorial ({SEEDS_C['tutorial_best_at']}), "
              f"{SEEDS_C['sklearn_best']:.3f} for its MLPClassifier column")
        print(f"cells above 0.9: {int(np.sum(result.mean > 0.9))} of {len(cells)}; "
              f"NaN cells: {int(np.isnan(result.mean).sum())} (the tutorial's softmax "
              f"overflowed at η = 1)")
    print(f"wall time {result.wall_seconds:.2f} s; fit time per cell "
          f"{np.mean(result.fit_seconds.sum(axis=1)):.3f} s on average")
    print(f"wrote {', '.join(written)} to {out}")
    return 0


def _is_seeds_c(args, dataset: str, axes: dict) -> bool:
    return (args.preset == "seeds-c" and dataset == "digits" and not args.grid
            and not args.random and not args.cv)


def _scale_params(X_train, how: str, name: str) -> tuple[np.ndarray | float, np.ndarray | float]:
    """(shift, scale) with scaled = (x − shift) / scale: 'loaded' as the loader gives;
    'raw': digits' pixels 0–16 (the tutorial's); 'standard': z-scores (training statistics)."""
    if how == "raw" and name == "digits":
        return 0.0, 1.0 / 16.0
    if how == "standard":
        std = X_train.std(axis=0)
        std[std == 0] = 1.0
        return X_train.mean(axis=0), std
    return 0.0, 1.0


def _scale(X_train, X_test, how: str, name: str):
    shift, scale = _scale_params(X_train, how, name)
    return ((X_train - shift) / scale).astype(np.float32), ((X_test - shift) / scale).astype(
        np.float32)


def _splits(X_train, y_train, X_test, y_test, cv: int | None, seed: int):
    """(X, y, [(train rows, score rows)], description): K stratified folds of the training
    split, or train → test (holdout)."""
    if cv:
        from sklearn.model_selection import StratifiedKFold

        folds = StratifiedKFold(cv, shuffle=True, random_state=seed)
        return (X_train, y_train, list(folds.split(X_train, y_train)),
                f"{cv}-fold cross-validation on the training split")
    X = np.concatenate([X_train, X_test]).astype(np.float32)
    y = np.concatenate([y_train, y_test])
    n = len(X_train)
    return X, y, [(np.arange(n), np.arange(n, len(X)))], "holdout: test accuracy"


@contextlib.contextmanager
def _dask(args):
    """'dask' inside a client's context (--scheduler / --dask-local), else None."""
    if not (args.scheduler or args.dask_local):
        yield None
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as e:
        raise CLIError(f"--scheduler/--dask-local need dask.distributed: pip install "
                       f"'tinygrad_mlp[distributed]' ({e})") from e
    cluster = None
    if args.dask_local:
        import logging

        import dask

        # The workers' sampling profiler costs these Python-heavy fits ~20 %: off.
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            cluster = LocalCluster(n_workers=args.dask_local, threads_per_worker=1,
                                   processes=True, host="127.0.0.1", dashboard_address=None,
                                   silence_logs=logging.ERROR)
    try:
        client = Client(cluster if cluster is not None else args.scheduler, timeout=30)
    except OSError as e:
        raise CLIError(f"cannot reach the Dask scheduler {args.scheduler}: {one_line(e)}") from e
    try:
        with client.as_current():
            yield "dask"
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _save_best(path: Path, factory: CellFactory, cell: dict, X_train, data, dataset, args):
    """Refit the best cell on the training split and save it as ``tinygrad-mlp train`` does,
    with the input scaling folded into the first layer (W/s, b − W·m/s) so that
    ``tinygrad-mlp evaluate`` can feed it the dataset as loaded; returns its test accuracy."""
    from ..io import save

    how = args.scaling or ("raw" if args.preset == "seeds-c" else "loaded")
    est = factory(cell).fit(X_train, data.y_train)
    acc = float(est.score(_scale(data.X_train, data.X_test, how, data.name)[1], data.y_test))
    shift, scale = _scale_params(data.X_train, how, data.name)
    state = {k: np.array(v, dtype=np.float32) for k, v in est.module_.state_dict().items()}
    w = state["0.weight"].astype(np.float64) / np.asarray(scale, dtype=np.float64)
    state["0.bias"] = (state["0.bias"] - w @ np.broadcast_to(shift, (w.shape[1],))).astype(
        np.float32)
    state["0.weight"] = w.astype(np.float32)
    params = factory.params(cell)
    activation = params["module__activation"]
    config = model_config(data, dataset, list(params["module__hidden"]),
                          "sigmoid" if activation == "logistic" else activation,
                          args.test_size, args.seed, args.data_dir)
    config.update(test_accuracy=acc, sweep_cell={k: _fmt(v) for k, v in cell.items()},
                  optimizer=str(params["optimizer"]), lr=float(params["lr"]),
                  alpha=float(params["alpha"]), epochs=int(params["max_epochs"]),
                  batch_size=int(params["batch_size"]), input_scaling_folded_in=how)
    save({"model": state, "config": config}, path)
    return acc


# ------------------------------------------------------------------ the parser
EPILOG = """\
examples:
  tinygrad-mlp sweep                                  # SEEDS C: digits η × λ, 36 cells
  tinygrad-mlp sweep --grid lr=1e-3,1e-2 hidden=50,100,200 'alpha=logspace(-5,0,6)' --cv 3
  tinygrad-mlp sweep --preset cli --random 20 --grid 'lr=loguniform(1e-4,1e-1)' hidden=32,64x32
  tinygrad-mlp sweep --jobs 2                         # two local processes
  tinygrad-mlp sweep --dask-local 2                   # a 2-worker Dask LocalCluster
  tinygrad-mlp sweep --scheduler tcp://scheduler:8786 --dataset fashion-mnist --limit 10000

grid axes: lr (eta), alpha (lambda), hidden (50 or 64x32), activation, init
(default|glorot|tutorial), epochs, batch_size, optimizer (sgd|adam), momentum,
weight_decay, dropout, or any NeuralNetClassifier parameter (e.g. criterion__reduction).
values: a,b,c | logspace(a,b,n) | linspace(a,b,n) | range(a,b) | loguniform(a,b) and
uniform(a,b) (with --random); quote the ones with parentheses for the shell.
--hidden/--activation set the fixed model (the preset's: 50 sigmoid, or 64 32 relu).
writes into --out: results.csv (parameters, mean and std of the score, fit time per cell),
heatmap.png (the first two axes), best_model.npz (tinygrad-mlp evaluate reads it)."""


def add_sweep_parser(sub, parents: list) -> argparse.ArgumentParser:
    """Add ``sweep`` to the subcommands (called by ``parser.build_parser``)."""
    from .parser import (
        _nonnegative_float,
        _positive_float,
        _positive_int,
    )

    p = sub.add_parser("sweep", parents=parents, epilog=EPILOG,
                       help="grid or random search of MLPs, on local processes or Dask",
                       description="grid or random search of MLPs, on local processes or Dask",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_argument_group("search")
    g.add_argument("--grid", nargs="+", metavar="NAME=VALUES", default=None,
                   help="axes of the grid (default: lr and alpha over logspace(-5,0,6))")
    g.add_argument("--random", type=_positive_int, default=None, metavar="N",
                   help="N random cells from the axes instead of the full grid")
    g.add_argument("--cv", type=_positive_int, default=None, metavar="K",
                   help="K-fold cross-validation on the training split (default: score on "
                        "the test split, a holdout)")
    g.add_argument("--limit", type=_positive_int, default=None, metavar="N",
                   help="use at most N random training samples")
    g.add_argument("--scaling", choices=("loaded", "raw", "standard"), default=None,
                   help="inputs: as loaded (digits /16), raw (digits 0–16, the tutorial's) or "
                        "standard (z-scores); default raw for --preset seeds-c, else loaded")
    m = p.add_argument_group("fixed settings (a grid axis of the same name wins)")
    m.add_argument("--preset", choices=sorted(PRESETS), default="seeds-c",
                   help="defaults of the model and training: the tutorial's (seeds-c) or "
                        "tinygrad-mlp train's (cli) (default: %(default)s)")
    m.add_argument("--init", choices=("default", "glorot", "tutorial"), default=None,
                   help="initial weights: nn.Linear's, scikit-learn's Glorot, or the "
                        "tutorial's N(0, 1) with biases 0.01")
    m.add_argument("--reduction", choices=("mean", "sum"), default=None,
                   help="cross-entropy over a batch: mean, or sum (the tutorial's)")
    m.add_argument("--optimizer", choices=("sgd", "adam"), default=None,
                   help="sgd for seeds-c, adam for cli")
    m.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate when lr is not an axis")
    m.add_argument("--alpha", type=_nonnegative_float, default=None,
                   help="L2 strength λ: (λ/2)·Σw² added to each batch's loss")
    m.add_argument("--momentum", type=_nonnegative_float, default=None, help="sgd only")
    m.add_argument("--epochs", type=_positive_int, default=None,
                   help="epochs per fit (seeds-c: 10, cli: 20)")
    m.add_argument("--batch-size", type=_positive_int, default=None,
                   help="seeds-c: 100, cli: 32")
    r = p.add_argument_group("where the fits run")
    r.add_argument("--jobs", type=_positive_int, default=1, metavar="N",
                   help="local worker processes (default: %(default)s)")
    r.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="a running Dask scheduler")
    r.add_argument("--dask-local", type=_positive_int, default=None, metavar="N",
                   help="start a local Dask cluster of N worker processes for the sweep")
    o = p.add_argument_group("output")
    o.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default: runs/sweep-<dataset>)")
    o.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=sweep)
    return p
