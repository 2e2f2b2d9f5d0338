"""``default_collate``: samples → one batch, by PyTorch's rules; ``default_convert`` for
``batch_size=None``.

    default_collate([(x0, 3), (x1, 5)])  ->  [Tensor stack (2, ...), Tensor([3, 5]) int64]

Rules (those of ``torch.utils.data.default_collate``): Tensors and ndarrays are
stacked along a new first axis; Python floats become a float64 Tensor, ints an
int64 Tensor, bools a bool Tensor, NumPy scalars a Tensor of their dtype;
strings and bytes stay as given (a list, or a tuple inside a sequence); a dict
is collated key by key, a namedtuple field by field, a tuple or list position
by position (a tuple gives a list, as in PyTorch). Anything else, or items that
disagree (another type, another shape, another length, a missing key), raises
``CollateError`` naming the item's position in the batch and the field, e.g.
``[1]['label']``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..creation import from_numpy
from ..ops.shape import stack
from ..tensor import Tensor

__all__ = ["CollateError", "default_collate", "default_convert"]


class CollateError(TypeError, RuntimeError):
    """A batch that cannot be collated. Both a TypeError and a RuntimeError, the two
    types PyTorch raises for these cases. ``item`` is the position in the batch of
    the item at fault and ``field`` the path to the field (``''`` for the sample)."""

    def __init__(self, message: str, item: int | None = None, field: str = ""):
        super().__init__(message)
        self.item = item
        self.field = field


def _fail(reason: str, item: int | None, field: str) -> CollateError:
    where = f"field {field} of " if field else ""
    at = f"batch item {item}" if item is not None else "the batch"
    return CollateError(f"default_collate: cannot collate {where}{at}: {reason}", item, field)


def _type_name(x: Any) -> str:
    return type(x).__name__


def _check_same_kind(batch: Sequence, kind: type | tuple, field: str) -> None:
    for j, b in enumerate(batch):
        if not isinstance(b, kind):
            raise _fail(f"it is a {_type_name(b)} but item 0 is a {_type_name(batch[0])}", j,
                        field)


def _stack_arrays(arrays: list[np.ndarray], field: str) -> np.ndarray:
    shape0 = arrays[0].shape
    for j, a in enumerate(arrays):
        if a.shape != shape0:
            raise _fail(f"it has shape {a.shape} but item 0 has shape {shape0} (stack expects "
                        f"each tensor to be equal size)", j, field)
    return np.stack(arrays)


def _collate(batch: Sequence, field: str) -> Any:
    elem = batch[0]
    if isinstance(elem, Tensor):
        _check_same_kind(batch, Tensor, field)
        out = from_numpy(_stack_arrays([b.data for b in batch], field))
        if any(b.requires_grad for b in batch):  # keep the graph, as torch.stack does
            return stack(list(batch))
        return out
    if isinstance(elem, np.ndarray):
        _check_same_kind(batch, np.ndarray, field)
        for j, b in enumerate(batch):
            if b.dtype.kind in "SUaO":
                raise _fail(f"its array has dtype {b.dtype}; default_collate: batch must "
                            f"contain tensors, numpy arrays, numbers, dicts or lists", j, field)
        return from_numpy(_stack_arrays(list(batch), field))
    if isinstance(elem, np.generic):
        _check_same_kind(batch, (np.generic, int, float), field)
        return from_numpy(np.asarray(batch))
    if isinstance(elem, bool):
        _check_same_kind(batch, (bool, np.bool_), field)
        return from_numpy(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, float):
        _check_same_kind(batch, (int, float), field)
        return from_numpy(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, int):
        _check_same_kind(batch, (int, float), field)
        arr = np.asarray(batch)
        return from_numpy(arr.astype(np.int64 if arr.dtype.kind in "iub" else np.float32))
    if isinstance(elem, (str, bytes)):
        return batch  # as given: a list at the top, a tuple inside a transposed sequence
    if isinstance(elem, Mapping):
        _check_same_kind(batch, Mapping, field)
        for j, b in enumerate(batch):
            missing = [k for k in elem if k not in b]
            if missing:
                raise _fail(f"it has no key {missing[0]!r} (item 0 has keys {list(elem)})", j,
                            field)
        out = {k: _collate([b[k] for b in batch], f"{field}[{k!r}]") for k in elem}
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        _check_same_kind(batch, tuple, field)
        _check_lengths(batch, field)
        return type(elem)(*(_collate(s, f"{field}.{name}")
                            for name, s in zip(elem._fields, zip(*batch))))
    if isinstance(elem, Sequence):
        _check_same_kind(batch, Sequence, field)
        _check_lengths(batch, field)
        out = [_collate(s, f"{field}[{i}]") for i, s in enumerate(zip(*batch))]
        if isinstance(elem, tuple):
            return out
        try:
            return type(elem)(out)
        except TypeError:
            return out
    raise _fail(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                f"or lists; found {type(elem)}", 0, field)


def _check_lengths(batch: Sequence, field: str) -> None:
    n0 = len(batch[0])
    for j, b in enumerate(batch):
        if len(b) != n0:
            raise _fail(f"it has {len(b)} elements but item 0 has {n0} (each element in list "
                        f"of batch should be of equal size)", j, field)


def default_collate(batch: Sequence) -> Any:
    """Merge a list of samples into a batch (see the module docstring for the rules)."""
    if len(batch) == 0:
        raise CollateError("default_collate: the batch is empty")
    return _collate(batch, "")


def default_convert(data: Any) -> Any:
    """One sample as the loader gives it with ``batch_size=None``: ndarrays and NumPy scalars
    become Tensors, containers are converted inside, everything else is left alone."""
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "SUaO" else from_numpy(data)
    if isinstance(data, np.generic):
        return from_numpy(np.asarray(data))
    if isinstance(data, Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data
