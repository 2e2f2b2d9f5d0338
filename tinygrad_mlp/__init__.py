"""tinygrad_mlp: a small, readable, fast reverse-mode autograd framework on NumPy.

    import tinygrad_mlp as tm
    x = tm.Tensor([[1.0, 2.0]], requires_grad=True)
    (x * x).sum().backward()
    x.grad            # tensor([[2., 4.]])

Layers of the house (each imports only from the ones above it): the engine
(``tensor``, ``autograd``, ``ops``) → ``functional`` → ``nn`` → ``optim``, ``data``,
``train``, ``io`` → ``viz`` and ``cli`` (imported on demand: they need the extras).
"""

from . import autograd, data, functional, linalg, metrics, nn, optim
from .autograd import (
    Function,
    enable_grad,
    grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .backend import get_default_dtype, set_default_dtype
from .creation import (
    arange,
    from_numpy,
    full,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .device import cuda, device
from .dtypes import DTYPES as _DTYPES
from .dtypes import is_floating_point, promote_types, result_type
from .gradcheck import GradcheckError, gradcheck, gradcheck_report, gradgradcheck
from .io import CheckpointError, load, save
from .nn.summary import summary
from .ops import FUNCTIONS as _FUNCTIONS
from .ops.shape import concatenate, stack, where
from .replay import compile  # noqa: A004  (tm.compile, as torch.compile)
from .rng import get_rng, manual_seed
from .tensor import Tensor

__version__ = "0.1.0"

# PyTorch's creation ops and generators, at its names and signatures.
from .creation import (  # noqa: E402
    bernoulli,
    empty,
    empty_like,
    eye,
    full_like,
    linspace,
    logspace,
    multinomial,
    normal,
    rand_like,
    randint,
    randint_like,
    randn_like,
    randperm,
)
from .rng import (  # noqa: E402
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    seed,
    set_rng_state,
)

__all__ = [
    "CheckpointError", "Function", "GradcheckError", "Tensor", "arange", "concatenate", "data",
    "enable_grad", "from_numpy", "full", "functional", "get_rng", "grad", "gradcheck",
    "gradcheck_report", "gradgradcheck", "is_grad_enabled", "load", "manual_seed", "metrics",
    "nn", "no_grad", "ones", "ones_like", "optim", "rand", "randn", "save", "stack", "tensor",
    "where", "zeros", "zeros_like",
    "autograd", "cuda", "device", "get_default_dtype", "inference_mode", "is_floating_point",
    "is_inference_mode_enabled", "is_tensor", "promote_types", "result_type",
    "set_default_dtype", "set_grad_enabled",
    "linalg",
]
__all__ += [
    "Generator", "bernoulli", "default_generator", "empty", "empty_like", "eye", "full_like",
    "get_rng_state", "initial_seed", "linspace", "logspace", "multinomial", "normal",
    "rand_like", "randint", "randint_like", "randn_like", "randperm", "seed", "set_rng_state",
]

__all__ += ["compile", "summary"]

# dtypes at PyTorch's names: tm.float32, tm.float, tm.long, tm.bool, …
globals().update(_DTYPES)
__all__ += sorted(_DTYPES)


def is_tensor(obj) -> bool:
    """True if ``obj`` is a Tensor (``torch.is_tensor``)."""
    return isinstance(obj, Tensor)


# The tm.<name> functions the op modules register (ops/_registry.py), beside the above.
globals().update({k: v for k, v in _FUNCTIONS.items() if k not in globals()})
__all__ += sorted(k for k in _FUNCTIONS if k not in __all__)
