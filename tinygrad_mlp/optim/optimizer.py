"""``Optimizer``: the base class that holds parameters, hyperparameters and per-parameter state.

Updates work on ``p.data`` in place with NumPy (no Tensor ops, no graph), so a
step costs a few array operations per parameter.

``state_dict()`` is a nested dict of numbers and ndarrays only, ready for
``tinygrad_mlp.save`` (``.npz``)::

    {"hyperparams": {"lr": 0.1, "momentum": 0.9, ...},
     "num_params": 4,
     "state": {"0": {"momentum_buffer": ndarray}, "1": {...}, ...}}

Per-parameter state is keyed by the parameter's index (as a string).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..tensor import Tensor


def _number(x, opname: str, name: str) -> float:
    """A Python float from a number or a 0-d array (as a loaded .npz gives back)."""
    try:
        return float(np.asarray(x).item())
    except (TypeError, ValueError):
        raise TypeError(f"{opname}: hyperparameter {name!r} must be a number, got {x!r}") from None


class Optimizer:
    """Base class: subclasses set their hyperparameters and define ``_update``.

    ``params`` is an iterable of Parameters (e.g. ``model.parameters()``).
    Hyperparameters are attributes; ``lr`` may be changed at any time (schedulers do).
    """

    #: Names of the hyperparameters saved by ``state_dict`` (set by subclasses).
    hyperparam_names: tuple[str, ...] = ("lr",)

    def __init__(self, params: Iterable[Tensor]):
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params must be an iterable of Parameters (e.g. "
                            f"model.parameters()), got a single {type(params).__name__}")
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty parameter list")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a "
                                f"Parameter/Tensor")
            if not p.requires_grad:
                raise ValueError(f"{name}: parameter {i} (shape {p.shape}) does not require "
                                 f"grad, so it can never be updated")
            if id(p) in seen:  # identity, not ==: Tensor.__eq__ is elementwise
                raise ValueError(f"{name}: parameter {i} (shape {p.shape}) appears twice")
            seen.add(id(p))
        #: Per-parameter state, keyed by parameter index.
        self.state: dict[int, dict] = {}

    # ------------------------------------------------------------------ lr
    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        value = _number(value, type(self).__name__, "lr")
        if not value >= 0:
            raise ValueError(f"{type(self).__name__}: lr must be >= 0, got {value}")
        self._lr = value

    # ---------------------------------------------------------------- steps
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``grad = None``), or zero them in place."""
        for p in self.params:
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data[...] = 0

    def step(self) -> None:
        """Update every parameter that has a gradient (those with ``grad None`` are skipped)."""
        for i, p in enumerate(self.params):
            if p.grad is None:
                continue
            g = p.grad.data
            if g.shape != p.data.shape:
                raise ValueError(f"{type(self).__name__}.step: parameter {i} has shape "
                                 f"{p.shape} but its gradient has shape {g.shape}")
            self._update(p.data, g, self.state.setdefault(i, {}))

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict) -> None:  # pragma: no cover
        raise NotImplementedError(f"{type(self).__name__}._update is abstract")

    # ---------------------------------------------------------------- state
    def hyperparams(self) -> dict:
        """The hyperparameters as plain numbers, keyed by ``hyperparam_names``."""
        return {k: getattr(self, k) for k in self.hyperparam_names}

    def _set_hyperparams(self, **values) -> None:
        """Validate and set hyperparameters (subclasses coerce types, e.g. bools)."""
        for k, v in values.items():
            setattr(self, k, v)

    def state_dict(self) -> dict:
        """{'hyperparams': {...}, 'num_params': n, 'state': {'i': {...}}} (arrays copied)."""
        state = {}
        for i, s in self.state.items():
            if s:
                state[str(i)] = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                 for k, v in s.items()}
        return {"hyperparams": self.hyperparams(), "num_params": len(self.params),
                "state": state}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and per-parameter state saved by ``state_dict``.

        Raises ValueError, before changing anything, when the state belongs to
        another optimizer type, another number of parameters, or other shapes.
        """
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or "hyperparams" not in state_dict:
            raise ValueError(f"{name}: expected a dict with 'hyperparams' (and 'state'), got "
                             f"keys {list(state_dict) if isinstance(state_dict, dict) else '?'}")
        hp = state_dict["hyperparams"]
        if set(hp) != set(self.hyperparam_names):
            raise ValueError(f"{name}: the state has hyperparameters {sorted(hp)} but "
                             f"{type(self).__name__} has {sorted(self.hyperparam_names)} "
                             f"(state of another optimizer type?)")
        n = state_dict.get("num_params", len(self.params))
        if int(np.asarray(n)) != len(self.params):
            raise ValueError(f"{name}: the state is for {int(np.asarray(n))} parameters, this "
                             f"optimizer has {len(self.params)}")
        new_state: dict[int, dict] = {}
        for key, s in (state_dict.get("state") or {}).items():
            try:
                i = int(key)
            except ValueError:
                raise ValueError(f"{name}: state key {key!r} is not a parameter index") from None
            if not 0 <= i < len(self.params):
                raise ValueError(f"{name}: state for parameter {i}, but there are only "
                                 f"{len(self.params)} parameters")
            p = self.params[i]
            entry = {}
            for k, v in s.items():
                arr = np.asarray(v)
                if arr.ndim == 0:
                    entry[k] = arr.item()
                    continue
                if arr.shape != p.shape:
                    raise ValueError(f"{name}: state {k!r} of parameter {i} has shape "
                                     f"{arr.shape}, the parameter has shape {p.shape}")
                entry[k] = arr.astype(p.dtype, copy=True)
            new_state[i] = entry
        self._set_hyperparams(**{k: _number(hp[k], name, k) for k in self.hyperparam_names})
        self.state = new_state

    def __repr__(self) -> str:
        hp = ", ".join(f"{k}={v}" for k, v in self.hyperparams().items())
        return f"{type(self).__name__}({len(self.params)} parameters, {hp})"
