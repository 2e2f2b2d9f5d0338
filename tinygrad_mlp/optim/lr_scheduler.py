"""Learning-rate schedules: call ``scheduler.step()`` once per epoch, after training it.

Each schedule is a closed form of the epoch count ``last_epoch`` and the
optimizer's lr when the scheduler was made (``base_lr``), so resuming from a
``state_dict`` gives exactly the same rates.
"""

from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses define ``get_lr()`` for epoch ``self.last_epoch``."""

    #: Settings saved by ``state_dict`` beside ``base_lr`` and ``last_epoch``.
    config_names: tuple[str, ...] = ()

    def __init__(self, optimizer: Optimizer):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: expected an Optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        self.base_lr = optimizer.lr
        self.last_epoch = 0
        optimizer.lr = self.get_lr()

    def get_lr(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.get_lr is abstract")

    def step(self) -> float:
        """Advance one epoch and set the optimizer's lr; returns the new lr."""
        self.last_epoch += 1
        self.optimizer.lr = self.get_lr()
        return self.optimizer.lr

    def get_last_lr(self) -> float:
        """The lr the optimizer is using now (one number: optimizers have one lr)."""
        return self.optimizer.lr

    def state_dict(self) -> dict:
        """Numbers only: {'base_lr', 'last_epoch', and the schedule's settings}."""
        d = {"base_lr": self.base_lr, "last_epoch": self.last_epoch}
        d.update({k: getattr(self, k) for k in self.config_names})
        return d

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the epoch count and settings, and set the optimizer's lr to match."""
        expected = {"base_lr", "last_epoch", *self.config_names}
        if set(state_dict) != expected:
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected keys "
                             f"{sorted(expected)}, got {sorted(state_dict)} (state of another "
                             f"schedule?)")
        for k in self.config_names:
            setattr(self, k, np.asarray(state_dict[k]).item())
        self.base_lr = float(np.asarray(state_dict["base_lr"]))
        self.last_epoch = int(np.asarray(state_dict["last_epoch"]))
        self.optimizer.lr = self.get_lr()

    def __repr__(self) -> str:
        cfg = ", ".join(f"{k}={getattr(self, k)}" for k in self.config_names)
        return f"{type(self).__name__}({cfg}, base_lr={self.base_lr}, last_epoch={self.last_epoch})"


class InverseTimeDecay(LRScheduler):
    """lr = lr₀ / (1 + decay·epoch) — the classic MLP's ``decrease_const``.

    With ``cumulative=True`` the rate is divided again every epoch,
    lr_e = lr_{e−1} / (1 + decay·e), as the classic code's ``eta /= (1 + d·e)`` does.
    """

    config_names = ("decay", "cumulative")

    def __init__(self, optimizer: Optimizer, decay: float, cumulative: bool = False):
        if not decay >= 0:
            raise ValueError(f"InverseTimeDecay: decay must be >= 0, got {decay}")
        self.decay = float(decay)
        self.cumulative = bool(cumulative)
        super().__init__(optimizer)

    def get_lr(self) -> float:
        e = self.last_epoch
        if self.cumulative:
            return self.base_lr / float(np.prod(1 + self.decay * np.arange(1, e + 1)))
        return self.base_lr / (1 + self.decay * e)

    def state_dict(self) -> dict:
        d = super().state_dict()
        d["cumulative"] = int(self.cumulative)
        return d

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self.cumulative = bool(self.cumulative)


class StepLR(LRScheduler):
    """lr = lr₀ · gamma^⌊epoch / step_size⌋."""

    config_names = ("step_size", "gamma")

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1):
        if not isinstance(step_size, (int, np.integer)) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be a positive int, got {step_size!r}")
        if not gamma >= 0:
            raise ValueError(f"StepLR: gamma must be >= 0, got {gamma}")
        self.step_size = int(step_size)
        self.gamma = float(gamma)
        super().__init__(optimizer)

    def get_lr(self) -> float:
        return self.base_lr * self.gamma ** (self.last_epoch // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (lr₀ − eta_min)·(1 + cos(π·epoch / T_max)) / 2."""

    config_names = ("T_max", "eta_min")

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0):
        if not T_max > 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be > 0, got {T_max}")
        if not eta_min >= 0:
            raise ValueError(f"CosineAnnealingLR: eta_min must be >= 0, got {eta_min}")
        self.T_max = T_max
        self.eta_min = float(eta_min)
        super().__init__(optimizer)

    def get_lr(self) -> float:
        cos = math.cos(math.pi * self.last_epoch / self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * (1 + cos) / 2
