"""Neural-network building blocks: ``Module``, ``Parameter``, ``Sequential``, layers,
losses, initialisers (``nn.init``) and parameter-vector helpers (``nn.utils``).

    model = nn.Sequential(nn.Linear(784, 50), nn.Sigmoid(), nn.Linear(50, 10))
    loss = nn.CrossEntropyLoss()(model(x), labels)
"""

from . import functional, init, utils
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
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .dropout import AlphaDropout, Dropout
from .flatten import Flatten, Unflatten
from .hooks import RemovableHandle
from .layers import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .linear import Bilinear, Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
    l1_penalty,
    l2_penalty,
    penalty_params,
    weights_only,
)
from .module import IncompatibleKeys, Module, Parameter
from .normalization import BatchNorm1d, LayerNorm
from .sparse import Embedding
from .summary import ModelSummary, summary

__all__ = [
    "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Identity",
    "IncompatibleKeys", "Linear", "LogSoftmax", "MSELoss", "Module", "ModuleList", "NLLLoss",
    "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh", "init", "l1_penalty",
    "l2_penalty", "penalty_params", "utils", "weights_only",
    # activations (nn/activation.py)
    "CELU", "ELU", "GELU", "Hardsigmoid", "Hardswish", "Hardtanh", "LeakyReLU", "LogSigmoid",
    "Mish", "ReLU6", "SELU", "SiLU", "Softmin", "Softplus", "Softsign",
]
__all__ += [
    "AlphaDropout", "BatchNorm1d", "Bilinear", "CosineEmbeddingLoss", "Embedding",
    "GaussianNLLLoss", "HingeEmbeddingLoss", "HuberLoss", "KLDivLoss", "L1Loss", "LayerNorm",
    "MarginRankingLoss", "ModelSummary", "ModuleDict", "MultiLabelSoftMarginLoss",
    "MultiMarginLoss", "ParameterDict", "ParameterList", "PoissonNLLLoss", "RemovableHandle",
    "SmoothL1Loss", "SoftMarginLoss", "TripletMarginLoss", "Unflatten", "functional",
    "summary",
]
