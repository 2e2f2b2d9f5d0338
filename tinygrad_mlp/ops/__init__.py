"""Every differentiable op, one ``Function`` subclass each, forward and backward side by side."""

# These modules register Tensor methods and tm. functions (ops/_registry.py).
from . import (  # noqa: F401
    activation,
    arith,
    compare,
    convert,
    dual,
    indexing,
    inplace,
    pointwise,
    reduction,
    rounding,
    views,
)
from ._registry import FUNCTIONS, METHODS, bind
from .bce_pos_weight import BinaryCrossEntropyWithLogitsPosWeight
from .distance import VectorNorm
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
    "FUNCTIONS", "METHODS", "activation", "bind_methods",
    "Abs", "Add", "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "BroadcastTo", "Cast",
    "Clip", "Clone", "Concatenate", "CrossEntropy", "Div",
    "Exp", "GetItem", "Linear", "Log", "LogSoftmax", "LogSumExp", "MatMul", "Max", "Mean", "Min",
    "Mul", "Neg", "Pow", "Relu", "Reshape", "ScatterAdd", "Sigmoid", "Softmax", "Sqrt",
    "Stack", "Sub", "Sum", "SwapAxes", "Tanh", "Transpose", "Where",
    "convert", "dual", "indexing", "inplace", "views",
]
__all__ += ["BinaryCrossEntropyWithLogitsPosWeight", "Embedding", "NLLLoss", "Normalize",
            "VectorNorm"]


def bind_methods(cls) -> None:
    """Give ``cls`` (Tensor) every method registered by the op modules."""
    bind(cls)


from . import einsum, index, join, layout, sort  # noqa: E402, F401  (they register their ops)
from .einsum import Einsum  # noqa: E402
from .index import Gather, Scatter  # noqa: E402
from .layout import ConstantPad, DiagEmbed, Diagonal, Flip, MoveDim, Roll, Triangle  # noqa: E402

__all__ += ["ConstantPad", "DiagEmbed", "Diagonal", "Einsum", "Flip", "Gather", "MoveDim",
            "Roll", "Scatter", "Triangle"]
