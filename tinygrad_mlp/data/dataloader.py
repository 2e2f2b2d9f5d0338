"""``DataLoader``: batches from a dataset, in order or shuffled, in-process or in worker
processes — ``torch.utils.data.DataLoader``'s arguments and behaviour.

    loader = DataLoader(TensorDataset(X, y), batch_size=64, shuffle=True)
    for xb, yb in loader:                 # xb: Tensor (64, ...), yb: Tensor (64,)
        ...
    DataLoader(X, y, batch_size=64, shuffle=True, seed=0)   # the array form (tuples)

The sampler (and its randomness) always runs in the main process; workers only
fetch and collate, and their batches are delivered in sampler order, so
``num_workers=4`` gives the very batches of ``num_workers=0``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._multiprocessing import MultiProcessIter
from ._worker import IterableFetcher, MapFetcher
from .collate import default_collate, default_convert
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]

_POSITIONAL = ("batch_size", "shuffle", "sampler", "batch_sampler", "num_workers",
               "collate_fn", "pin_memory", "drop_last", "timeout", "worker_init_fn",
               "multiprocessing_context", "generator")
class _DefaultBatchSize(int):
    """The default batch_size (1, as PyTorch's), told apart from an explicit 1 so that the
    array form can default to 32."""

    def __repr__(self) -> str:
        return "1"


_UNSET: Any = _DefaultBatchSize(1)


def _is_array(x) -> bool:
    return isinstance(x, (np.ndarray, Tensor))


def _fast_view(dataset, collate_fn) -> tuple | None:
    """(arrays, index_map) when batches can be cut from arrays: a TensorDataset, or Subsets
    of one, not subclassed to change ``__getitem__``, with the default collate."""
    if collate_fn is not default_collate:
        return None
    index_map = None
    while type(dataset) is Subset or (isinstance(dataset, Subset)
                                      and type(dataset).__getitem__ is Subset.__getitem__):
        idx = np.asarray(dataset.indices, dtype=np.int64)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset) and \
            type(dataset).__getitem__ is TensorDataset.__getitem__:
        return dataset.arrays, index_map
    return None


class DataLoader:
    """Iterate over batches of ``dataset`` (map-style or iterable) — PyTorch's DataLoader.

    ``batch_size`` (default 1; None turns batching off), ``shuffle`` (a
    ``RandomSampler`` drawing from ``generator``, a ``numpy.random.Generator``, or
    the package generator), ``sampler`` / ``batch_sampler`` (your own order),
    ``drop_last``, ``collate_fn`` (default ``default_collate``), ``num_workers``
    (worker processes: each seeded base_seed + id, with ``worker_init_fn(id)``
    run first; ``prefetch_factor`` batches in flight per worker; ``timeout``
    seconds to wait for one; ``persistent_workers`` keeps them across epochs),
    ``pin_memory`` (accepted; nothing to pin on the CPU). ``in_order`` is accepted too;
    batches always come in sampler order.

    Over a ``TensorDataset`` (or Subsets of one, e.g. from ``random_split``) with
    the default collate, a batch is cut from the arrays with its index array —
    no per-sample Python work — and equals what collating the items would give.

    The array form ``DataLoader(X, y, ..., batch_size=32, shuffle=False,
    drop_last=False, seed=None)`` batches arrays/Tensors that share their first
    axis and yields tuples; ``seed`` seeds a generator made once, so epochs differ
    but a run repeats. Its batch_size defaults to 32.
    """

    def __init__(self, dataset=None, *args, batch_size: int | None = _UNSET,
                 shuffle: bool | None = None, sampler: Sampler | None = None,
                 batch_sampler=None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context=None, generator: np.random.Generator | None = None,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True, seed: int | None = None):
        opts = dict(batch_size=batch_size, shuffle=shuffle, sampler=sampler,
                    batch_sampler=batch_sampler, num_workers=num_workers,
                    collate_fn=collate_fn, pin_memory=pin_memory, drop_last=drop_last,
                    timeout=timeout, worker_init_fn=worker_init_fn,
                    multiprocessing_context=multiprocessing_context, generator=generator)
        self._arrays_form = _is_array(dataset) or any(_is_array(a) for a in args)
        if self._arrays_form:
            dataset = TensorDataset(dataset, *args)
            if opts["batch_size"] is _UNSET:
                opts["batch_size"] = 32
            if seed is not None:
                opts["generator"] = np.random.default_rng(seed)
        else:
            if dataset is None:
                raise ValueError("DataLoader: give a dataset (or at least one array to batch)")
            if len(args) > len(_POSITIONAL):
                raise TypeError(f"DataLoader takes at most {len(_POSITIONAL) + 1} positional "
                                f"arguments")
            opts.update(zip(_POSITIONAL, args))  # DataLoader(ds, 64, True) as in PyTorch
            if seed is not None:
                raise TypeError("DataLoader: seed= belongs to the array form DataLoader(X, y, "
                                "...); with a dataset pass generator=np.random.default_rng(seed)")
        if opts["batch_size"] is _UNSET:
            opts["batch_size"] = 1
        self._setup(dataset, opts["batch_size"], opts["shuffle"], opts["sampler"],
                    opts["batch_sampler"], opts["num_workers"], opts["collate_fn"],
                    opts["drop_last"], opts["timeout"], prefetch_factor, persistent_workers,
                    opts["generator"])
        self.pin_memory = bool(opts["pin_memory"])
        self.pin_memory_device = pin_memory_device
        self.worker_init_fn = opts["worker_init_fn"]
        self.multiprocessing_context = opts["multiprocessing_context"]
        self.generator = opts["generator"]
        self.in_order = in_order
        self.seed = seed
        self._iterator = None

    def _setup(self, dataset, batch_size, shuffle, sampler, batch_sampler, num_workers,
               collate_fn, drop_last, timeout, prefetch_factor, persistent_workers,
               generator) -> None:
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, v in (("shuffle", shuffle), ("sampler", sampler),
                            ("batch_sampler", batch_sampler)):
                if v is not None and v is not False:
                    raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                     f"{name} option, but got {name}={v!r}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                                 "batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None option disables auto-batching "
                                 "and is mutually exclusive with drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size should be a positive integer value, but "
                             f"got batch_size={batch_size!r}")
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else \
                SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, int(batch_size), bool(drop_last))
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) \
                or num_workers < 0:
            raise ValueError(f"DataLoader: num_workers option should be non-negative; use "
                             f"num_workers=0 to disable multiprocessing (got {num_workers!r})")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout option should be non-negative, got {timeout}")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in "
                             "multiprocessing. Let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("DataLoader: prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.drop_last = bool(drop_last)
        self.shuffle = shuffle
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = int(num_workers)
        self.timeout = timeout
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self._iterable = iterable
        self._auto_collation = batch_sampler is not None or (iterable and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    # ------------------------------------------------------------ helpers
    @property
    def arrays(self) -> tuple[np.ndarray, ...]:
        """The array form's arrays (the TensorDataset's)."""
        return self.dataset.arrays

    @property
    def num_samples(self) -> int:
        return len(self.dataset)

    def _fast(self):
        view = _fast_view(self.dataset, self.collate_fn) if self._auto_collation and \
            not self._iterable else None
        return None if view is None else (*view, self._arrays_form)

    def _make_fetcher(self):
        if self._iterable:
            return IterableFetcher(self.dataset, self._auto_collation, self.collate_fn,
                                   self.batch_size, self.drop_last)
        return MapFetcher(self.dataset, self._auto_collation, self.collate_fn, self._fast())

    def _index_iter(self) -> Iterator:
        """One epoch of tasks: index arrays/lists per batch, or single indices."""
        if not self._auto_collation:
            return iter(self.sampler)
        if type(self.batch_sampler) is BatchSampler:
            return self.batch_sampler.batches_array()
        return iter(self.batch_sampler)

    def __iter__(self) -> Iterator:
        if self.num_workers == 0:
            return _SingleProcessIter(self)
        if self.persistent_workers:
            if self._iterator is None or self._iterator._closed:
                self._iterator = MultiProcessIter(self)
            else:
                self._iterator._reset()
            return self._iterator
        return MultiProcessIter(self)

    def __len__(self) -> int:
        """Batches per epoch (for an iterable dataset, from ``len(dataset)`` if it has one)."""
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self._auto_collation:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.dataset).__name__} of {self._length_text()}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, num_workers={self.num_workers})")

    def _length_text(self) -> str:
        try:
            return f"{len(self.dataset)} samples"
        except TypeError:
            return "a stream"


class _SingleProcessIter:
    def __init__(self, loader: DataLoader):
        self._loader = loader
        self._fetcher = loader._make_fetcher()
        self._tasks = None if loader._iterable else loader._index_iter()

    def __iter__(self):
        return self

    def __next__(self):
        if self._tasks is None:
            return self._fetcher.fetch()
        return self._fetcher.fetch(next(self._tasks))

    def __len__(self) -> int:
        return len(self._loader)
