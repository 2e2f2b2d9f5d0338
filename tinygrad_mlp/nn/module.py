"""``Module``: models as trees of layers, with PyTorch's registration, traversal,
hooks and modes (state dicts: ``nn/_state_dict.py``; ``to()``, ``half()``, …:
``nn/_module_dtype.py``).

A ``Module`` registers whatever ``Parameter``s, buffers (``register_buffer``)
and sub-modules are assigned to its attributes, in assignment order, so
``parameters()`` and ``state_dict()`` always list them in the same order (no
hashing involved), with PyTorch's keys: own parameters, then own buffers, then
each child's under ``child_name.``.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator

import numpy as np

from .. import _trace
from .._trace import recorded_call
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from ._module_dtype import DtypeDeviceMixin
from ._state_dict import IncompatibleKeys, StateDictMixin, _IncompatibleKeys
from .hooks import BackwardHookState, RemovableHandle
from .parameter import Parameter

# IncompatibleKeys and Parameter are re-exported: older code imports them from here.
__all__ = ["IncompatibleKeys", "Module", "Parameter", "_IncompatibleKeys"]

_REGISTRIES = ("_parameters", "_buffers", "_modules")


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


def _check_name(kind: str, name) -> None:
    """PyTorch's checks on a registered name (TypeError / KeyError)."""
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if not name:
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')


