"""The recording switch that ``tm.compile`` turns on while it records a step.

The engine and the library look at ``ACTIVE`` (None almost always: one attribute
read) at the few places a recorder must see: an op is applied, a tensor is
made, backward runs, an optimizer steps, or Python reads a tensor's value.
The recorder itself lives in ``replay.py``; this module only holds the
switch, so that the engine does not import the recorder.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

#: The ``replay.Recorder`` now recording, or None.
ACTIVE = None


def refuse(reason: str) -> None:
    """Tell the active recorder that this step cannot be replayed, and why.

    Called where Python reads tensor values (``item``, ``bool``, ``tolist``…),
    draws random numbers, or keeps state the op graph does not show (running
    statistics, hooks): a replay would silently skip that work.
    """
    rec = ACTIVE
    if rec is not None and not rec.opaque:
        rec.refuse(reason)


def recorded_call(method: Callable | None = None, *, idempotent: bool = False) -> Callable:
    """Decorator for methods that a replay calls again as they are (``Optimizer.step``);
    ``idempotent=True`` for those that may safely run twice (``zero_grad``)."""
    if method is None:
        return functools.partial(recorded_call, idempotent=idempotent)

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        rec = ACTIVE
        if rec is None:
            return method(self, *args, **kwargs)
        if any(callable(a) for a in (*args, *kwargs.values())):
            rec.refuse(f"{type(self).__name__}.{method.__name__} with a closure")
        return rec.call(functools.partial(method, self), args, kwargs, idempotent)

    return wrapper
