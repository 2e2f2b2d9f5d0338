"""Every differentiable op, one ``Function`` subclass each, forward and backward side by side."""

from ._registry import FUNCTIONS, METHODS, bind
from .bce_pos_weight import BinaryCrossEntropyWithLogitsPosWeight
from .distance import VectorNorm
from .elementwise import (
    Abs,
    Add,
    Cast,
    Clip,
    Div,
    Exp,
    Log,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sqrt,
    Sub,
    Tanh,
)
from .linalg import Linear, MatMul
from .loss import BinaryCrossEntropy, BinaryCrossEntropyWithLogits
from .nll import NLLLoss
from .normalization import Normalize
from .reduce import Max, Mean, Min, Sum
from .shape import (
    BroadcastTo,
    Concatenate,
    GetItem,
    Reshape,
    ScatterAdd,
    Stack,
    SwapAxes,
    Transpose,
    Where,
)
from .softmax import CrossEntropy, LogSoftmax, LogSumExp, Softmax
from .sparse import Embedding

__all__ = [
    "FUNCTIONS", "METHODS", "bind_methods",
    "Abs", "Add", "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "BroadcastTo", "Cast",
    "Clip", "Concatenate", "CrossEntropy", "Div",
    "Exp", "GetItem", "Linear", "Log", "LogSoftmax", "LogSumExp", "MatMul", "Max", "Mean", "Min",
    "Mul", "Neg", "Pow", "Relu", "Reshape", "ScatterAdd", "Sigmoid", "Softmax", "Sqrt",
    "Stack", "Sub", "Sum", "SwapAxes", "Tanh", "Transpose", "Where",
]
__all__ += ["BinaryCrossEntropyWithLogitsPosWeight", "Embedding", "NLLLoss", "Normalize",
            "VectorNorm"]


def bind_methods(cls) -> None:
    """Give ``cls`` (Tensor) every method registered by the op modules."""
    bind(cls)
