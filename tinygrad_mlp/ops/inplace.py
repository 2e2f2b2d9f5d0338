"""In-place ops: ``x += y``, ``x[i] = v``, ``x.add_(y)``, ``x.zero_()`` … write into ``x``'s
memory, so views, ``detach()`` and ``from_numpy`` see the change, as in PyTorch.

PyTorch's safety rules hold:

* in grad mode, an in-place op on a leaf that requires grad raises PyTorch's
  RuntimeError (under ``no_grad`` it is the manual SGD step, and allowed);
* every in-place op bumps the tensor's version counter (``versions.py``), so
  a value saved for backward and changed later makes backward raise;
* on a tensor inside the graph (a non-leaf), the op is recorded: the tensor
  becomes the output of a new op node whose input is its old value, so
  ``y = x * 2; y[0] = 0; y.sum().backward()`` gives PyTorch's ``x.grad``.

Without a graph to record (no_grad, or nothing requires grad) an arithmetic
in-place op is one NumPy call with ``out=`` — the fast path of an SGD loop.
``inplace_method`` is public: other op modules register their ``foo_`` with it.
"""

from __future__ import annotations

from .. import autograd
from ..autograd import Function
from ..backend import xp
from ..dtypes import TYPE_NAMES, result_type
from ..grad_mode import _state
from ..rng import get_rng
from ..versions import bump
from ._registry import tensor_method
from .shape import _View

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_LEAF_ERROR = ("a view of a leaf Variable that requires grad is being used in an "
                   "in-place operation.")


def _tensor():
    from ..tensor import Tensor

    return Tensor


def _type_name(dt) -> str:
    return TYPE_NAMES.get(dt, str(dt)).removesuffix("Tensor")


def check_inplace(x, op: str) -> None:
    """PyTorch's refusals: in grad mode, a leaf (or a view of one) that requires grad."""
    if not (_state.enabled and x.requires_grad):
        return
    node = x._ctx
    if node is None:
        raise RuntimeError(LEAF_ERROR)
    if isinstance(node, _View) and node.inputs is not None \
            and xp.may_share_memory(x.data, node.inputs[0]):
        base = node.parents[0]
        while isinstance(base._ctx, _View) and base._ctx.parents is not None:
            base = base._ctx.parents[0]
        if base._ctx is None:
            raise RuntimeError(VIEW_LEAF_ERROR)
        raise RuntimeError(f"{op}: in-place change of a view (x[...], reshape, transpose, "
                           f"expand) of a tensor inside the graph is not supported here; "
                           f"write into the base tensor (base[index] = value) or clone() "
                           f"the view first")


def write(x, result, op: str) -> None:
    """Copy ``result`` (an array of x's shape) into x's memory, with PyTorch's rules."""
    d = x.data
    if result.shape != d.shape:
        raise RuntimeError(f"{op}: output with shape {list(d.shape)} doesn't match the "
                           f"broadcast shape {list(result.shape)}")
    if result.dtype != d.dtype and not xp.can_cast(result.dtype, d.dtype, "same_kind"):
        raise RuntimeError(f"{op}: result type {_type_name(result.dtype)} can't be cast to "
                           f"the desired output type {_type_name(d.dtype)}")
    if not d.flags.writeable:
        raise RuntimeError(f"{op}: this tensor's memory is read-only (a constant, or a "
                           f"broadcast view from expand()); clone() it first")
    xp.copyto(d, result, casting="unsafe")


def apply_inplace(x, fn, *args, op: str = "in-place op"):
    """``x ← fn(x, *args)`` in x's memory; recorded in the graph when it must be.

    ``fn`` is built from differentiable ops, so the recorded node's backward is
    theirs; the old value is kept as a copy (``_old``) for the nodes that used it.
    """
    check_inplace(x, op)
    Tensor = _tensor()
    record = _state.enabled and (
        x.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args))
    if not record:
        prev, _state.enabled = _state.enabled, False
        try:
            res = fn(x, *args)
        finally:
            _state.enabled = prev
        write(x, res.data, op)
        bump(x)
        return x
    old = Tensor._wrap(x.data.copy())
    old._ctx, old.requires_grad = x._ctx, x.requires_grad
    old._vc = list(x._vc) if x._vc else None
    autograd._TICK += 1  # before fn: the nodes fn makes belong to the new version
    res = fn(old, *args)
    write(x, res.data, op)
    vc = x._vc
    if vc is None:
        x._vc = [autograd._TICK]
    else:
        vc.append(autograd._TICK)
    x._ctx, x.requires_grad = res._ctx, res.requires_grad
    if res._ctx is not None:
        res._ctx.__dict__["_old"] = old
    return x


def _ufunc_inplace(x, ufunc, other, op: str):
    """The fast path: no graph to record, one NumPy call into x's memory."""
    od = other.data if isinstance(other, _tensor()) else other
    try:
        ufunc(x.data, od, out=x.data, casting="same_kind")
    except TypeError:  # NumPy's UFuncTypeError: the result's dtype does not fit
        rt = result_type(x.data, od)
        raise RuntimeError(f"{op}: result type {_type_name(rt)} can't be cast to the "
                           f"desired output type {_type_name(x.data.dtype)}") from None
    except ValueError as exc:
        if "read-only" in str(exc):
            raise RuntimeError(f"{op}: this tensor's memory is read-only (a constant, or a "
                               f"broadcast view from expand()); clone() it first") from None
        shape = xp.broadcast_shapes(x.shape, getattr(od, "shape", ()))
        raise RuntimeError(f"{op}: output with shape {list(x.shape)} doesn't match the "
                           f"broadcast shape {list(shape)}") from None
    bump(x)
    return x


