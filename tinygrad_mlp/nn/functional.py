"""``import tinygrad_mlp.nn.functional as F``: the same module as ``tinygrad_mlp.functional``
(PyTorch spells it ``torch.nn.functional``)."""

from ..functional import *  # noqa: F403
from ..functional import __all__  # noqa: F401
