"""Activation modules: each is a line or two over its function form (``ops/activation.py``).

Arguments, defaults and ``repr`` as PyTorch's (``nn.LeakyReLU(0.2)`` prints
``LeakyReLU(negative_slope=0.2)``).  ``inplace`` is accepted for compatibility
and ignored: the result is always a new tensor.
"""

from __future__ import annotations

from ..ops import activation as A
from .module import Module


class _Activation(Module):
    """An activation with keyword options: stores them, passes them on, prints them."""

    fn = None  # the function form, set by each subclass
    options: tuple = ()  # the names of its keyword options, in PyTorch's repr order

    def __init__(self, *args, **kwargs):
        super().__init__()
        names = list(self.options)
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__}: takes at most {len(names)} positional "
                            f"arguments, got {len(args)}")
        values = dict(zip(names, args))
        for k, v in kwargs.items():
            if k not in names and k != "inplace":
                raise TypeError(f"{type(self).__name__}: unexpected argument {k!r}")
            if k in values:
                raise TypeError(f"{type(self).__name__}: got {k!r} twice")
            values[k] = v
        self.inplace = bool(values.pop("inplace", False))
        for k in names:
            if k != "inplace":
                setattr(self, k, values.get(k, self.defaults[k]))

    defaults: dict = {}

    def forward(self, input):
        return type(self).fn(input, **{k: getattr(self, k) for k in self.options
                                       if k != "inplace"})

    def extra_repr(self) -> str:
        parts = [f"{k}={getattr(self, k)!r}" if isinstance(getattr(self, k), str)
                 else f"{k}={getattr(self, k)}" for k in self.options if k != "inplace"]
        if self.inplace:
            parts.append("inplace=True")
        return ", ".join(parts)


def _make(name: str, fn, options: dict, doc: str) -> type:
    cls = type(name, (_Activation,), {
        "fn": staticmethod(fn), "options": tuple(options), "defaults": dict(options),
        "__doc__": doc, "__module__": __name__, "__qualname__": name,
    })
    return cls


LeakyReLU = _make("LeakyReLU", A.leaky_relu, {"negative_slope": 0.01, "inplace": False},
                  "x for x > 0, negative_slope·x otherwise.")
ELU = _make("ELU", A.elu, {"alpha": 1.0, "inplace": False}, "x for x > 0, α(eˣ − 1) otherwise.")
SELU = _make("SELU", A.selu, {"inplace": False}, "Scaled ELU with the self-normalising α, scale.")
CELU = _make("CELU", A.celu, {"alpha": 1.0, "inplace": False},
             "x for x > 0, α(e^(x/α) − 1) otherwise.")
GELU = _make("GELU", A.gelu, {"approximate": "none"},
             "x·Φ(x); approximate='tanh' for the tanh approximation.")
SiLU = _make("SiLU", A.silu, {"inplace": False}, "x·σ(x) (swish).")
Mish = _make("Mish", A.mish, {"inplace": False}, "x·tanh(softplus(x)).")
Softplus = _make("Softplus", A.softplus, {"beta": 1.0, "threshold": 20.0},
                 "(1/β)·log(1 + e^(βx)), linear where βx > threshold.")
Softsign = _make("Softsign", A.softsign, {}, "x / (1 + |x|).")
Hardtanh = _make("Hardtanh", A.hardtanh, {"min_val": -1.0, "max_val": 1.0, "inplace": False},
                 "Clamp into [min_val, max_val].")
ReLU6 = _make("ReLU6", A.relu6, {"inplace": False}, "min(max(x, 0), 6).")
Hardsigmoid = _make("Hardsigmoid", A.hardsigmoid, {"inplace": False}, "relu6(x + 3) / 6.")
Hardswish = _make("Hardswish", A.hardswish, {"inplace": False}, "x·relu6(x + 3) / 6.")
LogSigmoid = _make("LogSigmoid", A.logsigmoid, {}, "log σ(x), stable for any x.")
Softmin = _make("Softmin", A.softmin, {"dim": None}, "softmax(−x) along dim.")

__all__ = [
    "CELU", "ELU", "GELU", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid",
    "Mish", "ReLU6", "SELU", "SiLU", "Softmin", "Softplus", "Softsign",
]