def _arith(ufunc, method: str, name: str):
    import operator

    binop = getattr(operator, method)

    def inplace(self, other):
        if _state.enabled and (self.requires_grad
                               or (isinstance(other, _tensor()) and other.requires_grad)):
            return apply_inplace(self, binop, other, op=name)
        return _ufunc_inplace(self, ufunc, other, name)

    inplace.__name__ = name
    inplace.__doc__ = f"``{method}`` with ``other``, in place (in self's memory)."
    return inplace


for _ufunc, _m, _names in [
    (xp.add, "add", ("__iadd__",)), (xp.subtract, "sub", ("__isub__",)),
    (xp.multiply, "mul", ("__imul__", "mul_")), (xp.true_divide, "truediv", ("__itruediv__",)),
    (xp.power, "pow", ("__ipow__", "pow_")),
]:
    _fn = _arith(_ufunc, _m, _names[-1])
    for _n in _names:
        tensor_method(_n)(_fn)


@tensor_method("add_")
def add_(self, other, *, alpha=1):
    """``self += alpha * other`` in place."""
    return self.__iadd__(other if alpha == 1 else other * alpha)


@tensor_method("sub_")
def sub_(self, other, *, alpha=1):
    """``self -= alpha * other`` in place."""
    return self.__isub__(other if alpha == 1 else other * alpha)


@tensor_method("div_")
def div_(self, other, *, rounding_mode=None):
    """``self /= other`` in place (true division)."""
    if rounding_mode is not None:
        raise NotImplementedError("div_: only rounding_mode=None (true division) is supported")
    return self.__itruediv__(other)


def inplace_method(name: str, fn_name: str | None = None):
    """Register ``name`` (e.g. ``"exp_"``) as the in-place form of the Tensor method
    ``fn_name`` (default: ``name`` without its ``_``)."""
    fn_name = fn_name or name.rstrip("_")

    def method(self, *args, **kwargs):
        return apply_inplace(self, lambda t: getattr(t, fn_name)(*args, **kwargs), op=name)

    method.__name__ = name
    method.__doc__ = f"``{fn_name}`` in place (in self's memory)."
    return tensor_method(name)(method)


inplace_method("neg_", "__neg__")
for _n in ("exp_", "log_", "sqrt_", "abs_", "tanh_", "sigmoid_", "relu_", "clip_"):
    inplace_method(_n)


class _Copy(Function):
    """out = src broadcast into dst's shape (``copy_``); the gradient goes to src only."""

    saves_inputs = saves_output = False

    def forward(self, dst, src):
        out = xp.empty_like(dst)
        out[...] = src
        return out

    def backward(self, g, out, dst, src):
        return None, g  # the engine sums g back to src's shape and dtype


@tensor_method("copy_")
def copy_(self, src, non_blocking: bool = False):
    """Copy ``src`` (broadcast to self's shape, cast to self's dtype) into self's memory;
    the gradient flows to ``src``."""
    Tensor = _tensor()
    src = src if isinstance(src, Tensor) else Tensor._wrap(xp.asarray(src))
    if not (_state.enabled and (self.requires_grad or src.requires_grad)):
        check_inplace(self, "copy_")
        try:
            xp.copyto(self.data, xp.broadcast_to(src.data, self.shape), casting="unsafe")
        except ValueError:
            raise RuntimeError(f"copy_: the source of shape {list(src.shape)} does not "
                               f"broadcast to the tensor's shape {list(self.shape)}") from None
        bump(self)
        return self
    return apply_inplace(self, lambda d, s: _Copy.apply(d, s), src, op="copy_")


@tensor_method("fill_")
def fill_(self, value):
    """Set every element to ``value`` (a number or a 1-element tensor)."""
    return copy_(self, value)


@tensor_method("zero_")
def zero_(self):
    """Set every element to 0."""
    return copy_(self, 0)


def _rng(generator):
    if generator is None:
        return get_rng()
    return getattr(generator, "rng", None) or getattr(generator, "_rng", None) or generator


@tensor_method("uniform_")
def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None):
    """Fill with samples of U(a, b) from the package generator (``tm.manual_seed``)."""
    return copy_(self, _rng(generator).uniform(a, b, size=self.shape).astype(self.dtype))


@tensor_method("normal_")
def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None):
    """Fill with samples of N(mean, std²) from the package generator."""
    return copy_(self, _rng(generator).normal(mean, std, size=self.shape).astype(self.dtype))


class SetItem(Function):
    """``x[index] = v`` as an op: dL/dx is g with zeros at ``index``, dL/dv is ``g[index]``."""

    saves_inputs = saves_output = False

    def forward(self, x, v, index=None):
        self.index = index
        out = x.copy()
        out[index] = v
        return out

    def backward(self, g, out, x, v):
        keep = xp.ones(out.shape, dtype=bool)
        keep[self.index] = False
        gv = g[self.index] if self.needs_grad(1) else None
        return (g * keep if self.needs_grad(0) else None), gv


def setitem_(x, index, value) -> None:
    """``x[index] = value`` (index already in NumPy's form; see ``indexing.setitem``)."""
    Tensor = _tensor()
    if not (_state.enabled and (x.requires_grad
                                or (isinstance(value, Tensor) and value.requires_grad))):
        check_inplace(x, "setitem")
        if not x.data.flags.writeable:
            raise RuntimeError("setitem: this tensor's memory is read-only (a constant, or a "
                               "broadcast view from expand()); clone() it first")
        x.data[index] = value.data if isinstance(value, Tensor) else value
        bump(x)
        return
    v = value if isinstance(value, Tensor) else Tensor._wrap(xp.asarray(value, x.dtype))
    apply_inplace(x, lambda old, val: SetItem.apply(old, val, index=index), v, op="setitem")
