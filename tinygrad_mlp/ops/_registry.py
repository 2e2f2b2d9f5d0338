"""The tables that give ``Tensor`` its methods and ``tinygrad_mlp`` its functions.

An op module defines each op once — its ``Function`` and a function form — and
marks the function form with the names it is known by::

    @tensor_method("log1p")          # x.log1p()
    @tm_function("log1p")            # tm.log1p(x)
    def log1p(x): return Log1p.apply(_t(x))

``bind(Tensor)`` (called once, from ``tensor.py``) installs ``METHODS`` on the
class; ``tinygrad_mlp/__init__.py`` exports ``FUNCTIONS``.  A name defined twice
is an error at import time, so one op lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable

#: Tensor method name -> function (``self`` first).
METHODS: dict[str, Callable] = {}
#: ``tinygrad_mlp.<name>`` -> function.
FUNCTIONS: dict[str, Callable] = {}


def _register(table: dict, kind: str, names: tuple, fn: Callable) -> Callable:
    for name in names or (fn.__name__,):
        if name in table and table[name] is not fn:
            raise RuntimeError(f"{kind} {name!r} is defined twice "
                               f"({table[name].__module__} and {fn.__module__})")
        table[name] = fn
    return fn


def tensor_method(*names: str) -> Callable[[Callable], Callable]:
    """Decorator: make ``fn`` the Tensor method(s) ``names`` (default: its own name)."""
    return lambda fn: _register(METHODS, "Tensor method", names, fn)


def tm_function(*names: str) -> Callable[[Callable], Callable]:
    """Decorator: export ``fn`` as ``tinygrad_mlp.<name>`` for each of ``names``."""
    return lambda fn: _register(FUNCTIONS, "tinygrad_mlp function", names, fn)


def bind(cls: type) -> None:
    """Install every registered method on ``cls`` (a method in the class body may not clash)."""
    for name, fn in METHODS.items():
        if name in cls.__dict__:
            raise RuntimeError(f"Tensor.{name} is defined in the class body and in "
                               f"{fn.__module__}: define it in one place")
        setattr(cls, name, fn)
