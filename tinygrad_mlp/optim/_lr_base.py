"""``LRScheduler``: PyTorch's base class of the learning-rate schedules.

A scheduler changes ``optimizer.param_groups[i]['lr']``. Made with
``last_epoch=-1`` (the default) it records each group's lr as
``group['initial_lr']`` (its ``base_lrs``) and takes one step at once, to
epoch 0, as PyTorch does; afterwards call ``step()`` once per epoch (or per
batch, for the cyclic schedules), after ``optimizer.step()``.

``get_lr()`` is the *recursive* form — the new lr from the group's current lr
— so several schedulers on one optimizer compose (each multiplies in its
factor); ``_get_closed_form_lr()``, where a schedule has one, is used by
``step(epoch)``. ``state_dict()`` is every attribute but the optimizer (plain
numbers and lists, so ``tm.save`` can write it); ``load_state_dict`` puts them
back and, as in PyTorch, leaves the optimizer alone (load its state too).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._trace import recorded_call
from .optimizer import Optimizer

__all__ = ["LRScheduler", "format_param", "plain_state"]


def format_param(name: str, optimizer: Optimizer, param) -> list:
    """One value per parameter group: a list/tuple as given (its length checked) or a repeat."""
    if isinstance(param, (list, tuple)):
        if len(param) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(param)} values, param_groups has "
                             f"{len(optimizer.param_groups)}.")
        return list(param)
    return [param] * len(optimizer.param_groups)


def plain_state(value: Any) -> Any:
    """0-d arrays and NumPy scalars (as ``tm.load`` gives back) to Python numbers, recursively."""
    if isinstance(value, np.ndarray):
        return value.item() if value.ndim == 0 else [plain_state(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: plain_state(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain_state(v) for v in value)
    return value


class LRScheduler:
    """Base class: subclasses define ``get_lr()`` (the lrs for epoch ``self.last_epoch``)."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an "
                            f"Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   f"when resuming scheduler with last_epoch >= 0 (load the "
                                   f"optimizer's state_dict first)")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """The step at construction: to epoch ``last_epoch + 1`` (0 for a fresh schedule)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.get_lr is abstract")

    def get_last_lr(self) -> list[float]:
        """The lr of every parameter group after the last ``step()`` (a list, one per group)."""
        return self._last_lr

    @recorded_call
    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch``, deprecated in PyTorch) and set the lrs."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn("Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
                          "Call them in the opposite order: `optimizer.step()` before "
                          "`lr_scheduler.step()`, or the first value of the learning rate "
                          "schedule is skipped (as in PyTorch).", UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn("The epoch parameter in `scheduler.step()` was not necessary and is "
                          "being deprecated where possible (as in PyTorch). Please use "
                          "`scheduler.step()` to step the scheduler.", UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _group_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    # --------------------------------------------------------------- state
    #: Attributes that are not state (callables): left out of ``state_dict``.
    _not_state: tuple[str, ...] = ("optimizer",)

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer (and functions), as PyTorch's."""
        return {k: v for k, v in self.__dict__.items() if k not in self._not_state}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by ``state_dict`` (also after ``tm.save``/``tm.load``,
        or from a torch scheduler of the same class). Raises ValueError when settings of
        this schedule are missing (the state of another schedule)."""
        mine = {k for k in self.state_dict() if not k.startswith("_")}
        missing = sorted(mine - set(state_dict))
        if missing:
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state has no "
                             f"{missing} (state of another schedule?); got keys "
                             f"{sorted(state_dict)}")
        self.__dict__.update({k: plain_state(v) for k, v in state_dict.items()
                              if k not in self._not_state})

    def __repr__(self) -> str:
        cfg = ", ".join(f"{k}={v!r}" for k, v in self.state_dict().items()
                        if not k.startswith("_") and k not in ("base_lrs", "last_epoch"))
        return f"{type(self).__name__}({cfg}, base_lrs={self.base_lrs}, " \
               f"last_epoch={self.last_epoch})"
