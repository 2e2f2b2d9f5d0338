"""Your own data for ``tinygrad-mlp train --data file.csv|file.npz --target COLUMN``.

A CSV file has a header row; every column but the target must be numeric.  An
``.npz`` archive holds the features as ``X`` (N, D) and the targets as
``--target`` (default ``y``).  The task is classification when the target is
text or has integer values with at most 50 distinct values (``--task`` says so
explicitly), else regression.  Classes are numbered in sorted order of their
values, which are kept as the class names.  Features are standardised with the
mean and standard deviation of the training split.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

TABLE_SUFFIXES = (".csv", ".npz")
_MAX_CLASSES = 50


def is_table(dataset: str) -> bool:
    return Path(dataset).suffix.lower() in TABLE_SUFFIXES


def read_table(path: str, target: str | None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(X float64 (N, D), raw targets (N,), feature names) from a CSV or NPZ file."""
    from .common import CLIError

    p = Path(path).expanduser()
    if not p.is_file():
        raise CLIError(f"data file {path} does not exist")
    if p.suffix.lower() == ".npz":
        with np.load(p, allow_pickle=False) as z:
            key = target or "y"
            if "X" not in z or key not in z:
                raise CLIError(f"{path}: an .npz needs the features as 'X' and the targets as "
                               f"'{key}' (--target); it holds {sorted(z.files)}")
            X, y = np.asarray(z["X"], dtype=np.float64), np.asarray(z[key])
        if X.ndim != 2 or y.shape[:1] != X.shape[:1]:
            raise CLIError(f"{path}: X must be (N, D) and {key} (N,), got {X.shape} and "
                           f"{y.shape}")
        return X, y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y, [
            f"x{i}" for i in range(X.shape[1])]
    with p.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if len(rows) < 2:
        raise CLIError(f"{path}: a CSV needs a header row and at least one data row")
    header, body = [h.strip() for h in rows[0]], [r for r in rows[1:] if r]
    if target is None:
        raise CLIError(f"{path}: say which column to predict with --target (columns: "
                       f"{', '.join(header)})")
    if target not in header:
        raise CLIError(f"{path}: no column {target!r} (columns: {', '.join(header)})")
    j = header.index(target)
    bad = [i for i, r in enumerate(body) if len(r) != len(header)]
    if bad:
        raise CLIError(f"{path}: row {bad[0] + 2} has {len(body[bad[0]])} fields, the header "
                       f"{len(header)}")
    names = [h for i, h in enumerate(header) if i != j]
    cols = [i for i in range(len(header)) if i != j]
    X = np.empty((len(body), len(cols)))
    for k, i in enumerate(cols):
        try:
            X[:, k] = [float(r[i]) for r in body]
        except ValueError:
            raise CLIError(f"{path}: column {header[i]!r} is not numeric; only the target "
                           f"may hold text") from None
    return X, np.asarray([r[j].strip() for r in body]), names


def encode_target(y: np.ndarray, task: str) -> tuple[np.ndarray, str, list | None]:
    """(targets, task, class names): int64 labels for classification, float32 (N, 1)
    values for regression; ``task`` 'auto' decides as the module docstring says."""
    from .common import CLIError

    numeric = True
    try:
        values = y.astype(np.float64)
    except ValueError:
        numeric = False
    if task == "auto":
        task = "classification"
        if numeric:
            whole = np.all(values == np.round(values))
            task = ("classification" if whole and len(np.unique(values)) <= _MAX_CLASSES
                    else "regression")
    if task == "regression":
        if not numeric:
            raise CLIError("--task regression needs a numeric target column")
        return values.astype(np.float32).reshape(-1, 1), task, None
    keys = np.unique(values if numeric else y)
    labels = np.searchsorted(keys, values if numeric else y).astype(np.int64)
    names = [f"{k:g}" if numeric else str(k) for k in keys]
    return labels, task, names
