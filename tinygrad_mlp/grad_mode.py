"""Grad mode: whether ops record the graph, per thread (``no_grad``, ``enable_grad``,
``set_grad_enabled``, ``inference_mode``)."""

from __future__ import annotations

import functools
import inspect
import threading

__all__ = ["enable_grad", "inference_mode", "is_grad_enabled", "is_inference_mode_enabled",
           "no_grad", "set_grad_enabled"]


class _GradState(threading.local):
    """Grad mode, per thread; class attributes are each new thread's defaults."""

    enabled = True
    inference = False
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


class set_grad_enabled(_GradMode):
    """``set_grad_enabled(False)``: grad mode off at once (a function call, as in
    PyTorch) or for a ``with`` block / decorated function, restored afterwards."""

    def __init__(self, mode: bool):
        super().__init__(bool(mode))
        # Called as a plain function, it takes effect immediately.
        self._prev = _state.enabled
        _state.enabled = bool(mode)

    def __enter__(self):
        stack = _state.stack
        if stack is None:
            stack = _state.stack = []
        stack.append(self._prev)
        _state.enabled = self.enabled
        return self

    def __call__(self, fn):
        _state.enabled = self._prev  # used as a decorator: undo the immediate effect
        return _GradMode(self.enabled)(fn)


class inference_mode(_GradMode):
    """``no_grad`` for inference (PyTorch's ``inference_mode``): no graph is built.
    ``inference_mode(False)`` leaves grad mode as it is.  Also a decorator."""

    def __new__(cls, mode=True):
        if callable(mode):  # used as a bare decorator
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)
        super().__init__(False if mode else None)

    def __enter__(self):
        stack = _state.stack
        if stack is None:
            stack = _state.stack = []
        stack.append(_state.enabled)
        stack.append(_state.inference)
        if self.mode:
            _state.enabled = False
            _state.inference = True
        return self

    def __exit__(self, *exc):
        _state.inference = _state.stack.pop()
        _state.enabled = _state.stack.pop()
        return False

    def __call__(self, fn):
        mode = self.mode
        if not mode:
            return fn
        if inspect.isgeneratorfunction(fn):
            return _GradMode(False)(fn)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with inference_mode(mode):
                return fn(*args, **kwargs)

        return wrapper


def is_inference_mode_enabled() -> bool:
    """Whether an ``inference_mode()`` block is active."""
    return _state.inference
