"""Datasets at ``torch.utils.data``'s names: ``Dataset``, ``IterableDataset``, ``TensorDataset``,
``Subset``, ``ConcatDataset``, ``ChainDataset`` and ``random_split``.

A map-style dataset has ``__getitem__(i)`` and ``__len__``; an iterable one
has ``__iter__``. ``DataLoader`` batches either.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..rng import get_rng
from ..tensor import Tensor

__all__ = ["ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "Subset",
           "TensorDataset", "random_split"]


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(index)`` and ``__len__()``.

    ``a + b`` concatenates two datasets (a ``ConcatDataset``).
    """

    def __getitem__(self, index) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__ (subclass "
                                  f"Dataset and return sample number `index`)")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset that is a stream: subclasses define ``__iter__``.

    With ``num_workers > 0`` every worker iterates its own copy; split the work
    with ``get_worker_info()`` (its ``id`` and ``num_workers``), as in PyTorch.
    """

    def __iter__(self) -> Iterator:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:
        return ChainDataset([self, other])


def _as_array(a, i: int) -> np.ndarray:
    arr = a.data if isinstance(a, Tensor) else np.asarray(a)
    if arr.ndim == 0:
        raise ValueError(f"TensorDataset: array {i} is 0-d; every array needs a first "
                         f"(sample) axis")
    return arr


class TensorDataset(Dataset):
    """Tensors (or arrays) that share their first axis, seen as a sequence of samples.

    ``ds[i]`` is the tuple ``(t[i] for t in tensors)`` of Tensors (views, no
    copy); ``ds.tensors`` are the Tensors and ``ds.arrays`` their ndarrays.
    ``DataLoader`` batches a TensorDataset by slicing the arrays with each
    batch's indices at once (the fast path), not item by item.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        self.arrays = tuple(_as_array(t, i) for i, t in enumerate(tensors))
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            raise ValueError(f"TensorDataset: Size mismatch between tensors: all must have "
                             f"the same first dimension (one row per sample), got lengths "
                             f"{lengths}")
        self.tensors = tuple(t if isinstance(t, Tensor) else from_numpy(a)
                             for t, a in zip(tensors, self.arrays))
        self._n = lengths[0]

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, index) -> tuple[Tensor, ...]:
        return tuple(from_numpy(a[index]) for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list:
        """Several samples at once (PyTorch's batched fetch protocol)."""
        inner = getattr(self.dataset, "__getitems__", None)
        if inner is not None:
            return inner([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several map-style datasets one after another: index i goes to the dataset holding it."""

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for i, d in enumerate(self.datasets):
            if isinstance(d, IterableDataset):
                raise TypeError(f"ConcatDataset does not support IterableDataset (dataset {i}); "
                                f"use ChainDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        d = bisect.bisect_right(self.cumulative_sizes, idx)
        if d == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {idx} is out of range for {len(self)} "
                             f"samples")
        start = self.cumulative_sizes[d - 1] if d > 0 else 0
        return self.datasets[d][idx - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets, iterated one after another."""

    def __init__(self, datasets: Iterable[Dataset]):
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Counts from counts, or from fractions summing to 1 (floors, remainder round-robin)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = []
        for i, frac in enumerate(lengths):
            if not 0 <= frac <= 1:
                raise ValueError(f"random_split: Fraction at index {i} is not between 0 and 1")
            counts.append(int(math.floor(n * frac)))
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    counts = [int(x) for x in lengths]
    if sum(counts) != n:
        raise ValueError(f"random_split: Sum of input lengths ({sum(counts)}) does not equal "
                         f"the length of the input dataset ({n})!")
    return counts


def random_split(dataset: Dataset, lengths: Sequence[float],
                 generator: np.random.Generator | None = None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping ``Subset``s of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)`` or fractions summing to 1
    (each part gets ⌊n·f⌋, the remainder goes one by one to the first parts, as
    PyTorch). One permutation from ``generator`` (a ``numpy.random.Generator``;
    default the package generator that ``tm.manual_seed`` seeds) makes all parts.
    """
    n = len(dataset)
    counts = _split_lengths(n, list(lengths))
    perm = (generator if generator is not None else get_rng()).permutation(n).tolist()
    out, offset = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[offset:offset + c]))
        offset += c
    return out
