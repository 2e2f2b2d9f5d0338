"""Helpers shared by the example scripts: command line, output folder, data, printing.

Every example has the same shape::

    def main(argv: list[str] | None = None) -> dict:   # parses argv, trains, returns figures
    if __name__ == "__main__":
        main()

so that ``tests/test_examples.py`` and ``benchmarks/targets.py`` can run an
example in-process and read the figures it returns.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import sys
import time
from pathlib import Path

import numpy as np

#: The folder holding the examples, and the repository root above it.
EXAMPLES_DIR = Path(__file__).resolve().parent
REPO_ROOT = EXAMPLES_DIR.parent
#: The real MNIST test set shared beside the repository (developers and CI).
SHARED_MNIST = REPO_ROOT.parent / "shared" / "data" / "mnist"


# ------------------------------------------------------------- command line
class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Adds "(default: …)" only where the help text does not already give the default."""

    def _get_help_string(self, action) -> str:
        text = action.help or ""
        if "default" in text.lower() or any(action.default is v for v in (None, False,
                                                                          argparse.SUPPRESS)):
            return text
        return super()._get_help_string(action)


def make_parser(name: str, doc: str | None) -> argparse.ArgumentParser:
    """An ArgumentParser with the options every example has: --quick, --out, --seed."""
    summary = (doc or "").strip().splitlines()[0] if doc else name
    p = argparse.ArgumentParser(prog=f"{name}.py", description=summary,
                                formatter_class=_HelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="a few seconds on a small subset (used by the tests)")
    p.add_argument("--out", type=Path, default=None,
                   help=f"folder for the pictures (default runs/{name}/)")
    p.add_argument("--seed", type=int, default=0, help="seed for tm.manual_seed and shuffling")
    return p


def output_dir(args: argparse.Namespace, name: str) -> Path:
    """The folder for the example's pictures (``--out`` or ``runs/<name>/``), created."""
    out = Path(args.out) if args.out is not None else Path("runs") / name
    out.mkdir(parents=True, exist_ok=True)
    return out


def add_mnist_options(p: argparse.ArgumentParser) -> None:
    """--data and --download, for the examples that train on MNIST."""
    p.add_argument("--data", type=Path, default=None,
                   help="folder with MNIST IDX files (train and test, or only the test set); "
                        "by default $TINYGRAD_MLP_DATA, else the package cache "
                        "~/.cache/tinygrad_mlp/mnist, else ../shared/data/mnist")
    p.add_argument("--download", action="store_true",
                   help="download full MNIST into the cache if it is missing (needs internet)")


# --------------------------------------------------------------------- data
class MissingData(SystemExit):
    """No MNIST where the search order looks: ends the script with one line on stderr and
    exit status 1 (a SystemExit, so tests can catch it and scripts need no handler)."""


def mnist_folders(data: Path | None = None) -> list[Path]:
    """Where the MNIST examples look, in this one order: ``--data DIR`` if given (only
    there); else ``$TINYGRAD_MLP_DATA`` if set (only there); else the package cache
    (``~/.cache/tinygrad_mlp/mnist``), then the test set shared beside the repository."""
    from tinygrad_mlp.data.datasets import default_data_dir

    if data is not None:
        return [Path(data)]
    if os.environ.get("TINYGRAD_MLP_DATA"):
        return [default_data_dir()]
    return [default_data_dir(), SHARED_MNIST]


def missing_mnist(script: str, folders: list[Path]) -> MissingData:
    where = ", ".join(str(f) for f in folders)
    return MissingData(
        f"{script}: error: no MNIST IDX files found (looked in {where}). Get them with "
        f"--download (full MNIST into the cache, about 11 MB), or point --data DIR at a "
        f"folder holding t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz "
        f"(and the train-* files for full MNIST)")


def find_mnist_test_folder(script: str, data: Path | None = None) -> Path:
    """The first folder of the search order holding the MNIST test set (MissingData if none)."""
    from tinygrad_mlp.data import load_idx_folder

    folders = mnist_folders(data)
    for folder in folders:
        try:
            load_idx_folder(folder, train=False)
            return folder
        except FileNotFoundError:
            continue
    raise missing_mnist(script, folders)


def load_mnist_split(data: Path | None = None, download: bool = False, n_train: int = 8000,
                     n_test: int = 2000, max_train: int | None = None,
                     max_test: int | None = None, script: str = "example") -> dict:
    """MNIST as ``{'X_train', 'y_train', 'X_test', 'y_test', 'source'}`` (X float32 (N, 784)
    in [0, 1], y int64 (N,)).

    Looks in ``mnist_folders(data)`` order. Full MNIST (60,000 / 10,000) where
    both splits are found (``download=True`` fetches them into the cache first);
    otherwise the first 10,000-image test set found, split ``n_train`` /
    ``n_test`` with a fixed permutation (seed 0, pairs kept), so every run and
    every example sees the same split. Nothing found: ``MissingData`` (one line,
    exit status 1). ``max_train``/``max_test`` cut the sets to their first
    samples (quick runs).
    """
    from tinygrad_mlp.data import load_idx_folder, load_mnist, train_test_split

    folders = mnist_folders(data)
    out = None
    if download and data is None:
        X_tr, y_tr = load_mnist(train=True, download=True)
        X_te, y_te = load_mnist(train=False, download=True)
        out = dict(X_train=X_tr, y_train=y_tr, X_test=X_te, y_test=y_te,
                   source=f"full MNIST from the cache: {len(X_tr)} train / {len(X_te)} test")
    for folder in folders if out is None else ():
        try:
            X_te, y_te = load_idx_folder(folder, train=False)
        except FileNotFoundError:
            continue
        try:
            X_tr, y_tr = load_idx_folder(folder, train=True)
            out = dict(X_train=X_tr, y_train=y_tr, X_test=X_te, y_test=y_te,
                       source=f"full MNIST from {folder}: {len(X_tr)} train / {len(X_te)} test")
        except FileNotFoundError:
            if n_train + n_test > len(X_te):
                raise ValueError(f"load_mnist_split: {n_train} + {n_test} samples asked for "
                                 f"but {folder} holds {len(X_te)}") from None
            a, b, c, d = train_test_split(X_te, y_te, test_size=n_test, seed=0)
            out = dict(X_train=a[:n_train], y_train=c[:n_train], X_test=b, y_test=d,
                       source=f"MNIST test set from {folder}, split {n_train} train / "
                              f"{n_test} test (full MNIST not found)")
        break
    if out is None:
        raise missing_mnist(script, folders)
    if max_train is not None:
        out["X_train"], out["y_train"] = out["X_train"][:max_train], out["y_train"][:max_train]
    if max_test is not None:
        out["X_test"], out["y_test"] = out["X_test"][:max_test], out["y_test"][:max_test]
    if max_train is not None or max_test is not None:
        out["source"] += f"; quick subset {len(out['X_train'])} / {len(out['X_test'])}"
    return out


