"""Mini-batches, train/test splits and one-hot targets.

Every function here indexes all of its arrays with one shared permutation, so
an image and its label never come apart (a classic bug: shuffling X and y
separately).
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ..creation import from_numpy
from ..rng import get_rng
from ..tensor import Tensor

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


class TensorDataset:
    """Arrays that share their first axis, viewed as a sequence of samples.

    ``ds[i]`` is the tuple ``(a[i] for a in arrays)``; ``len(ds)`` the sample count.
    ``DataLoader(ds)`` batches it.
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: give at least one array")
        self.arrays = tuple(_as_array(a, "TensorDataset", i) for i, a in enumerate(arrays))
        self._n = _check_lengths(list(self.arrays), "TensorDataset")

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index) -> tuple:
        return tuple(a[index] for a in self.arrays)


class DataLoader:
    """Iterate over mini-batches of one or more arrays with a shared first axis.

        loader = DataLoader(X, y, batch_size=64, shuffle=True, seed=0)
        for xb, yb in loader:     # xb: Tensor (B, ...), yb: Tensor (B,)
            ...

    Arrays may be ndarrays, Tensors or array-likes, or one ``TensorDataset``.
    Each batch is a tuple of Tensors holding fresh copies (float arrays keep
    their float dtype, integer labels stay integer). With ``shuffle`` every
    epoch (each ``iter``) uses a new permutation, the same one for all arrays,
    drawn from ``np.random.default_rng(seed)`` (created once, so epochs differ
    but a run repeats) or, when ``seed`` is None, from the package generator
    that ``tm.manual_seed`` reseeds. ``drop_last`` drops a final short batch.
    """

    def __init__(self, *arrays, batch_size: int = 32, shuffle: bool = False,
                 drop_last: bool = False, seed: int | None = None):
        if len(arrays) == 1 and isinstance(arrays[0], TensorDataset):
            arrays = arrays[0].arrays
        if not arrays:
            raise ValueError("DataLoader: give at least one array to batch")
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive int, got {batch_size!r}")
        self.arrays = tuple(_as_array(a, "DataLoader", i) for i, a in enumerate(arrays))
        self.num_samples = _check_lengths(list(self.arrays), "DataLoader")
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self) -> int:
        """Number of batches per epoch."""
        if self.drop_last:
            return self.num_samples // self.batch_size
        return math.ceil(self.num_samples / self.batch_size)

    def _order(self) -> np.ndarray:
        if not self.shuffle:
            return np.arange(self.num_samples)
        rng = self._rng if self._rng is not None else get_rng()
        return rng.permutation(self.num_samples)

    def __iter__(self) -> Iterator[tuple[Tensor, ...]]:
        order = self._order()
        for b in range(len(self)):
            idx = order[b * self.batch_size:(b + 1) * self.batch_size]
            # Integer-array indexing copies, so a batch never aliases the dataset.
            yield tuple(from_numpy(a[idx]) for a in self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(str(a.shape) for a in self.arrays)
        return (f"DataLoader({shapes}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, seed={self.seed})")


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
