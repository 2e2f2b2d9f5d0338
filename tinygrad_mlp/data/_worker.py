"""What runs inside a DataLoader worker process, and the fetchers shared with the main process.

A fetcher turns one batch's indices (map-style) or the next few items
(iterable) into a collated batch. The main process hands each worker tasks
on its own queue; the worker answers on the shared result queue with
``(epoch, task number, pickled batch)``. Tensors travel as their arrays.
"""

from __future__ import annotations

import itertools
import pickle
import random
import traceback
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..rng import manual_seed
from ..tensor import Tensor
from .collate import CollateError

__all__ = ["WorkerInfo", "get_worker_info"]


@dataclass(frozen=True)
class WorkerInfo:
    """Inside a worker process: its ``id`` (0 … num_workers − 1), ``num_workers``, its
    ``seed`` (base seed of the epoch + id) and its copy of the ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """The ``WorkerInfo`` of the worker process running this code; None in the main process.

    An ``IterableDataset`` uses it to give each worker its own share of the stream.
    """
    return _worker_info


# ------------------------------------------------------------------- fetchers
def _with_dataset_index(e: CollateError, indices: list) -> CollateError:
    if e.item is None or e.item >= len(indices):
        return e
    return CollateError(f"{e} — batch item {e.item} is dataset[{indices[e.item]}]", e.item,
                        e.field)


class MapFetcher:
    """Batches of a map-style dataset. ``fast`` = (arrays, index_map or None, as_tuple): the
    dataset is a TensorDataset (maybe seen through Subsets) with the default collate, so
    a batch is ``[a[idx] for a in arrays]`` — one fancy index per array, no per-item work."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, fast=None):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.fast = fast

    def fetch(self, indices):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[indices])
        if self.fast is not None:
            arrays, index_map, as_tuple = self.fast
            idx = np.asarray(indices, dtype=np.int64)
            if index_map is not None:
                idx = index_map[idx]
            out = [from_numpy(a[idx]) for a in arrays]
            return tuple(out) if as_tuple else out
        idx = indices.tolist() if isinstance(indices, np.ndarray) else list(indices)
        getitems = getattr(self.dataset, "__getitems__", None)
        data = getitems(idx) if getitems is not None else [self.dataset[i] for i in idx]
        try:
            return self.collate_fn(data)
        except CollateError as e:
            raise _with_dataset_index(e, idx) from None


class IterableFetcher:
    """Batches of an iterable dataset: the next ``batch_size`` items of its iterator."""

    def __init__(self, dataset, auto_collation: bool, collate_fn, batch_size, drop_last: bool):
        self.iterator = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.count = 0

    def fetch(self, _indices=None):
        """The next batch; raises StopIteration at the end of the stream."""
        if not self.auto_collation:
            return self.collate_fn(next(self.iterator))
        data = list(itertools.islice(self.iterator, self.batch_size))
        if not data or (self.drop_last and len(data) < self.batch_size):
            raise StopIteration
        start, self.count = self.count, self.count + len(data)
        try:
            return self.collate_fn(data)
        except CollateError as e:
            raise _with_dataset_index(e, [f"stream item {start + i}" for i in
                                          range(len(data))]) from None


# ------------------------------------------------------------------ transport
class _Array:
    """A Tensor on its way between processes: just its array."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray):
        self.array = array


def pack(obj: Any) -> Any:
    if isinstance(obj, Tensor):
        return _Array(obj.data)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(pack(o) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(pack(o) for o in obj)
    if type(obj) is dict:
        return {k: pack(v) for k, v in obj.items()}
    return obj


def unpack(obj: Any) -> Any:
    if isinstance(obj, _Array):
        return from_numpy(obj.array)
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(unpack(o) for o in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(unpack(o) for o in obj)
    if type(obj) is dict:
        return {k: unpack(v) for k, v in obj.items()}
    return obj


class StopMarker:
    """A worker's answer when its iterable dataset is exhausted."""

    def __init__(self, worker_id: int):
        self.worker_id = worker_id


class WorkerError:
    """An exception raised in a worker, carried to the main process and raised there."""

    def __init__(self, worker_id: int, exc: BaseException):
        self.worker_id = worker_id
        self.exc_type = type(exc)
        text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.text = text.removeprefix("Traceback (most recent call last):\n")
        try:
            pickle.dumps(self.exc_type)
        except Exception:  # a class that cannot travel: report it as a RuntimeError
            self.exc_type = RuntimeError

    def reraise(self):
        msg = (f"Caught {self.exc_type.__name__} in DataLoader worker process "
               f"{self.worker_id}.\nOriginal Traceback (most recent call last):\n{self.text}")
        try:
            exc = self.exc_type(msg)
        except Exception:
            exc = RuntimeError(msg)
        raise exc


def _dumps(worker_id: int, data: Any) -> bytes:
    try:
        return pickle.dumps(pack(data), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as e:  # an unpicklable batch must not vanish in the queue's thread
        return pickle.dumps(WorkerError(worker_id, TypeError(
            f"the batch from the collate_fn cannot be sent to the main process: {e}")))


def seed_worker(seed: int) -> None:
    """Seed Python's, NumPy's legacy and the package generator in a worker (as PyTorch
    seeds ``random``, NumPy and torch with base_seed + worker id)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    manual_seed(seed % 2**63)


def worker_loop(dataset, iterable: bool, auto_collation: bool, collate_fn, batch_size,
                drop_last: bool, fast, index_queue, data_queue, seed: int, init_fn,
                worker_id: int, num_workers: int) -> None:
    """The body of a worker process: answer tasks until told to stop (a None task)."""
    global _worker_info
    seed_worker(seed)
    _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
    init_error = None

    def make_fetcher():
        if iterable:
            return IterableFetcher(dataset, auto_collation, collate_fn, batch_size, drop_last)
        return MapFetcher(dataset, auto_collation, collate_fn, fast)

    fetcher = None
    try:
        if init_fn is not None:
            init_fn(worker_id)
        fetcher = make_fetcher()
    except Exception as e:
        init_error = WorkerError(worker_id, e)
    ended = False
    while True:
        try:
            task = index_queue.get()
        except KeyboardInterrupt:  # the main process handles ^C
            continue
        if task is None:
            break
        kind, epoch, send_idx, indices = task
        if kind == "reset":  # a new epoch for persistent workers over an iterable dataset
            ended = False
            try:
                fetcher = make_fetcher()
            except Exception as e:
                init_error = WorkerError(worker_id, e)
            continue
        if init_error is not None:
            data = init_error
        elif ended:
            data = StopMarker(worker_id)
        else:
            try:
                data = fetcher.fetch(indices)
            except StopIteration:
                data, ended = StopMarker(worker_id), True
            except Exception as e:
                data = WorkerError(worker_id, e)
        data_queue.put((epoch, send_idx, _dumps(worker_id, data)))
