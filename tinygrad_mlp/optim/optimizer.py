"""``Optimizer``: PyTorch's base class — parameter groups, per-parameter state, state dicts.

    opt = optim.SGD([{"params": model[0].parameters()},
                     {"params": model[2].parameters(), "lr": 1e-3}],
                    lr=1e-2, momentum=0.9)
    opt.param_groups[1]["lr"] *= 0.1          # user code and schedulers write here

Each parameter group is a dict: ``'params'`` (a list of Tensors) and every
option of the optimizer, filled in from ``defaults`` where the group does not
give its own. ``state`` maps each parameter (the Tensor itself) to a dict of
its buffers (``'step'``, ``'exp_avg'``, ...), made on the first step that has a
gradient for it.

Updates work on ``p.data`` in place with NumPy (no Tensor ops, no graph), so a
step costs a few array operations per parameter. Subclasses define
``_update(p, g, state, group)`` for one parameter.

``state_dict()`` has PyTorch's structure, with ndarrays where PyTorch has
tensors (it saves to ``.npz`` with ``tinygrad_mlp.save``)::

    {"state": {0: {"momentum_buffer": ndarray}, 1: {...}, ...},
     "param_groups": [{"lr": 0.01, "momentum": 0.9, ..., "params": [0, 1]}, ...]}

Parameters are numbered in the order of the groups, as in PyTorch, so the
``state_dict`` of a ``torch.optim`` optimizer, its tensors turned into arrays,
loads into the same tinygrad_mlp optimizer.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .._trace import recorded_call
from ..autograd import enable_grad
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


#: Options that do not change the arithmetic here (or are newer than some saved states):
#: a loaded group may lack them.
_FLAGS = frozenset({"foreach", "maximize", "capturable", "differentiable", "fused",
                    "decoupled_weight_decay"})


class _RequiredParameter:
    """Marks an option that every parameter group must give (no default)."""

    def __repr__(self) -> str:
        return "<required parameter>"


#: The default of an option that has none (as ``torch.optim.optimizer.required``).
required = _RequiredParameter()


def _plain(value: Any) -> Any:
    """A Python number from a 0-d array or NumPy scalar (what a loaded ``.npz`` gives back)."""
    if isinstance(value, np.ndarray) and value.ndim == 0 or isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "numel") and hasattr(value, "item") and value.numel() == 1:
        return value.item()  # a one-element torch.Tensor
    return value


def _to_array(value: Any) -> np.ndarray:
    arr = getattr(value, "data", value) if isinstance(value, Tensor) else value
    if hasattr(arr, "detach") and hasattr(arr, "numpy"):  # a torch.Tensor
        arr = arr.detach().cpu().numpy()
    return np.asarray(arr)


_LONG_NAMES = {"lr": "learning rate", "eps": "epsilon value"}


def check_non_negative(opname: str, **values: float) -> None:
    """PyTorch's constructor checks: ``ValueError("Invalid <name> value: <v>")`` if negative."""
    for name, v in values.items():
        if not v >= 0.0:
            long = _LONG_NAMES.get(name, f"{name} value")
            raise ValueError(f"{opname}: Invalid {long}: {v} ({name} must be >= 0)")


def check_betas(opname: str, betas) -> tuple[float, float]:
    """``betas`` must be a pair in [0, 1) (PyTorch's "Invalid beta parameter at index i")."""
    if len(betas) != 2:
        raise ValueError(f"{opname}: betas must be a pair (beta1, beta2), got {betas!r}")
    for i, b in enumerate(betas):
        if not 0.0 <= b < 1.0:
            raise ValueError(f"{opname}: Invalid beta parameter at index {i}: {b} "
                             f"(beta{i + 1} must be in [0, 1))")
    return tuple(betas)


