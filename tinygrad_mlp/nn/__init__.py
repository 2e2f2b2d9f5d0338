"""Neural-network building blocks: ``Module``, ``Parameter``, ``Sequential``, layers,
losses, initialisers (``nn.init``) and parameter-vector helpers (``nn.utils``).

    model = nn.Sequential(nn.Linear(784, 50), nn.Sigmoid(), nn.Linear(50, 10))
    loss = nn.CrossEntropyLoss()(model(x), labels)
"""

from . import init, utils
from .activation import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    Mish,
    ReLU6,
    SiLU,
    Softmin,
    Softplus,
    Softsign,
)
from .layers import Dropout, Flatten, Identity, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    MSELoss,
    NLLLoss,
    l1_penalty,
    l2_penalty,
    penalty_params,
    weights_only,
)
from .module import IncompatibleKeys, Module, ModuleList, Parameter, Sequential

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity",
    "IncompatibleKeys", "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleList", "NLLLoss",
    "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh", "init", "l1_penalty",
    "l2_penalty", "penalty_params", "utils", "weights_only",
    # activations (nn/activation.py)
    "CELU", "ELU", "GELU", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid",
    "Mish", "ReLU6", "SELU", "SiLU", "Softmin", "Softplus", "Softsign",
]
