"""Every differentiable op, one ``Function`` subclass each, forward and backward side by side."""

from . import convert, dual, indexing, inplace, views
from ._registry import FUNCTIONS, METHODS, bind
from .elementwise import (
    Abs,
    Add,
    Cast,
    Clip,
    Clone,
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

__all__ = [
    "FUNCTIONS", "METHODS", "bind_methods",
    "Abs", "Add", "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "BroadcastTo", "Cast",
    "Clip", "Clone", "Concatenate", "CrossEntropy", "Div",
    "Exp", "GetItem", "Linear", "Log", "LogSoftmax", "LogSumExp", "MatMul", "Max", "Mean", "Min",
    "Mul", "Neg", "Pow", "Relu", "Reshape", "ScatterAdd", "Sigmoid", "Softmax", "Sqrt",
    "Stack", "Sub", "Sum", "SwapAxes", "Tanh", "Transpose", "Where",
    "convert", "dual", "indexing", "inplace", "views",
]


def bind_methods(cls) -> None:
    """Give ``cls`` (Tensor) every method registered by the op modules."""
    bind(cls)
