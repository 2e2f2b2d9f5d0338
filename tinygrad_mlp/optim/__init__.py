"""Optimizers (``SGD``, ``Adam``) and learning-rate schedules (``optim.lr_scheduler``).

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.InverseTimeDecay(opt, decay=1e-5)
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
        sched.step()
"""

from . import lr_scheduler
from .adam import Adam
from .lr_scheduler import CosineAnnealingLR, InverseTimeDecay, LRScheduler, StepLR
from .optimizer import Optimizer
from .sgd import SGD

__all__ = [
    "SGD", "Adam", "CosineAnnealingLR", "InverseTimeDecay", "LRScheduler", "Optimizer",
    "StepLR", "lr_scheduler",
]
