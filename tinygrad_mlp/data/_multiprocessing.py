"""The DataLoader's worker processes, seen from the main process: start them, hand out
tasks round-robin, keep ``prefetch_factor × num_workers`` in flight, put the results back
in task order, notice errors, deaths and timeouts, and stop the workers."""

from __future__ import annotations

import itertools
import multiprocessing
import pickle
import queue
import sys
import time
import weakref
import zlib
from typing import TYPE_CHECKING, Any

import numpy as np

from ..rng import get_rng
from ._worker import StopMarker, WorkerError, unpack, worker_loop

if TYPE_CHECKING:
    from .dataloader import DataLoader

__all__ = ["MultiProcessIter"]


def _base_seed(generator) -> int:
    """A seed for the workers of one epoch, from ``generator`` (or the package generator)
    without consuming its stream, so the sampler's draws are those of num_workers=0."""
    g = generator if generator is not None else get_rng()
    try:
        child = g.spawn(1)[0]
    except (AttributeError, TypeError, ValueError):  # NumPy < 1.25, or no SeedSequence
        child = np.random.default_rng(zlib.crc32(repr(g.bit_generator.state).encode()))
    return int(child.integers(0, 2**62))


def _shutdown(workers, index_queues, data_queue) -> None:
    for q in index_queues:
        try:
            q.put(None)
        except (OSError, ValueError):
            pass
    for w in workers:
        w.join(timeout=5)
        if w.is_alive():
            w.terminate()
    for q in (*index_queues, data_queue):
        q.cancel_join_thread()
        q.close()


class MultiProcessIter:
    """Workers fetch; the main process samples, hands out tasks round-robin, keeps
    ``prefetch_factor × num_workers`` in flight, and yields results in task order."""

    def __init__(self, loader: DataLoader):
        self._loader = loader
        method = loader.multiprocessing_context
        if method is None and sys.platform.startswith("linux"):
            method = "fork"  # no pickling of the dataset, collate_fn or worker_init_fn
        ctx = multiprocessing.get_context(method) if not hasattr(method, "Process") else method
        n = loader.num_workers
        base = _base_seed(loader.generator)
        self._data_queue = ctx.Queue()
        self._index_queues, self._workers = [], []
        for wid in range(n):
            q = ctx.Queue()
            w = ctx.Process(target=worker_loop, daemon=True, args=(
                loader.dataset, loader._iterable, loader._auto_collation, loader.collate_fn,
                loader.batch_size, loader.drop_last, loader._fast(), q, self._data_queue,
                base + wid, loader.worker_init_fn, wid, n))
            w.start()
            self._index_queues.append(q)
            self._workers.append(w)
        self._closed = False
        self._finalizer = weakref.finalize(self, _shutdown, self._workers, self._index_queues,
                                           self._data_queue)
        self._epoch = 0
        self._reset(first=True)

    def _reset(self, first: bool = False) -> None:
        self._epoch += 1
        n = self._loader.num_workers
        self._send_idx = self._rcvd_idx = 0
        self._task_worker: dict[int, int] = {}
        self._results: dict[int, Any] = {}
        self._active = [True] * n
        self._cycle = itertools.cycle(range(n))
        self._tasks = None if self._loader._iterable else self._loader._index_iter()
        if self._loader._iterable and not first:
            for q in self._index_queues:
                q.put(("reset", self._epoch, None, None))
        for _ in range(self._loader.prefetch_factor * n):
            self._put_task()

    def _put_task(self) -> None:
        if self._tasks is not None:
            try:
                indices = next(self._tasks)
            except StopIteration:
                return
        else:
            indices = None
        for _ in range(len(self._workers)):
            wid = next(self._cycle)
            if self._active[wid]:
                break
        else:
            return
        self._index_queues[wid].put(("fetch", self._epoch, self._send_idx, indices))
        self._task_worker[self._send_idx] = wid
        self._send_idx += 1

    def _get(self):
        timeout = self._loader.timeout
        start = time.monotonic()
        while True:
            try:
                return self._data_queue.get(timeout=min(timeout, 1.0) if timeout else 1.0)
            except queue.Empty:
                if timeout and time.monotonic() - start >= timeout:
                    self.close(force=True)
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None
                dead = [w.pid for w in self._workers if not w.is_alive()]
                if dead:
                    self.close(force=True)
                    raise RuntimeError(f"DataLoader worker (pid(s) {dead}) exited "
                                       f"unexpectedly") from None

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            while self._rcvd_idx < self._send_idx:
                wid = self._task_worker[self._rcvd_idx]
                if self._rcvd_idx in self._results or self._active[wid]:
                    break
                del self._task_worker[self._rcvd_idx]  # its worker's stream ended: skip
                self._rcvd_idx += 1
            else:
                self._end_epoch()
                raise StopIteration
            if self._rcvd_idx in self._results:
                data = self._results.pop(self._rcvd_idx)
                del self._task_worker[self._rcvd_idx]
                self._rcvd_idx += 1
                self._put_task()
                if isinstance(data, WorkerError):
                    self.close(force=True)
                    data.reraise()
                return unpack(data)
            epoch, idx, payload = self._get()
            if epoch != self._epoch or idx < self._rcvd_idx:
                continue  # left over from an epoch that was not run to the end
            data = pickle.loads(payload)
            if isinstance(data, StopMarker):
                self._active[data.worker_id] = False
                self._put_task()
                continue
            self._results[idx] = data

    def __len__(self) -> int:
        return len(self._loader)

    def _end_epoch(self) -> None:
        if not self._loader.persistent_workers:
            self.close()

    def close(self, force: bool = False) -> None:
        """Stop the workers (done at the end of the epoch, unless they persist); ``force``
        terminates them at once (after an error or a timeout)."""
        if not self._closed:
            self._closed = True
            if force:
                for w in self._workers:
                    w.terminate()
            self._finalizer()