class Optimizer:
    """Base class of the optimizers (PyTorch's ``torch.optim.Optimizer``).

    ``params``: an iterable of Tensors, or of dicts (parameter groups) each with
    ``'params'`` and any per-group options. ``defaults``: every option's value
    for groups that do not set it.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params argument given to the optimizer "
                            f"should be an iterable of Tensors or dicts, but got "
                            f"{type(params).__name__}")
        #: Per-parameter state: {parameter Tensor: {"step": ..., buffer name: ndarray}}.
        self.state: defaultdict[Tensor, dict] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a group: ``{'params': [...], option: value, ...}``; missing options
        come from ``defaults``. A parameter may belong to one group only."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: param_group must be a dict, but got "
                            f"{type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs. "
                            "Please use a list instead.")
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        if names and len(names) != len(params):
            raise ValueError("all optimizer params should be with/without names. Some param "
                             "names are missing")
        seen: set[int] = set()
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: optimizer can only optimize Tensors, but one of the "
                                f"params (item {i}) is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (item {i}, shape "
                                 f"{p.shape}, made by {type(p.grad_fn).__name__})")
            if id(p) in seen:  # identity, not ==: Tensor.__eq__ is elementwise
                raise ValueError(f"{name}: optimizer contains a parameter group with duplicate "
                                 f"parameters (item {i}, shape {p.shape}, appears twice)")
            seen.add(id(p))
        group = dict(param_group, params=params)
        if names:
            group["param_names"] = names
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required "
                                 f"optimization parameter {key}")
            group.setdefault(key, default)
        for other in self.param_groups:
            if ("param_names" in other) != ("param_names" in group):
                raise ValueError("all optimizer param groups should be with/without names. "
                                 "cannot add param group "
                                 f"{'with' if names else 'without'} names to the optimizer")
            if seen & {id(p) for p in other["params"]}:
                raise ValueError("some parameters appear in more than one parameter group")
        self._init_group(group)
        self.param_groups.append(group)

    def _init_group(self, group: dict[str, Any]) -> None:
        """Hook for optimizers whose state exists before the first step (Adagrad)."""

    # ----------------------------------------------------------------- lr
    @property
    def lr(self) -> float:
        """The first group's ``'lr'``; setting it sets every group's (a shorthand)."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        value = float(_plain(value))
        if not value >= 0:
            raise ValueError(f"{type(self).__name__}: Invalid learning rate: {value} (lr must "
                             f"be >= 0)")
        for group in self.param_groups:
            group["lr"] = value

    # --------------------------------------------------------------- steps
    @recorded_call(idempotent=True)
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients (``grad = None``, the default), or zero them in place."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.data[...] = 0

    @recorded_call
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One update of every parameter that requires grad and has a gradient.

        ``closure`` (optional) re-evaluates the model and returns the loss; it
        runs first, with gradients enabled, and its loss is returned.
        """
        self._opt_called = True  # schedulers check that step() came first, as PyTorch's do
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for gi, group in enumerate(self.param_groups):
            self._update_group(gi, group)
        return loss

    def _update_group(self, gi: int, group: dict) -> None:
        """``_update`` each parameter of group ``gi`` that requires grad and has a gradient
        (an optimizer may override this with a faster form for the whole group)."""
        for p in group["params"]:
            grad = p.grad
            if grad is None or not p.requires_grad:
                continue
            g = grad.data
            if g.shape != p.data.shape:
                raise self._shape_error(gi, p, g)
            self._update(p.data, g, self.state[p], group)

    def _shape_error(self, gi: int, p, g) -> ValueError:
        return ValueError(f"{type(self).__name__}.step: a parameter of group {gi} has shape "
                          f"{p.shape} but its gradient has shape {g.shape}")

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict,
                group: dict) -> None:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}._update is abstract")

    # --------------------------------------------------------------- state
    def _index(self) -> dict[int, int]:
        """id(parameter) -> its number in the state dict (order of the groups)."""
        return {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}

    def state_dict(self) -> dict[str, Any]:
        """``{'state': {i: {...}}, 'param_groups': [{..., 'params': [i, ...]}]}`` (copies)."""
        index = self._index()
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if s and id(p) in index:
                state[index[id(p)]] = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                       for k, v in s.items()}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the groups' options and the per-parameter state from ``state_dict``.

        Accepts this class's ``state_dict()`` (also after ``tm.save``/``tm.load``,
        where keys may come back as strings and numbers as 0-d arrays) and a
        ``torch.optim`` state dict with tensors or arrays. Raises ValueError,
        before changing anything, when the group count, the group sizes or a
        buffer's shape do not match.
        """
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or "param_groups" not in state_dict:
            keys = list(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}: expected a dict with 'state' and 'param_groups' (an "
                             f"optimizer's state_dict()), got {keys}")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}: loaded state dict has a different number of parameter "
                             f"groups ({len(saved_groups)} saved, {len(self.param_groups)} here)")
        id_map: dict[int, Tensor] = {}
        for gi, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            saved_ids = [int(_plain(i)) for i in saved["params"]]
            if len(saved_ids) != len(group["params"]):
                raise ValueError(f"{name}: loaded state dict contains a parameter group that "
                                 f"doesn't match the size of optimizer's group (group {gi}: "
                                 f"{len(saved_ids)} saved, {len(group['params'])} here)")
            id_map.update(zip(saved_ids, group["params"]))
            missing = sorted(k for k in self.defaults if k not in saved and k not in _FLAGS)
            if missing:
                raise ValueError(f"{name}: saved parameter group {gi} has no {missing} (state "
                                 f"of another optimizer type?); its options are "
                                 f"{sorted(k for k in saved if k != 'params')}")
        new_state: defaultdict[Tensor, dict] = defaultdict(dict)
        for key, s in (state_dict.get("state") or {}).items():
            k = int(_plain(key))
            if k not in id_map:
                raise ValueError(f"{name}: state for parameter {k}, but the groups hold "
                                 f"parameters {sorted(id_map)}")
            p = id_map[k]
            new_state[p] = {b: self._load_buffer(p, b, v, k, name) for b, v in s.items()}
        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            new = {k: group[k] for k in _FLAGS if k in group}  # older torch lacks some flags
            new.update({k: self._load_option(k, v) for k, v in saved.items()
                        if k not in ("params", "param_names")})
            new["params"] = group["params"]
            if "param_names" in group:
                new["param_names"] = group["param_names"]
            new_groups.append(new)
        self.state = new_state
        self.param_groups = new_groups

    @staticmethod
    def _load_buffer(p: Tensor, key: str, value: Any, k: int, name: str) -> Any:
        if value is None:
            return None
        arr = _to_array(value)
        if arr.ndim == 0:
            return arr.item()  # 'step', NAdam's 'mu_product': plain numbers here
        if arr.shape != p.shape:
            raise ValueError(f"{name}: state {key!r} of parameter {k} has shape {arr.shape}, "
                             f"the parameter has shape {p.shape}")
        return arr.astype(p.dtype, copy=True)

    @staticmethod
    def _load_option(key: str, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return tuple(_plain(v) for v in value)  # betas, etas, step_sizes
        value = _plain(value)
        if isinstance(value, np.ndarray) and value.ndim == 1:
            return tuple(v.item() for v in value)
        return value

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group)
                      if k not in ("params", "param_names")]
        return "\n".join(lines) + "\n)"