# ----------------------------------------------------------------- printing
def banner(text: str) -> None:
    print(f"\n=== {text} ===")


def fmt(value, digits: int = 4) -> str:
    """A number for a table: ints as they are, floats to ``digits`` significant digits."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    return f"{float(value):.{digits}g}"


def print_table(header: list[str], rows: list[list]) -> None:
    """A plain-text table, columns padded to their widest cell."""
    cells = [header] + [[fmt(c) for c in row] for row in rows]
    widths = [max(len(r[j]) for r in cells) for j in range(len(header))]
    for i, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def print_comparison(title: str, rows: list[tuple]) -> None:
    """The figures of this run beside the original's: rows of (figure, ours, original, note)."""
    banner(f"{title}: ours vs original")
    print_table(["figure", "ours", "original", "note"], [list(r) for r in rows])


def print_pictures(paths: list[Path]) -> None:
    print("\npictures:")
    for p in paths:
        print(f"  {p}")


def limit_blas_threads(n: int | None):
    """A context manager capping the BLAS threads at ``n`` (threadpoolctl); None/0: no change.

    On a 2-core machine that is busy with other work, OpenBLAS's threads wait
    for each other and small matrix products get several times slower; one
    thread is then the faster choice.
    """
    if not n:
        return contextlib.nullcontext()
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print("note: threadpoolctl is not installed; the BLAS thread count is left as it is")
        return contextlib.nullcontext()
    return threadpool_limits(limits=n, user_api="blas")


class Stopwatch:
    """``with Stopwatch() as t: ...`` then ``t.seconds``."""

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start


def save_cost_curve(costs: list[float], batches_per_epoch: int, path: Path,
                    ylim=None) -> Path:
    """The per-minibatch cost with the average of each epoch drawn over it, saved to ``path``."""
    from tinygrad_mlp.viz import plot_cost

    fig = plot_cost(costs, ylim=ylim)  # picks a headless backend first if there is no screen
    import matplotlib.pyplot as plt

    ax = fig.axes[0]
    c = np.asarray(costs, dtype=np.float64)
    n_epochs = len(c) // batches_per_epoch
    if n_epochs >= 1:
        means = c[:n_epochs * batches_per_epoch].reshape(n_epochs, batches_per_epoch).mean(1)
        ax.plot((np.arange(n_epochs) + 1) * batches_per_epoch, means, "k.-", lw=1.2, ms=4,
                label="epoch average")
        ax.legend()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def load_example(name: str):
    """Import ``examples/<name>.py`` as a module (for the tests and benchmarks/targets.py,
    which call its ``main(argv)``)."""
    folder = Path(__file__).resolve().parent
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(f"example_{name}", folder / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------- 2-D toy data
def make_toy(name: str, n: int = 400, noise: float = 0.1, seed: int = 0):
    """A 2-D classification toy set as (X float32 (n, 2), y int64 (n,)), made with NumPy.

    'moons' (two interleaved half circles), 'circles' (a ring around a disc),
    'spirals' (two arms winding 1.75 turns), 'xor' (the four quadrants, opposite
    ones alike); ``noise`` is the standard deviation of the Gaussian jitter.
    """
    rng = np.random.default_rng(seed)
    half = n // 2
    y = np.r_[np.zeros(half), np.ones(n - half)].astype(np.int64)
    if name == "moons":
        t = rng.uniform(0, np.pi, n)
        X = np.where(y[:, None] == 0, np.c_[np.cos(t), np.sin(t)],
                     np.c_[1 - np.cos(t), 0.5 - np.sin(t)])
    elif name == "circles":
        t = rng.uniform(0, 2 * np.pi, n)
        r = np.where(y == 0, 1.0, 0.45)
        X = np.c_[r * np.cos(t), r * np.sin(t)]
    elif name == "spirals":
        t = np.sqrt(rng.uniform(0.02, 1, n)) * 3.5 * np.pi
        sign = np.where(y == 0, 1.0, -1.0)
        X = np.c_[sign * t * np.cos(t), sign * t * np.sin(t)] / (3.5 * np.pi)
    elif name == "xor":
        X = rng.uniform(-1, 1, (n, 2))
        y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    else:
        raise ValueError(f"make_toy: unknown data set {name!r} (moons, circles, spirals, xor)")
    X = X + rng.normal(0, noise, X.shape)
    return X.astype(np.float32), y
