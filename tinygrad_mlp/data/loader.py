"""Splits and one-hot targets; ``DataLoader`` and ``TensorDataset`` (kept importable from
here) live in ``dataloader.py`` and ``dataset.py``.

Every function here indexes all of its arrays with one shared permutation, so
an image and its label never come apart (a classic bug: shuffling X and y
separately).
"""

from __future__ import annotations

import math

import numpy as np

from ..creation import from_numpy
from ..rng import get_rng
from ..tensor import Tensor
from .dataloader import DataLoader
from .dataset import TensorDataset

__all__ = ["DataLoader", "TensorDataset", "one_hot", "train_test_split"]


def _as_array(a, who: str, i: int) -> np.ndarray:
    arr = a.data if isinstance(a, Tensor) else np.asarray(a)
    if arr.ndim == 0:
        raise ValueError(f"{who}: array {i} is 0-d; every array needs a first (sample) axis")
    return arr


def _check_lengths(arrays: list[np.ndarray], who: str) -> int:
    lengths = [len(a) for a in arrays]
    if len(set(lengths)) > 1:
        raise ValueError(f"{who}: all arrays must have the same first dimension (one row per "
                         f"sample), got lengths {lengths}")
    return lengths[0]
def _test_count(test_size, n: int) -> int:
    if isinstance(test_size, bool):
        raise TypeError("train_test_split: test_size must be a float in (0, 1) or an int")
    if isinstance(test_size, (int, np.integer)):
        n_test = int(test_size)
    elif isinstance(test_size, (float, np.floating)) and 0.0 < test_size < 1.0:
        n_test = math.ceil(float(test_size) * n)  # as scikit-learn rounds
    else:
        raise ValueError(f"train_test_split: test_size must be a float in (0, 1) or an int, "
                         f"got {test_size!r}")
    if not 1 <= n_test <= n - 1:
        raise ValueError(f"train_test_split: test_size={test_size!r} of {n} samples leaves "
                         f"{n_test} for testing and {n - n_test} for training; both need >= 1")
    return n_test


def _stratified_test_index(y: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a test set that holds each class in proportion (largest remainders)."""
    classes, inverse = np.unique(y, return_inverse=True)
    counts = np.bincount(inverse.ravel(), minlength=len(classes))
    share = counts * (n_test / len(y))
    take = np.floor(share).astype(int)
    extra = n_test - take.sum()
    take[np.argsort(-(share - take), kind="stable")[:extra]] += 1
    picks = [rng.permutation(np.flatnonzero(inverse.ravel() == c))[:k]
             for c, k in enumerate(take)]
    return rng.permutation(np.concatenate(picks))


def train_test_split(X, y, test_size: float | int = 0.2, seed: int | None = None,
                     stratify: bool = False) -> tuple:
    """Split ``(X, y)`` into ``X_train, X_test, y_train, y_test`` (scikit-learn's order).

    One random permutation indexes both arrays, so sample/label pairs stay
    together. ``test_size`` is a fraction in (0, 1) (rounded up) or a count;
    ``seed`` seeds a fresh generator, None uses the package generator.
    ``stratify=True`` keeps each class's share of ``y`` in both parts.
    Tensors in give Tensors out, arrays give arrays.
    """
    Xa, ya = _as_array(X, "train_test_split", 0), _as_array(y, "train_test_split", 1)
    n = _check_lengths([Xa, ya], "train_test_split")
    n_test = _test_count(test_size, n)
    rng = np.random.default_rng(seed) if seed is not None else get_rng()
    if stratify:
        test_idx = _stratified_test_index(ya, n_test, rng)
        mask = np.ones(n, dtype=bool)
        mask[test_idx] = False
        train_idx = rng.permutation(np.flatnonzero(mask))
    else:
        perm = rng.permutation(n)
        test_idx, train_idx = perm[:n_test], perm[n_test:]

    def part(orig, arr, idx):
        return from_numpy(arr[idx]) if isinstance(orig, Tensor) else arr[idx]

    return part(X, Xa, train_idx), part(X, Xa, test_idx), part(y, ya, train_idx), \
        part(y, ya, test_idx)


def _integer_labels(labels, who: str) -> np.ndarray:
    arr = labels.data if isinstance(labels, Tensor) else np.asarray(labels)
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            first = arr[bad].flat[0].item()
            raise ValueError(f"{who}: labels must be whole numbers, got {first!r}")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{who}: labels must be integers, got dtype {arr.dtype}")
    return arr.astype(np.int64, copy=False)


def one_hot(labels, num_classes: int | None = None, dtype=np.float32):
    """One-hot rows for integer ``labels`` of shape S: an array of shape S + (num_classes,).

    ``num_classes`` defaults to ``max(labels) + 1``. Negative labels, labels >=
    ``num_classes`` and non-integer values raise a ValueError naming them. A
    Tensor in gives a Tensor out.
    """
    arr = _integer_labels(labels, "one_hot")
    if arr.size and arr.min() < 0:
        raise ValueError(f"one_hot: labels must be >= 0, got {arr.min()}")
    if num_classes is None:
        num_classes = int(arr.max()) + 1 if arr.size else 0
    elif isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) \
            or num_classes < 0:
        raise ValueError(f"one_hot: num_classes must be a non-negative int, got {num_classes!r}")
    if arr.size and arr.max() >= num_classes:
        raise ValueError(f"one_hot: label {arr.max()} is out of range for num_classes="
                         f"{num_classes} (labels must be in [0, {num_classes - 1}])")
    out = np.zeros(arr.shape + (int(num_classes),), dtype=dtype)
    np.put_along_axis(out, arr[..., None], 1, axis=-1)
    return from_numpy(out) if isinstance(labels, Tensor) else out
