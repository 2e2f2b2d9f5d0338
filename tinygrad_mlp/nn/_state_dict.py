"""``state_dict`` / ``load_state_dict`` for ``Module``, with PyTorch's keys and checks.

The keys are PyTorch's for the same module tree: a module's own parameters,
then its own persistent buffers, then each child's entries under
``child_name.`` (depth-first, in registration order). A state dict maps them
to ndarrays; ``load_state_dict`` accepts ndarrays, Tensors and anything NumPy
can read through ``__array__`` — a PyTorch ``state_dict()`` included.
"""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Iterator, Mapping

import numpy as np

from ..tensor import Tensor

__all__ = ["IncompatibleKeys", "StateDictMixin", "_IncompatibleKeys"]


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it did not find and did not expect."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


#: The public name (``nn.IncompatibleKeys``) of PyTorch's ``_IncompatibleKeys``.
IncompatibleKeys = _IncompatibleKeys


def _as_array(value) -> np.ndarray:
    """An ndarray from an ndarray, a Tensor, or a foreign tensor (torch: detached first)."""
    if isinstance(value, Tensor):
        return value.data
    if not isinstance(value, np.ndarray) and hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu()  # a torch tensor that requires grad refuses __array__
    return np.asarray(value)


class StateDictMixin:
    """The state-dict half of ``Module`` (kept apart to keep module.py small)."""

    def _state_items(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """(key, Tensor) for every persistent entry, in PyTorch's order.

        Like PyTorch, a module reachable under two names is listed under both.
        """
        stack = [(prefix, self)]
        while stack:
            pre, mod = stack.pop()
            d = mod.__dict__
            for name, p in d["_parameters"].items():
                if p is not None:
                    yield pre + name, p
            skip = d["_non_persistent_buffers_set"]
            for name, b in d["_buffers"].items():
                if b is not None and name not in skip:
                    yield pre + name, b
            kids = [(f"{pre}{k}.", m) for k, m in d["_modules"].items() if m is not None]
            stack.extend(reversed(kids))

    def state_dict(self, destination: dict | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict:
        """{key: copy of the ndarray} for parameters and persistent buffers, with
        PyTorch's keys ('0.weight', 'bn.running_mean', 'bn.num_batches_tracked').

        ``keep_vars=True`` gives the Parameters/Tensors themselves instead.
        """
        out = OrderedDict() if destination is None else destination
        for key, t in self._state_items(prefix):
            out[key] = t if keep_vars else t.data.copy()
        return out

    def load_state_dict(self, state_dict: Mapping, strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy arrays from ``state_dict`` into the parameters and buffers, in place
        (each keeps its dtype), or with ``assign=True`` make them hold the given arrays.

        Values may be ndarrays, Tensors or anything with ``__array__`` (e.g. the
        tensors of a PyTorch ``state_dict()``). Raises RuntimeError listing the
        missing and unexpected keys (when ``strict``) and every key whose shape
        differs (always), before changing anything; returns
        ``IncompatibleKeys(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got "
                            f"{type(state_dict).__name__}.")
        own = list(self._state_items())
        own_keys = {k for k, _ in own}
        missing = [k for k, _ in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own_keys]
        mismatched, arrays = [], []
        for k, t in own:
            if k not in state_dict:
                continue
            arr = _as_array(state_dict[k])
            if arr.shape != t.shape:
                mismatched.append(f"size mismatch for {k}: copying a param with shape "
                                  f"{arr.shape} from checkpoint, the shape in current model "
                                  f"is {t.shape}.")
            elif arr.dtype.kind not in "biuf":
                mismatched.append(f"{k}: cannot load an array of dtype {arr.dtype}")
            arrays.append((t, arr))
        errors = []
        if strict and missing:
            errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing)
                          + ".")
        if strict and unexpected:
            errors.append("Unexpected key(s) in state_dict: "
                          + ", ".join(f'"{k}"' for k in unexpected) + ".")
        errors.extend(mismatched)
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:"
                               "\n\t" + "\n\t".join(errors))
        for t, arr in arrays:
            if assign:
                new = arr if arr.flags.writeable else arr.copy()
                if t.requires_grad and new.dtype.kind != "f":
                    new = new.astype(t.data.dtype)
                t.data = new
            else:
                t.data[...] = arr
        return _IncompatibleKeys(missing, unexpected)
