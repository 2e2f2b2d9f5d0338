"""Grad mode: whether ops record the graph, per thread (``no_grad``, ``enable_grad``)."""

from __future__ import annotations

import functools
import inspect
import threading

__all__ = ["enable_grad", "is_grad_enabled", "no_grad"]


class _GradState(threading.local):
    """Grad mode, per thread; class attributes are each new thread's defaults."""

    enabled = True
    stack = None  # previous modes, pushed by ``no_grad``/``enable_grad``


_state = _GradState()


def is_grad_enabled() -> bool:
    """Whether ops currently record the graph (False inside ``no_grad``)."""
    return _state.enabled


class _GradMode:
    """Context manager and decorator that sets grad mode, restoring it afterwards."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __enter__(self):
        # The stack of previous modes is per thread, like the mode itself, so one
        # shared ``no_grad()`` object can be entered from several threads.
        stack = _state.stack
        if stack is None:
            stack = _state.stack = []
        stack.append(is_grad_enabled())
        _state.enabled = self.enabled
        return self

    def __exit__(self, *exc):
        _state.enabled = _state.stack.pop()
        return False

    def __call__(self, fn):
        enabled = self.enabled
        if inspect.isgeneratorfunction(fn):
            # The body of a generator runs at each next(), not at the call:
            # hold the mode only while it runs, as PyTorch does.
            @functools.wraps(fn)
            def generator(*args, **kwargs):
                gen = fn(*args, **kwargs)
                sent = None
                while True:
                    with _GradMode(enabled):
                        try:
                            item = gen.send(sent)
                        except StopIteration as stop:
                            return stop.value
                    sent = yield item

            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _GradMode(enabled):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Build no graph inside: ``with tm.no_grad(): ...``, ``@tm.no_grad()`` or ``@tm.no_grad``."""

    def __new__(cls, fn=None):
        if fn is not None:  # used as a bare decorator
            return cls()(fn)
        return super().__new__(cls)

    def __init__(self, fn=None):
        super().__init__(False)


class enable_grad(_GradMode):
    """Record the graph again inside a ``no_grad`` block (also as a decorator)."""

    def __new__(cls, fn=None):
        if fn is not None:
            return cls()(fn)
        return super().__new__(cls)

    def __init__(self, fn=None):
        super().__init__(True)
