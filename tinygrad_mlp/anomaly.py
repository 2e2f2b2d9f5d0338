"""Anomaly mode, as ``torch.autograd.detect_anomaly``: find the op that made the first NaN.

    with tm.autograd.detect_anomaly():
        loss = model(x).log().mean()     # RuntimeError here if an op's output holds NaN/inf
        loss.backward()                  # ... or here, naming the op whose gradient did

    tm.autograd.set_detect_anomaly(True)  # the same, until set_detect_anomaly(False)

While the mode is on, every op node records the line of user code that created
it (the innermost frame outside this package), and

* forward: an op whose output holds NaN or ±inf raises RuntimeError naming
  the op, its input and output shapes, which inputs were already non-finite,
  and that line;
* backward: an op whose backward returns a gradient holding NaN or ±inf
  raises RuntimeError "Function 'XBackward' returned nan values in its 0th
  output" (PyTorch's words) with the shapes and the line that created the op.

``check_nan=False`` records the lines but checks nothing (as in PyTorch). The
mode is global (all threads), like PyTorch's. Normal speed is untouched: the
mode swaps a checking ``Function.apply`` in while it is on and the original
back when it is off, and checked nodes get a subclass whose ``backward``
checks; nothing in the engine tests a flag per op.
"""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
import threading

from .autograd import Function
from .backend import xp

__all__ = ["detect_anomaly", "is_anomaly_check_nan_enabled", "is_anomaly_enabled",
           "set_detect_anomaly"]

_PKG_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_ORIGINAL_APPLY = Function.__dict__["apply"]
_STACK_FRAMES = 6  # user frames kept per op node (innermost first)
_lock = threading.Lock()
_state = {"enabled": False, "check_nan": True}
_checked_classes: dict[type, type] = {}


def is_anomaly_enabled() -> bool:
    """Whether anomaly mode is on."""
    return _state["enabled"]


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly mode checks values for NaN/inf (``check_nan``)."""
    return _state["check_nan"]


def _set(enabled: bool, check_nan: bool) -> None:
    with _lock:
        _state["enabled"] = bool(enabled)
        _state["check_nan"] = bool(check_nan)
        Function.apply = classmethod(_checked_apply) if enabled else _ORIGINAL_APPLY


class set_detect_anomaly:  # noqa: N801 - PyTorch's name (a function-like class)
    """Turn anomaly mode on or off: ``set_detect_anomaly(True)``; also a context
    manager that restores the previous mode on exit, as PyTorch's."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.prev = (_state["enabled"], _state["check_nan"])
        _set(mode, check_nan)

    def __enter__(self) -> set_detect_anomaly:
        return self

    def __exit__(self, *exc) -> None:
        _set(*self.prev)


class detect_anomaly(contextlib.ContextDecorator):  # noqa: N801 - PyTorch's name
    """Context manager (or decorator) running its body in anomaly mode; the previous
    mode is restored on exit. ``check_nan=False`` only records where ops were made."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._prev: list = []

    def __enter__(self) -> detect_anomaly:
        self._prev.append((_state["enabled"], _state["check_nan"]))
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc) -> None:
        _set(*self._prev.pop())


# ------------------------------------------------------------------ recording
def _user_stack() -> tuple:
    """(filename, lineno, function) of the innermost frames outside this package."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename.startswith(_PKG_DIR):
        f = f.f_back
    frames = []
    while f is not None and len(frames) < _STACK_FRAMES:
        frames.append((f.f_code.co_filename, f.f_lineno, f.f_code.co_name))
        f = f.f_back
    return tuple(frames)


def where(node) -> str:
    """'file:line in function: source' of the user code that created ``node`` (anomaly
    mode only; '' when it was created with the mode off)."""
    stack = node.__dict__.get("_anomaly_stack") if hasattr(node, "__dict__") else None
    if not stack:
        return ""
    return _describe(stack[0])


def _describe(frame: tuple) -> str:
    filename, lineno, func = frame
    source = linecache.getline(filename, lineno).strip()
    return f"{filename}:{lineno} in {func}" + (f": {source}" if source else "")


def _traceback(node) -> str:
    stack = node.__dict__.get("_anomaly_stack") or ()
    lines = [f'  File "{f}", line {n}, in {fn}' for f, n, fn in reversed(stack)]
    return "\n".join(["Traceback of the forward call that created the op:", *lines])


def _bad(arr) -> str | None:
    """'nan', 'inf' or None for an array (or a Tensor) that is all finite / not float."""
    a = arr if isinstance(arr, xp.ndarray) else getattr(arr, "data", arr)
    if not isinstance(a, (xp.ndarray, xp.generic)) or a.dtype.kind not in "fc":
        return None
    if xp.isfinite(a).all():
        return None
    return "nan" if xp.isnan(a).any() else "inf"


def _shapes(items) -> str:
    return ", ".join(str(getattr(t, "shape", "?")) for t in items)


def _checked_apply(cls, *tensors, **params):
    with xp.errstate(all="ignore"):  # the check below says more than NumPy's warning
        out = _ORIGINAL_APPLY.__func__(cls, *tensors, **params)
    node = out._ctx
    if node is not None:
        node.__dict__["_anomaly_stack"] = _user_stack()
        if type(node) is cls:
            node.__class__ = _checked_class(cls)
    if _state["check_nan"]:
        kind = _bad(out.data)
        if kind is not None:
            before = [f"input {i} already held {k}" for i, t in enumerate(tensors)
                      if (k := _bad(t.data)) is not None]
            made = "; ".join(before) if before else "all its inputs were finite"
            line = where(node) if node is not None else _where_now()
            raise RuntimeError(
                f"anomaly mode: op '{cls.name()}' produced {kind} values in its forward "
                f"output of shape {out.shape} (input shapes {_shapes(tensors)}; {made}); "
                f"the op was called at {line}")
    return out


def _where_now() -> str:
    stack = _user_stack()
    return _describe(stack[0]) if stack else "?"


def _checked_backward(self, g, out, *inputs):
    with xp.errstate(all="ignore"):
        grads = super(type(self), self).backward(g, out, *inputs)
    if _state["check_nan"]:
        for i, gi in enumerate(grads):
            kind = _bad(gi) if gi is not None else None
            if kind is None:
                continue
            incoming = _bad(g)
            note = (f"the gradient flowing in already held {incoming}" if incoming
                    else "the gradient flowing in was finite")
            raise RuntimeError(
                f"Function '{type(self).__name__}Backward' returned {kind} values in its "
                f"{i}th output (the gradient of shape {getattr(gi, 'shape', '?')} for input "
                f"{i}; op inputs {_shapes(inputs)}, output {getattr(out, 'shape', '?')}; "
                f"{note}). The op was created at {where(self) or '?'}\n{_traceback(self)}")
    return grads


def _checked_class(cls: type) -> type:
    """``cls`` with a checking ``backward``: same name, same (empty) slots, so a node's
    ``__class__`` can be switched to it."""
    checked = _checked_classes.get(cls)
    if checked is None:
        checked = type(cls.__name__, (cls,), {
            "__slots__": (), "backward": _checked_backward, "__module__": cls.__module__,
            "__qualname__": cls.__qualname__, "__doc__": cls.__doc__,
        })
        _checked_classes[cls] = checked
    return checked