class Module(StateDictMixin, DtypeDeviceMixin):
    """Base class of layers and models: subclass it, assign layers/Parameters in
    ``__init__`` and define ``forward``; call the module to run it."""

    training: bool

    def __init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", OrderedDict())
        setattr_(self, "_buffers", OrderedDict())
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", OrderedDict())
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_backward_hooks", OrderedDict())
        setattr_(self, "_hooks_with_kwargs", set())  # ids of hooks called with kwargs

    # ------------------------------------------------------- registration
    def _registry(self, reg: str, name: str) -> OrderedDict:
        try:
            return self.__dict__[reg]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__}: cannot assign {name!r} before Module.__init__() "
                f"is called; call super().__init__() first in your __init__"
            ) from None

    def _forget(self, name: str, keep: str) -> None:
        """Drop ``name`` from the plain attributes and every registry except ``keep``."""
        self.__dict__.pop(name, None)
        for reg in _REGISTRIES:
            if reg != keep:
                self.__dict__[reg].pop(name, None)
        self.__dict__["_non_persistent_buffers_set"].discard(name)

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        if isinstance(value, Parameter):
            self._registry("_parameters", name)
            self._forget(name, "_parameters")
            d["_parameters"][name] = value  # a reassigned name keeps its place in the order
            return
        if isinstance(value, Module):
            self._registry("_modules", name)
            self._forget(name, "_modules")
            d["_modules"][name] = value
            return
        for reg, what in (("_parameters", "parameter"), ("_modules", "child module")):
            if name in d.get(reg, ()):
                if value is not None:
                    need = "a Parameter" if reg == "_parameters" else "a Module"
                    hint = " (wrap it with nn.Parameter(...))" if reg == "_parameters" else ""
                    raise TypeError(f"{type(self).__name__}: cannot assign a "
                                    f"{type(value).__name__} to {what} {name!r} ({need} or "
                                    f"None is expected{hint})")
                d[reg][name] = None
                return
        if name in d.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' object to buffer "
                                f"'{name}' (Tensor or None required)")
            d["_buffers"][name] = value
            return
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        # Only called when normal lookup fails: look in the registries.
        d = self.__dict__
        for reg in _REGISTRIES:
            if reg in d and name in d[reg]:
                return d[reg][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for reg in _REGISTRIES:
            if name in self.__dict__.get(reg, {}):
                del self.__dict__[reg][name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name``; None reserves the name (e.g. ``bias=False``)."""
        self._registry("_parameters", name)
        _check_name("parameter", name)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter "
                            f"'{name}' (nn.Parameter or None required)")
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        self._forget(name, "_parameters")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a Tensor that is state but not a parameter (BatchNorm's running
        mean): moved by ``to()``, saved in ``state_dict`` unless ``persistent=False``."""
        self._registry("_buffers", name)
        _check_name("buffer", name)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer "
                            f"'{name}' (Tensor or None required)")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        self._forget(name, "_buffers")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child under ``name`` (names may be '0', '1', ...)."""
        self._registry("_modules", name)
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._forget(name, "_modules")
        self._modules[name] = module

    register_module = add_module

    # ---------------------------------------------------------- traversal
    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """(name, module) for this module and every descendant, depth-first pre-order."""
        seen = memo if memo is not None else set()
        stack = [(prefix, self)]
        while stack:
            name, mod = stack.pop()
            if remove_duplicate:
                if mod in seen:
                    continue
                seen.add(mod)
            yield name, mod
            kids = [(f"{name}.{k}" if name else k, m) for k, m in mod._modules.items()
                    if m is not None]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules with their attribute names."""
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        for _, m in self.named_children():
            yield m

    def _named_members(self, reg: str, prefix: str, recurse: bool, remove_duplicate: bool):
        seen: set[int] = set()
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                if recurse else [(prefix, self)])
        for mod_name, mod in mods:
            for name, t in mod.__dict__[reg].items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{mod_name}.{name}" if mod_name else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(name, Parameter) pairs: 'fc1.weight' for attributes, '0.bias' in a Sequential.

        A parameter shared by several modules is listed once, under its first name.
        """
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(name, buffer) pairs, e.g. ('bn.running_mean', tensor)."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target: str) -> Module:
        """The sub-module at dotted path ``target`` ('' is this module): 'encoder.0'."""
        if target == "":
            return self
        mod: Module = self
        for item in target.split("."):
            if not hasattr(mod, item):
                raise AttributeError(f"{type(mod).__name__} has no attribute `{item}`")
            mod = getattr(mod, item)
            if not isinstance(mod, Module):
                raise AttributeError(f"`{item}` is not an nn.Module")
        return mod

    def _get_member(self, target: str, reg: str, kind: str):
        module_path, _, name = target.rpartition(".")
        mod = self.get_submodule(module_path)
        if not hasattr(mod, name):
            raise AttributeError(f"{type(mod).__name__} has no attribute `{name}`")
        if name not in mod.__dict__[reg]:
            raise AttributeError(f"`{name}` is not {kind}")
        return mod.__dict__[reg][name]

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target``: 'encoder.0.weight'."""
        return self._get_member(target, "_parameters", "an nn.Parameter")

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``: 'bn.running_mean'."""
        return self._get_member(target, "_buffers", "a buffer")

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call ``fn`` on every sub-module (children first, as in PyTorch) and then on
        this module: ``model.apply(init_weights)``."""
        stack: list[tuple[Module, bool]] = [(self, False)]
        while stack:
            mod, expanded = stack.pop()
            if expanded:
                fn(mod)
                continue
            stack.append((mod, True))
            stack.extend((m, False) for m in reversed(list(mod.children())))
        return self

    # ------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active, BatchNorm on batch statistics) on this
        module and all descendants."""
        if not isinstance(mode, (bool, np.bool_)):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (False freezes the module)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    @recorded_call(idempotent=True)
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the parameters' gradients (``grad = None``, or zeros in place)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data[...] = 0

    # ------------------------------------------------------------- hooks
    def _add_hook(self, reg: str, hook: Callable, prepend: bool,
                  with_kwargs: bool = False) -> RemovableHandle:
        hooks = self.__dict__[reg]
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        if with_kwargs:
            self._hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args)`` runs before ``forward``; it may return new args (a
        tuple, or one value).  With ``with_kwargs``: ``hook(module, args, kwargs)``
        returning None or ``(args, kwargs)``."""
        return self._add_hook("_forward_pre_hooks", hook, prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False,
                              with_kwargs: bool = False) -> RemovableHandle:
        """``hook(module, args, output)`` runs after ``forward``; it may return a new
        output.  With ``with_kwargs``: ``hook(module, args, kwargs, output)``."""
        return self._add_hook("_forward_hooks", hook, prepend, with_kwargs)

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False
                                    ) -> RemovableHandle:
        """``hook(module, grad_input, grad_output)`` runs when backward has computed the
        gradients with respect to the module's tensor inputs (``grad_input``, a tuple
        with None for inputs that need none) from those of its outputs
        (``grad_output``); it may return a tuple replacing ``grad_input``."""
        return self._add_hook("_backward_hooks", hook, prepend)

    # ----------------------------------------------------------- calling
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}.forward is abstract: define it")

    def __call__(self, *args, **kwargs):
        if _trace.ACTIVE is not None:  # tm.compile is recording: replays check the mode
            _trace.ACTIVE.modules.setdefault(id(self), (self, self.training))
        d = self.__dict__
        if d.get("_forward_pre_hooks") or d.get("_forward_hooks") or d.get("_backward_hooks"):
            return self._call_with_hooks(args, kwargs)
        return self.forward(*args, **kwargs)

    def _call_with_hooks(self, args: tuple, kwargs: dict):
        _trace.refuse(f"module hooks of {type(self).__name__} ran")
        with_kw = self._hooks_with_kwargs
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in with_kw:
                res = hook(self, args, kwargs)
                if res is not None:
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        state = None
        if self._backward_hooks and is_grad_enabled():
            state = BackwardHookState(self, self._backward_hooks.values())
            args = state.wrap_inputs(args)
        out = self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_hooks.items()):
            res = hook(self, args, kwargs, out) if hid in with_kw else hook(self, args, out)
            if res is not None:
                out = res
        if state is not None:
            out = state.wrap_outputs(out)
        return out

    # -------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr`` (its settings)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({k}): " + _addindent(repr(m), 2)
                       for k, m in self._modules.items()]
        lines = extra_lines + child_lines
        body = ""
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                body = extra_lines[0]
            else:
                body = "\n  " + "\n  ".join(lines) + "\n"
        return f"{self._get_name()}({body})"


def __getattr__(name: str):
    # The containers live in container.py (which imports this file); this keeps
    # ``from tinygrad_mlp.nn.module import Sequential, ModuleList`` working.
    if name in ("ModuleList", "Sequential"):
        from . import container

        return getattr(container, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

