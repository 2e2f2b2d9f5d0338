"""Optimizers at PyTorch's names and learning-rate schedules (``optim.lr_scheduler``).

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    for epoch in range(epochs):
        for x, y in loader:
            opt.zero_grad(); loss_fn(model(x), y).backward(); opt.step()
        sched.step()
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamax import Adamax
from .adamw import AdamW
from .lr_scheduler import CosineAnnealingLR, InverseTimeDecay, LRScheduler, StepLR
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "CosineAnnealingLR",
    "InverseTimeDecay", "LRScheduler", "NAdam", "Optimizer", "RAdam", "RMSprop", "StepLR",
    "lr_scheduler",
]
